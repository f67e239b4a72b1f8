//! End to end: a 50 MB file through the direct-upload flow (announce, PUT to the signed URL,
//! complete) and back through a download link, byte-identical, then the OPS user's own
//! listing and delete: on the local server, and on DynamoDB/S3 (moto) through
//! `ezshare serve --backend aws`.

use crate::support::{Server, client, form};

/// A PDF header, then 50 MB of bytes that are not all alike (a pattern would hide shifts).
pub fn big_pdf() -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut x: u32 = 0x9e37_79b9;
    bytes.extend((0..50_000_000).map(|_| {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        (x >> 24) as u8
    }));
    bytes
}

async fn token(http: &reqwest::Client, server: &Server, kind: &str, user: &str) -> String {
    let creds = form(&[("username", user), ("password", "password-123")]);
    // OPS signup here is open (OPS_SIGNUP=open on the servers below): these tests are about uploads.
    let r = http
        .post(server.url(&format!("/{kind}/signup")))
        .form(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(server.url(&format!("/{kind}/login")))
        .form(&creds)
        .send()
        .await
        .unwrap();
    r.text().await.unwrap()
}

/// Announces `bytes` as `name` and PUTs them to the signed URL; returns the upload id.
async fn send_direct(
    http: &reqwest::Client,
    server: &Server,
    ops: &str,
    name: &str,
    bytes: &[u8],
    announced: usize,
) -> String {
    let created = http
        .post(server.url("/ops/uploads"))
        .bearer_auth(ops)
        .json(&serde_json::json!({"name": name, "size": announced, "content_type": "application/pdf"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.unwrap();
    let mut put = http
        .put(created["upload_url"].as_str().unwrap())
        .body(bytes.to_vec());
    for (name, value) in created["headers"].as_object().unwrap() {
        // reqwest sets the length from the body.
        if !name.eq_ignore_ascii_case("content-length") {
            put = put.header(name, value.as_str().unwrap());
        }
    }
    let r = put.send().await.unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    created["upload_id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn fifty_megabytes_straight_to_storage_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], crate::support::ORIGINAL);
    round_trip(&server).await;
}

async fn round_trip(server: &Server) {
    let http = client();
    let ops = token(&http, server, "ops", "bigops").await;
    let bytes = big_pdf();
    let id = send_direct(&http, server, &ops, "big file.pdf", &bytes, bytes.len()).await;
    let r = http
        .post(server.url(&format!("/ops/uploads/{id}/complete")))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let file: serde_json::Value = r.json().await.unwrap();
    assert_eq!(file["size"], bytes.len());

    let r = http
        .get(server.url("/ops/files"))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    let own: serde_json::Value = r.json().await.unwrap();
    assert_eq!(own["files"][0]["name"], "big file.pdf");

    let cli = token(&http, server, "client", "bigclient").await;
    let r = http
        .get(server.url("/client/files/bigops/big%20file.pdf"))
        .bearer_auth(&cli)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let link = r.headers()["location"].to_str().unwrap().to_owned();
    let downloaded = http.get(&link).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(downloaded.len(), bytes.len());
    assert!(
        downloaded.as_ref() == bytes.as_slice(),
        "downloaded bytes differ"
    );

    let r = http
        .delete(server.url("/ops/files/big%20file.pdf"))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = http
        .get(server.url("/client/files/bigops/big%20file.pdf"))
        .bearer_auth(&cli)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn the_signed_put_takes_only_what_was_announced() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], crate::support::ORIGINAL);
    let http = client();
    let ops = token(&http, &server, "ops", "strict").await;
    let created: serde_json::Value = http
        .post(server.url("/ops/uploads"))
        .bearer_auth(&ops)
        .json(&serde_json::json!({"name": "a.pdf", "size": 10, "content_type": "application/pdf"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = created["upload_url"].as_str().unwrap();
    let put = |body: &'static [u8], ct: &'static str, url: String| {
        http.put(url).header("content-type", ct).body(body).send()
    };
    assert_eq!(
        put(b"%PDF-1.7 too long", "application/pdf", url.into())
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        put(b"%PDF-1.7\n.", "text/html", url.into())
            .await
            .unwrap()
            .status(),
        400
    );
    let tampered = url.replace("sig=", "sig=0");
    assert_eq!(
        put(b"%PDF-1.7\n.", "application/pdf", tampered)
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        put(b"%PDF-1.7\n.", "application/pdf", url.into())
            .await
            .unwrap()
            .status(),
        200
    );
}

#[cfg(feature = "aws")]
mod on_aws {
    use super::*;
    use crate::support::aws::AwsStack;

    fn serve(stack: &AwsStack) -> Server {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.args(["serve", "--backend", "aws", "--addr", "127.0.0.1:0"]);
        stack.configure(&mut cmd);
        cmd.env("RUST_LOG", "warn")
            .envs(crate::support::ORIGINAL.iter().copied());
        Server::spawn(cmd)
    }

    #[tokio::test]
    async fn fifty_megabytes_through_s3_and_back() {
        let stack = AwsStack::start();
        stack.bootstrap_with_cli();
        let server = serve(&stack);
        round_trip(&server).await;
        // Nothing is left in staging once completed.
        let staged = crate::support::aws::s3_client(&stack.sdk().await)
            .list_objects_v2()
            .bucket(&stack.names.bucket)
            .prefix("staging/")
            .send()
            .await
            .unwrap();
        assert_eq!(staged.key_count(), Some(0));
    }

    /// moto does not check signatures, so it stores a body of another length than the one
    /// signed (S3 would refuse it): completing still refuses the upload.
    #[tokio::test]
    async fn a_body_of_another_size_is_refused_on_completion() {
        let stack = AwsStack::start();
        stack.bootstrap_with_cli();
        let server = serve(&stack);
        let http = client();
        let ops = token(&http, &server, "ops", "sizeops").await;
        let id = send_direct(&http, &server, &ops, "short.pdf", b"%PDF-1.7 short", 1000).await;
        let r = http
            .post(server.url(&format!("/ops/uploads/{id}/complete")))
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "size_mismatch");
        let r = http
            .post(server.url(&format!("/ops/uploads/{id}/complete")))
            .bearer_auth(&ops)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "the refused upload was deleted");
    }
}
