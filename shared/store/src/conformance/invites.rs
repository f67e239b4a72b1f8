//! Invites: single-use, redeemed atomically with the account they create.

use ezshare_domain::{InviteCode, UserType};
use time::OffsetDateTime;

use super::{Harness, uname, user};
use crate::{InviteRecord, StoreError, StoredInvite};

fn invite(user_type: UserType, expires_in: time::Duration) -> InviteRecord {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    InviteRecord {
        code: InviteCode::generate(),
        user_type,
        email: Some(ezshare_domain::Email::parse("invited@example.com").unwrap()),
        created_by: Some(uname("inviter")),
        created_at: now,
        expires_at: now + expires_in,
    }
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

async fn is_user(h: &Harness, t: UserType, name: &str) -> bool {
    h.stores.users.user_exists(t, &uname(name)).await.unwrap()
}

pub async fn invite_create_then_find(h: &Harness) {
    let s = &h.stores;
    let i = invite(UserType::Ops, time::Duration::hours(1));
    s.invites.create_invite(&i).await.unwrap();
    let found = s.invites.find_invite(&i.code).await.unwrap();
    assert_eq!(
        found,
        Some(StoredInvite {
            user_type: UserType::Ops,
            email: i.email.clone(),
            created_by: i.created_by.clone(),
            expires_at: i.expires_at,
            used_by: None,
        })
    );
    let other = InviteCode::generate();
    assert_eq!(s.invites.find_invite(&other).await.unwrap(), None);
}

pub async fn invite_redeem_creates_the_user_and_uses_it_up(h: &Harness) {
    let s = &h.stores;
    let i = invite(UserType::Client, time::Duration::hours(1));
    s.invites.create_invite(&i).await.unwrap();
    let u = user(UserType::Client, "newcomer");
    s.invites.redeem_invite(&i.code, &u, now()).await.unwrap();
    let stored = s
        .users
        .find_user(UserType::Client, &u.username)
        .await
        .unwrap();
    assert_eq!(stored, Some(u));
    let found = s.invites.find_invite(&i.code).await.unwrap().unwrap();
    assert_eq!(found.used_by, Some(uname("newcomer")));
    let again = s
        .invites
        .redeem_invite(&i.code, &user(UserType::Client, "second"), now())
        .await;
    assert!(
        matches!(again, Err(StoreError::InviteNotRedeemable)),
        "{again:?}"
    );
    assert!(!is_user(h, UserType::Client, "second").await);
}

pub async fn invite_redeem_refuses_unknown_expired_and_other_type(h: &Harness) {
    let s = &h.stores;
    let expired = invite(UserType::Ops, time::Duration::seconds(-1));
    let for_clients = invite(UserType::Client, time::Duration::hours(1));
    for i in [&expired, &for_clients] {
        s.invites.create_invite(i).await.unwrap();
    }
    let unknown = InviteCode::generate();
    for code in [&expired.code, &for_clients.code, &unknown] {
        let got = s
            .invites
            .redeem_invite(code, &user(UserType::Ops, "hopeful"), now())
            .await;
        assert!(
            matches!(got, Err(StoreError::InviteNotRedeemable)),
            "{got:?}"
        );
    }
    assert!(!is_user(h, UserType::Ops, "hopeful").await);
    // Refused for OPS, so still unused: it makes a CLIENT account.
    s.invites
        .redeem_invite(&for_clients.code, &user(UserType::Client, "hopeful"), now())
        .await
        .unwrap();
}

pub async fn invite_redeem_with_a_taken_name_leaves_it_unused(h: &Harness) {
    let s = &h.stores;
    s.users
        .create_user(&user(UserType::Ops, "taken"))
        .await
        .unwrap();
    let i = invite(UserType::Ops, time::Duration::hours(1));
    s.invites.create_invite(&i).await.unwrap();
    let got = s
        .invites
        .redeem_invite(&i.code, &user(UserType::Ops, "taken"), now())
        .await;
    assert!(matches!(got, Err(StoreError::AlreadyExists)), "{got:?}");
    let found = s.invites.find_invite(&i.code).await.unwrap().unwrap();
    assert_eq!(
        found.used_by, None,
        "a failed signup does not spend the invite"
    );
    s.invites
        .redeem_invite(&i.code, &user(UserType::Ops, "untaken"), now())
        .await
        .unwrap();
}

/// One code, many signups at once (different names): exactly one account.
pub async fn invite_racing_redeems_of_one_code_have_one_winner(h: &Harness) {
    let s = &h.stores;
    let i = invite(UserType::Ops, time::Duration::hours(1));
    s.invites.create_invite(&i).await.unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let (invites, code) = (s.invites.clone(), i.code.clone());
            tokio::spawn(async move {
                let u = user(UserType::Ops, &format!("racer{n}"));
                invites.redeem_invite(&code, &u, now()).await
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::InviteNotRedeemable) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(wins, 1);
    let mut accounts = 0;
    for n in 0..20 {
        accounts += usize::from(is_user(h, UserType::Ops, &format!("racer{n}")).await);
    }
    assert_eq!(accounts, 1);
}

/// The first OPS account of a deployment: two administrators' codes, both used at once for
/// the same name. One account; the loser's code stays unused, so it can still be used.
pub async fn invite_first_ops_bootstrap_race_has_one_winner(h: &Harness) {
    let s = &h.stores;
    let codes: Vec<_> = (0..8)
        .map(|_| invite(UserType::Ops, time::Duration::hours(1)))
        .collect();
    for i in &codes {
        s.invites.create_invite(i).await.unwrap();
    }
    let tasks: Vec<_> = codes
        .iter()
        .map(|i| {
            let (invites, code) = (s.invites.clone(), i.code.clone());
            tokio::spawn(async move {
                let u = user(UserType::Ops, "admin");
                invites.redeem_invite(&code, &u, now()).await
            })
        })
        .collect();
    let mut results = vec![];
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let wins = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(wins, 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| matches!(r, Ok(()) | Err(StoreError::AlreadyExists))),
        "{results:?}"
    );
    let mut unused = 0;
    for i in &codes {
        let found = s.invites.find_invite(&i.code).await.unwrap().unwrap();
        unused += usize::from(found.used_by.is_none());
    }
    assert_eq!(unused, codes.len() - 1, "only the winner's code is spent");
}
