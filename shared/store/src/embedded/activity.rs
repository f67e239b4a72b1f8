use async_trait::async_trait;
use ezshare_domain::{ActivityAction, Cursor, FileName, PageLimit, UserType, Username};
use rusqlite::params;
use time::OffsetDateTime;
use tokio::sync::{mpsc, oneshot};

use super::db::{Db, Schema, from_unix, parse_stored, to_unix};
use crate::{ActivityEvent, ActivityFilter, ActivityPage, ActivityStore, StoreError, cursor};

/// The activity log in SQLite, in a database file of its own (`activity.sqlite3`): a commit
/// there leaves the main database's WAL alone, so the readers' page caches of sessions and
/// files stay valid across the receipts that every download link writes.
///
/// Events are written by a thread of their own in group commits: whatever has queued up
/// while the previous transaction committed goes into the next one (up to [`MAX_BATCH`]),
/// and each caller is answered once its event is committed. A download link costs one
/// receipt, so under load this turns a commit per link into one per batch, without ever
/// answering before the receipt is stored.
pub struct EmbeddedActivity {
    db: Db,
    queue: mpsc::Sender<Pending>,
}

pub(crate) const SCHEMA: Schema = Schema {
    ddl: DDL,
    migrate: |_| Ok(()),
};

const DDL: &str = "
CREATE TABLE IF NOT EXISTS activity (
    owner      TEXT NOT NULL,
    id         TEXT NOT NULL,
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    file       TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor      TEXT NOT NULL,
    client     TEXT,
    source_ip  TEXT,
    user_agent TEXT,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activity_by_expiry ON activity (expires_at);
";

const COLUMNS: &str =
    "owner, id, at, action, file, actor_type, actor, client, source_ip, user_agent, expires_at";

/// The most events one transaction takes.
const MAX_BATCH: usize = 256;

/// Commits between two checkpoints of the activity WAL (a few thousand pages).
const CHECKPOINT_EVERY: u32 = 1000;

struct Pending {
    event: ActivityEvent,
    expires_at: OffsetDateTime,
    done: oneshot::Sender<Result<(), StoreError>>,
}

impl EmbeddedActivity {
    pub(crate) fn new(db: Db) -> Result<Self, StoreError> {
        let checkpoints = Checkpoints::start(&db)?;
        let (queue, pending) = mpsc::channel(4 * MAX_BATCH);
        let writer = db.clone();
        // Ends when the store (the last sender) is dropped; the checkpointer with it.
        std::thread::Builder::new()
            .name("ezshare-activity".into())
            .spawn(move || write_batches(&writer, pending, &checkpoints))
            .map_err(StoreError::internal)?;
        Ok(Self { db, queue })
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
                    |r| Row::try_from(r),
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
fn write_batches(db: &Db, mut pending: mpsc::Receiver<Pending>, checkpoints: &Checkpoints) {
    let mut commits: u32 = 0;
    while let Some(first) = pending.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match pending.try_recv() {
                Ok(more) => batch.push(more),
                Err(_) => break,
            }
        }
        if db.write_blocking(|conn| insert_all(conn, &batch)).is_ok() {
            commits = commits.wrapping_add(1);
            if commits.is_multiple_of(CHECKPOINT_EVERY) {
                checkpoints.request();
            }
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

/// Checkpoints of the activity WAL, on a thread and a connection of their own. SQLite's
/// automatic checkpoint runs inside the commit that crosses its threshold, and with
/// `synchronous = NORMAL` a checkpoint syncs the WAL and the database to disk: the
/// milliseconds of two `fsync`s, during which no download link could get its receipt.
/// Here the writer only asks (every [`CHECKPOINT_EVERY`] commits); a passive checkpoint runs
/// beside its next commits.
struct Checkpoints {
    ask: std::sync::mpsc::SyncSender<()>,
}

impl Checkpoints {
    fn start(db: &Db) -> Result<Self, StoreError> {
        db.write_blocking(|conn| {
            conn.pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(StoreError::internal)
        })?;
        let conn = db.side_connection()?;
        let (ask, asked) = std::sync::mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("ezshare-checkpoint".into())
            .spawn(move || {
                // Ends when the writer (the sender) is gone.
                while asked.recv().is_ok() {
                    let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "checkpoint of the activity log failed");
                    }
                }
            })
            .map_err(StoreError::internal)?;
        Ok(Self { ask })
    }

    /// Asks for a checkpoint, unless one is already asked for.
    fn request(&self) {
        let _ = self.ask.try_send(());
    }
}

fn insert_all(conn: &mut rusqlite::Connection, batch: &[Pending]) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(StoreError::internal)?;
    {
        let mut insert = tx
            .prepare_cached(&format!(
                "INSERT INTO activity ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))
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

/// A data dir from before the activity log had a file of its own keeps its events in the
/// main database: they move over, once. Safe to repeat after a crash half-way: the copy
/// ignores events already there, and the old table goes only after the copy committed.
pub(crate) async fn move_from_main(main: &Db, activity: &Db) -> Result<(), StoreError> {
    type Legacy = (
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
        i64,
    );
    let rows: Option<Vec<Legacy>> = main
        .write(|conn| {
            if !super::db::has_table(conn, "activity")? {
                return Ok(None);
            }
            let mut stmt = conn
                .prepare(&format!("SELECT {COLUMNS} FROM activity"))
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map([], |r| Legacy::try_from(r))
                .map_err(StoreError::internal)?;
            rows.collect::<Result<Vec<_>, _>>()
                .map(Some)
                .map_err(StoreError::internal)
        })
        .await?;
    let Some(rows) = rows else { return Ok(()) };
    let moved = rows.len();
    activity
        .write(move |conn| {
            let tx = conn.transaction().map_err(StoreError::internal)?;
            {
                let mut insert = tx
                    .prepare(&format!(
                        "INSERT OR IGNORE INTO activity ({COLUMNS})
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                    ))
                    .map_err(StoreError::internal)?;
                for r in &rows {
                    insert
                        .execute(params![
                            r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10
                        ])
                        .map_err(StoreError::internal)?;
                }
            }
            tx.commit().map_err(StoreError::internal)
        })
        .await?;
    main.write(|conn| {
        conn.execute_batch("DROP TABLE activity")
            .map_err(StoreError::internal)
    })
    .await?;
    tracing::info!(moved, "moved the activity log into activity.sqlite3");
    Ok(())
}
