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

    /// Every stored file lives under `files/{username}/{file name}`.
    pub const FILES_PREFIX: &str = "files/";
    /// Direct uploads in progress, `staging/{username}/{upload id}`; never listed as files.
    /// A lifecycle rule deletes what nobody completes.
    pub const STAGING_PREFIX: &str = "staging/";
    /// Object metadata of a staged upload: the intended file name (percent-encoded, since
    /// metadata is ASCII) and the announced size.
    pub const STAGED_NAME_METADATA: &str = "ezshare-name";
    pub const STAGED_SIZE_METADATA: &str = "ezshare-size";

    /// `files/{owner}/`: with the trailing slash, so `opsy` never lists `opsy2`'s files.
    pub fn owner_prefix(owner: &Username) -> String {
        format!("{FILES_PREFIX}{owner}/")
    }

    /// Upload ids are base64url and usernames `[a-z0-9._-]`: the key is plain ASCII.
    pub fn staged_key(owner: &Username, id: &ezshare_domain::UploadId) -> String {
        format!("{STAGING_PREFIX}{owner}/{id}")
    }

    /// The name goes in verbatim: usernames and file names never contain `/` (and names are
    /// never `.` or `..`), so a key cannot escape its prefix, and S3's listing order (UTF-8
    /// bytes of the key) is the order the API promises.
    pub fn file_key(owner: &Username, name: &FileName) -> String {
        format!("{}{name}", owner_prefix(owner))
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
        assert_eq!(file_key(&owner, &name), "files/opsy/résumé ..a%2F.pdf");
        assert!(!file_key(&owner, &name).starts_with(STAGING_PREFIX));
    }
}
