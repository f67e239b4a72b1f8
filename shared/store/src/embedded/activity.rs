use async_trait::async_trait;
use ezshare_domain::{ActivityAction, Cursor, FileName, PageLimit, UserType, Username};
use rusqlite::params;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::db::{Db, from_unix, parse_stored, to_unix};
use crate::{ActivityEvent, ActivityFilter, ActivityPage, ActivityStore, StoreError, cursor};

/// The activity log in SQLite. Events are written by a thread of their own in group
/// commits: whatever has queued up while the previous transaction committed goes into the
/// next one (up to [`MAX_BATCH`]), and each caller is answered once its event is committed.
/// A download link costs one receipt, so under load this turns a commit per link into one
/// per batch, without ever answering before the receipt is stored.
pub struct EmbeddedActivity {
    db: Db,
    queue: mpsc::Sender<Pending>,
}

/// The most events one transaction takes.
const MAX_BATCH: usize = 256;

struct Pending {
    event: ActivityEvent,
    expires_at: OffsetDateTime,
    done: oneshot::Sender<Result<(), StoreError>>,
}

impl EmbeddedActivity {
    pub(crate) fn new(db: Db) -> Self {
        let (queue, pending) = mpsc::channel(4 * MAX_BATCH);
        let writer = db.clone();
        // Ends when the store (the last sender) is dropped.
        std::thread::Builder::new()
            .name("ezshare-activity".into())
            .spawn(move || write_batches(&writer, pending))
            .expect("spawning the activity writer");
        Self { db, queue }
    }

    /// Deletes events whose retention ended before `now`; returns how many.
    pub async fn purge_expired(&self, now: OffsetDateTime) -> Result<usize, StoreError> {
        self.db
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM activity WHERE expires_at < ?1",
                    params![to_unix(now)],
                )
                .map_err(StoreError::internal)
            })
            .await
    }
}

type Row = (
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn parse(r: Row) -> Result<ActivityEvent, StoreError> {
    let (owner, id, at, action, file, actor_type, actor, client, source_ip, user_agent) = r;
    Ok(ActivityEvent {
        id,
        at: from_unix(at)?,
        action: parse_stored(&action, str::parse::<ActivityAction>)?,
        owner: parse_stored(&owner, Username::parse)?,
        file: parse_stored(&file, FileName::parse)?,
        actor_type: parse_stored(&actor_type, str::parse::<UserType>)?,
        actor: parse_stored(&actor, Username::parse)?,
        client: client
            .map(|c| parse_stored(&c, Username::parse))
            .transpose()?,
        source_ip,
        user_agent,
    })
}

#[async_trait]
impl ActivityStore for EmbeddedActivity {
    async fn record(
        &self,
        event: &ActivityEvent,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (done, committed) = oneshot::channel();
        let pending = Pending {
            event: event.clone(),
            expires_at,
            done,
        };
        let stopped = || StoreError::Internal("the activity writer has stopped".into());
        self.queue.send(pending).await.map_err(|_| stopped())?;
        committed.await.map_err(|_| stopped())?
    }

    async fn list_activity(
        &self,
        owner: &Username,
        filter: &ActivityFilter,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<ActivityPage, StoreError> {
        // Ids are ASCII digits, '-' and hex: "~" sorts after every one of them.
        let before = cursor
            .map(cursor::decode_event)
            .transpose()?
            .unwrap_or_else(|| "~".to_owned());
        let limit = limit.get() as usize;
        let mut events = self.db.read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT owner, id, at, action, file, actor_type, actor, client, source_ip,
                            user_agent
                     FROM activity
                     WHERE owner = ?1 AND id < ?2 AND (?3 IS NULL OR file = ?3)
                       AND (?4 IS NULL OR action = ?4)
                     ORDER BY id DESC LIMIT ?5",
                )
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(
                    params![
                        owner.as_str(),
                        before,
                        filter.file.as_ref().map(FileName::as_str),
                        filter.action.map(ActivityAction::as_str),
                        (limit + 1) as i64
                    ],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                            r.get(6)?,
                            r.get(7)?,
                            r.get(8)?,
                            r.get(9)?,
                        ))
                    },
                )
                .map_err(StoreError::internal)?;
            rows.map(|r| r.map_err(StoreError::internal).and_then(parse))
                .collect::<Result<Vec<_>, _>>()
        })?;
        let more = events.len() > limit;
        events.truncate(limit);
        let next_cursor = more
            .then(|| events.last())
            .flatten()
            .map(|e| cursor::encode_event(&e.id));
        Ok(ActivityPage {
            events,
            next_cursor,
        })
    }
}

/// The writer thread: one transaction per batch of whatever is queued, then every caller of
/// the batch gets the outcome.
fn write_batches(db: &Db, mut pending: mpsc::Receiver<Pending>) {
    while let Some(first) = pending.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match pending.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        if db.write_blocking(|conn| insert_all(conn, &batch)).is_ok() {
            for p in batch {
                // A caller that gave up waiting has nobody to tell.
                let _ = p.done.send(Ok(()));
            }
            continue;
        }
        // The batch failed as a whole: each event on its own, so one cannot fail the rest.
        for p in batch {
            let alone = std::slice::from_ref(&p);
            let result = db.write_blocking(|conn| insert_all(conn, alone));
            let _ = p.done.send(result);
        }
    }
}

fn insert_all(conn: &mut rusqlite::Connection, batch: &[Pending]) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(StoreError::internal)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO activity (owner, id, at, action, file, actor_type, actor, client,
                                       source_ip, user_agent, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(StoreError::internal)?;
        for p in batch {
            let e = &p.event;
            insert
                .execute(params![
                    e.owner.as_str(),
                    e.id,
                    to_unix(e.at),
                    e.action.as_str(),
                    e.file.as_str(),
                    e.actor_type.as_str(),
                    e.actor.as_str(),
                    e.client.as_ref().map(Username::as_str),
                    e.source_ip,
                    e.user_agent,
                    to_unix(p.expires_at),
                ])
                .map_err(StoreError::internal)?;
        }
    }
    tx.commit().map_err(StoreError::internal)
}
