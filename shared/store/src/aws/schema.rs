//! The fixed AWS schema: table keys, attribute names and bucket key layout. The SAM template
//! declares the same names, and a test checks the two agree, so change both together.

/// The users table: one item per (user type, username).
pub mod users {
    /// Partition key (S): `ops` or `client`.
    pub const PARTITION_KEY: &str = "user_type";
    /// Sort key (S).
    pub const SORT_KEY: &str = "username";
    /// S: the Argon2id PHC string.
    pub const PASSWORD_HASH: &str = "password_hash";
    /// S, absent when the user gave none.
    pub const EMAIL: &str = "email";
    /// S, absent when the user gave none.
    pub const NAME: &str = "name";
    /// BOOL, true when an invite named the email; absent is false.
    pub const EMAIL_VERIFIED: &str = "email_verified";
    /// N: unix seconds.
    pub const CREATED_AT: &str = "created_at";
}

/// The sessions table: one item per login session.
pub mod sessions {
    /// Partition key (S).
    pub const PARTITION_KEY: &str = "session_id";
    /// S.
    pub const USER_TYPE: &str = "user_type";
    /// S.
    pub const USERNAME: &str = "username";
    /// N: unix seconds.
    pub const CREATED_AT: &str = "created_at";
    /// N: unix seconds.
    pub const EXPIRES_AT: &str = "expires_at";
    /// DynamoDB deletes items some time after this attribute's time has passed (lazily: up to
    /// days later), which is why readers still check expiry themselves.
    pub const TTL_ATTRIBUTE: &str = EXPIRES_AT;
    /// Index (username, user_type): a user's sessions, for "log out everywhere". Keyed by
    /// attributes every session has always had, so sessions from before it are indexed too.
    pub const BY_USER: &str = "by-user";
}

/// The attempts table: login and signup attempt counts and lockouts, one item each.
pub mod attempts {
    /// Partition key (S): `n#{key}@{window start}+{window seconds}` for a count, `l#{key}`
    /// for a lockout.
    pub const PARTITION_KEY: &str = "key";
    /// N: attempts counted in the window.
    pub const COUNT: &str = "count";
    /// N: a lockout's level (lockouts in a row).
    pub const LEVEL: &str = "level";
    /// N: unix seconds; a lockout refuses attempts until then.
    pub const UNTIL: &str = "until";
    /// N: unix seconds: a count's window end, a lockout's `forget_at`. Readers check it:
    /// TTL deletion lags.
    pub const EXPIRES_AT: &str = "expires_at";
    pub const TTL_ATTRIBUTE: &str = EXPIRES_AT;
}

/// The tokens table: one item per mailed token (email verification, password reset).
pub mod tokens {
    /// Partition key (S): SHA-256 of the token, hex.
    pub const PARTITION_KEY: &str = "token_hash";
    /// S: `verify_email` or `reset_password`.
    pub const PURPOSE: &str = "purpose";
    /// S.
    pub const USER_TYPE: &str = "user_type";
    /// S.
    pub const USERNAME: &str = "username";
    /// S: the address it was sent to.
    pub const EMAIL: &str = "email";
    /// N: unix seconds.
    pub const CREATED_AT: &str = "created_at";
    /// N: unix seconds; readers check it (TTL deletion lags).
    pub const EXPIRES_AT: &str = "expires_at";
    pub const TTL_ATTRIBUTE: &str = EXPIRES_AT;
}

/// The files table: one item per (owner, file name), pointing at the object that holds the
/// bytes of the file's current version.
pub mod files {
    /// Partition key (S): the OPS username.
    pub const PARTITION_KEY: &str = "owner";
    /// Sort key (S): the file name. DynamoDB orders string sort keys by their UTF-8 bytes,
    /// the order listings promise.
    pub const SORT_KEY: &str = "name";
    /// N: bytes.
    pub const SIZE: &str = "size";
    /// S.
    pub const CONTENT_TYPE: &str = "content_type";
    /// N: unix seconds.
    pub const UPLOADED_AT: &str = "uploaded_at";
    /// S: the bucket key of the bytes; immutable (a new version is a new object).
    pub const OBJECT_KEY: &str = "object_key";
    /// S: `private` or `all_clients`; the partition key of [`BY_VISIBILITY`].
    pub const VISIBILITY: &str = "visibility";
    /// S, optional: the SHA-256 of the bytes, 64 hex digits.
    pub const SHA256: &str = "sha256";
    /// S: `{owner}#{name}`, the sort key of [`BY_VISIBILITY`]: `#` sorts below every username
    /// character, so the string order is the (owner, name) order.
    pub const OWNER_NAME: &str = "owner_name";
    /// Index (visibility, owner_name): every `all_clients` file of every owner, in order.
    pub const BY_VISIBILITY: &str = "by-visibility";
}

/// The shares table: one item per (file, client).
pub mod shares {
    /// Partition key (S): `{owner}#{file name}` (as `files::OWNER_NAME`).
    pub const PARTITION_KEY: &str = "file_key";
    /// Sort key (S): the client's username; the partition key of [`BY_CLIENT`].
    pub const SORT_KEY: &str = "client";
    /// S.
    pub const OWNER: &str = "owner";
    /// S.
    pub const NAME: &str = "name";
    /// N: unix seconds.
    pub const GRANTED_AT: &str = "granted_at";
    /// N: unix seconds; absent when the share does not expire.
    pub const EXPIRES_AT: &str = "expires_at";
    /// N; absent when unlimited.
    pub const MAX_DOWNLOADS: &str = "max_downloads";
    /// N: download links issued through the share.
    pub const DOWNLOADS: &str = "downloads";
    /// Index (client, file_key): a client's shares in (owner, name) order.
    pub const BY_CLIENT: &str = "by-client";
}

/// The activity table: one item per event, an OPS user's log in one partition.
pub mod activity {
    /// Partition key (S): the OPS user whose file it concerns.
    pub const PARTITION_KEY: &str = "owner";
    /// Sort key (S): the event id, which sorts like its time.
    pub const SORT_KEY: &str = "id";
    /// N: unix seconds.
    pub const AT: &str = "at";
    /// S.
    pub const ACTION: &str = "action";
    /// S.
    pub const FILE: &str = "file";
    /// S: `ops` or `client`.
    pub const ACTOR_TYPE: &str = "actor_type";
    /// S.
    pub const ACTOR: &str = "actor";
    /// S, when the event concerns a client.
    pub const CLIENT: &str = "client";
    /// S, when known.
    pub const SOURCE_IP: &str = "source_ip";
    /// S, when sent.
    pub const USER_AGENT: &str = "user_agent";
    /// N: unix seconds; the end of the retention (`ACTIVITY_RETENTION_DAYS`).
    pub const EXPIRES_AT: &str = "expires_at";
    pub const TTL_ATTRIBUTE: &str = EXPIRES_AT;
}

/// `{owner}#{name}`: the (owner, name) pair as one string that sorts like the pair.
pub fn owner_name(owner: &ezshare_domain::Username, name: &ezshare_domain::FileName) -> String {
    format!("{owner}#{name}")
}

/// The invites table: one item per invite code, keyed by the code's hash.
pub mod invites {
    /// Partition key (S): SHA-256 of the code, hex.
    pub const PARTITION_KEY: &str = "code_hash";
    /// S: `ops` or `client`, the type of account it creates.
    pub const USER_TYPE: &str = "user_type";
    /// S, absent when the inviter named none.
    pub const EMAIL: &str = "email";
    /// S, absent for invites made by an administrator (`ezshare invite`).
    pub const CREATED_BY: &str = "created_by";
    /// N: unix seconds.
    pub const CREATED_AT: &str = "created_at";
    /// N: unix seconds.
    pub const EXPIRES_AT: &str = "expires_at";
    /// S: the username of the account created with it; absent while unused.
    pub const USED_BY: &str = "used_by";
    /// N: unix seconds.
    pub const USED_AT: &str = "used_at";
    /// Expired invites, used or not, are deleted by DynamoDB some time after expiry; readers
    /// check expiry themselves.
    pub const TTL_ATTRIBUTE: &str = EXPIRES_AT;
}

/// The bucket's key layout.
pub mod bucket {
    use ezshare_domain::{FileName, Username};

    /// Every file version's bytes live under `files/{username}/`, at a random key the files
    /// table points at (data from before the table was indexed at `files/{username}/{name}`
    /// by `ezshare migrate`).
    pub const FILES_PREFIX: &str = "files/";
    /// Direct uploads in progress, `staging/{username}/{upload id}`; never listed as files.
    /// A lifecycle rule deletes what nobody completes.
    pub const STAGING_PREFIX: &str = "staging/";
    /// Multipart uploads in progress: an empty object per upload, `multipart/{username}/{id}`,
    /// whose metadata is the intent; a lifecycle rule expires it with the parts.
    pub const MULTIPART_PREFIX: &str = "multipart/";
    /// Object metadata of a staged upload: the intended file name (percent-encoded, since
    /// metadata is ASCII) and the announced size.
    pub const STAGED_NAME_METADATA: &str = "ezshare-name";
    pub const STAGED_SIZE_METADATA: &str = "ezshare-size";
    /// The announced SHA-256 (hex), beside the signed checksum header S3 verifies.
    pub const STAGED_SHA256_METADATA: &str = "ezshare-sha256";

    /// `files/{owner}/`: with the trailing slash, so `opsy` never lists `opsy2`'s files.
    pub fn owner_prefix(owner: &Username) -> String {
        format!("{FILES_PREFIX}{owner}/")
    }

    /// Upload ids are base64url and usernames `[a-z0-9._-]`: the key is plain ASCII.
    pub fn staged_key(owner: &Username, id: &ezshare_domain::UploadId) -> String {
        format!("{STAGING_PREFIX}{owner}/{id}")
    }

    pub fn multipart_intent_key(owner: &Username, id: &ezshare_domain::UploadId) -> String {
        format!("{MULTIPART_PREFIX}{owner}/{id}")
    }

    /// Where a multipart upload's parts are assembled: the file's own immutable object
    /// (`m-` tells it from the `v-` objects other writes make, so only the multipart
    /// functions may write there).
    pub fn multipart_object_key(owner: &Username, id: &ezshare_domain::UploadId) -> String {
        format!("{}m-{id}", owner_prefix(owner))
    }

    /// The key the first versions of ezshare stored a file at, before the files table: the
    /// name verbatim (usernames and file names never contain `/`, so it cannot escape its
    /// prefix). `ezshare migrate` indexes such objects where they are.
    pub fn legacy_file_key(owner: &Username, name: &FileName) -> String {
        format!("{}{name}", owner_prefix(owner))
    }

    /// A fresh key for one version of one of `owner`'s files: 256 random bits, so versions
    /// never collide and an overwrite never rewrites an object in place.
    pub fn new_object_key(owner: &Username) -> String {
        format!(
            "{}v-{}",
            owner_prefix(owner),
            ezshare_domain::UploadId::generate()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::bucket::*;
    use ezshare_domain::{FileName, Username};

    #[test]
    fn file_keys_are_verbatim_under_the_owner_prefix() {
        let owner = Username::parse("opsy").unwrap();
        let name = FileName::parse("résumé ..a%2F.pdf").unwrap();
        assert_eq!(owner_prefix(&owner), "files/opsy/");
        assert_eq!(
            legacy_file_key(&owner, &name),
            "files/opsy/résumé ..a%2F.pdf"
        );
        let fresh = new_object_key(&owner);
        assert!(fresh.starts_with("files/opsy/v-"), "{fresh}");
        assert_ne!(fresh, new_object_key(&owner));
        assert!(!fresh.starts_with(STAGING_PREFIX));
    }
}
