//! `ezshare ls`, `rm`, `share` and `unshare`.

use indicatif::HumanBytes;
use serde_json::{Value, json};

use crate::args::{LsArgs, RmArgs, ShareArgs, UnshareArgs};
use crate::{ClientError, logged_in};

pub async fn ls(args: LsArgs) -> Result<(), ClientError> {
    let (api, login) = logged_in()?;
    let listing = match (&args.ops_username, login.user_type.as_deref()) {
        (Some(ops), _) => api.list(&["client", "files", ops]).await?,
        (None, Some("ops")) => api.list(&["ops", "files"]).await?,
        (None, _) => api.list(&["client", "files"]).await?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listing).expect("JSON"));
        return Ok(());
    }
    print!("{}", table(&listing));
    Ok(())
}

/// A table of a listing: owner (when the files are of several), name, size, uploaded.
fn table(listing: &Value) -> String {
    let files = listing["files"].as_array().cloned().unwrap_or_default();
    let with_owner = files.iter().any(|f| f.get("ops_username").is_some());
    let text = |f: &Value, k: &str| f.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let rows: Vec<Vec<String>> = files
        .iter()
        .map(|f| {
            let size = f.get("size").and_then(Value::as_u64).map(HumanBytes);
            let mut row = vec![
                text(f, "name"),
                size.map(|s| s.to_string()).unwrap_or_default(),
                text(f, "uploaded_at"),
            ];
            if with_owner {
                row.insert(0, text(f, "ops_username"));
            }
            row
        })
        .collect();
    let mut header = vec!["NAME", "SIZE", "UPLOADED"];
    if with_owner {
        header.insert(0, "OWNER");
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(header);
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if rows.is_empty() {
        out.push_str("(no files)\n");
    }
    out
}

pub async fn rm(args: RmArgs) -> Result<(), ClientError> {
    let (api, _) = logged_in()?;
    api.delete_file(&args.file).await?;
    eprintln!("deleted {}", args.file);
    Ok(())
}

pub async fn share(args: ShareArgs) -> Result<(), ClientError> {
    let (api, _) = logged_in()?;
    let mut body = json!({});
    if let Some(expires) = &args.expires {
        body["expires_at"] = json!(expires);
    }
    if let Some(max) = args.max_downloads {
        body["max_downloads"] = json!(max);
    }
    let share = api.share(&args.file, &args.client, body).await?;
    let limit = |k: &str| match share.get(k) {
        Some(Value::Null) | None => "none".to_owned(),
        Some(v) => v
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string()),
    };
    eprintln!(
        "shared {} with {} (expires: {}, max downloads: {})",
        args.file,
        args.client,
        limit("expires_at"),
        limit("max_downloads")
    );
    Ok(())
}

pub async fn unshare(args: UnshareArgs) -> Result<(), ClientError> {
    let (api, _) = logged_in()?;
    api.unshare(&args.file, &args.client).await?;
    eprintln!("stopped sharing {} with {}", args.file, args.client);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listing_is_a_table_with_human_sizes_and_an_owner_column_when_mixed() {
        let own = json!({"files": [
            {"name": "report.pdf", "size": 1536, "uploaded_at": "2026-12-01T10:00:00Z"},
            {"name": "a.docx", "size": 10, "uploaded_at": "2026-12-02T10:00:00Z"},
        ]});
        assert_eq!(
            table(&own),
            "NAME        SIZE      UPLOADED\n\
             report.pdf  1.50 KiB  2026-12-01T10:00:00Z\n\
             a.docx      10 B      2026-12-02T10:00:00Z\n"
        );
        let shared = json!({"files": [{"ops_username": "alice", "name": "x.pdf", "size": 1, "uploaded_at": "t"}]});
        assert!(
            table(&shared).starts_with("OWNER  NAME   SIZE  UPLOADED\nalice  x.pdf  1 B   t\n")
        );
        assert_eq!(
            table(&json!({"files": []})),
            "NAME  SIZE  UPLOADED\n(no files)\n"
        );
    }
}
