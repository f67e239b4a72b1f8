//! Multipart uploads through both endpoints: limits, announce, parts, status, complete, abort.

use ezshare_api::Settings;
use ezshare_domain::{Sha256Digest, UserType};
use ezshare_testkit::{TestApp, json_request, send};
use serde_json::{Value, json};

use super::{complete_uri, pdf, post};

const PART: u64 = 1000;

fn settings() -> Settings {
    Settings {
        multipart_part_size: PART,
        multipart_threshold_bytes: 2000,
        ..Settings::default()
    }
}

async fn app() -> (TestApp, axum::Router, String) {
    let t = TestApp::with_settings(settings()).await;
    let routes = ezshare_uploads::ENDPOINT
        .router()
        .merge(ezshare_complete_upload::ENDPOINT.router());
    let r = t.router(routes);
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    (t, r, bearer)
}

/// Announces `len` bytes by multipart; the answer.
async fn start(r: &axum::Router, bearer: &str, name: &str, extra: Value) -> Value {
    let mut fields = json!({"name": name, "size": 2500, "content_type": "application/pdf"});
    fields
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let res = send(r, post("/ops/uploads", bearer, fields)).await;
    assert_eq!(res.status, 201, "{}", res.text());
    res.json()
}

async fn sign(
    r: &axum::Router,
    bearer: &str,
    id: &str,
    body: Value,
) -> ezshare_testkit::TestResponse {
    send(r, post(&format!("/ops/uploads/{id}/parts"), bearer, body)).await
}

/// Signs and sends the given parts of `bytes`.
async fn send_parts(
    t: &TestApp,
    r: &axum::Router,
    bearer: &str,
    id: &str,
    bytes: &[u8],
    parts: &[u64],
) {
    let res = sign(r, bearer, id, json!({"part_numbers": parts})).await;
    assert_eq!(res.status, 200, "{}", res.text());
    for part in res.json()["parts"].as_array().unwrap() {
        let n = part["part_number"].as_u64().unwrap();
        let from = ((n - 1) * PART) as usize;
        let to = (from + PART as usize).min(bytes.len());
        t.deliver_part(part, bytes[from..to].to_vec())
            .await
            .unwrap();
    }
}

async fn status(r: &axum::Router, bearer: &str, id: &str) -> ezshare_testkit::TestResponse {
    send(
        r,
        json_request("GET", &format!("/ops/uploads/{id}"), Some(bearer), None),
    )
    .await
}

fn listed(status: &Value) -> Vec<u64> {
    status["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["part_number"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn limits_tell_clients_which_path_to_take() {
    let (t, r, bearer) = app().await;
    let res = send(&r, json_request("GET", "/ops/limits", Some(&bearer), None)).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({
            "max_upload_bytes": 4 * 1024 * 1024,
            "max_direct_upload_bytes": 50u64 << 30,
            "multipart_threshold_bytes": 2000,
            "part_size": PART,
        })
    );
    let client = t.bearer(UserType::Client, "cleo").await;
    let res = send(&r, json_request("GET", "/ops/limits", Some(&client), None)).await;
    assert_eq!(res.status, 403);
    assert_eq!(
        send(&r, json_request("GET", "/ops/limits", None, None))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn above_the_threshold_or_when_asked_an_upload_is_multipart() {
    let (_t, r, bearer) = app().await;
    let big = start(&r, &bearer, "big.pdf", json!({})).await;
    assert_eq!(big["multipart"], true);
    assert_eq!(
        (big["part_size"].as_u64(), big["part_count"].as_u64()),
        (Some(PART), Some(3))
    );
    assert_eq!(big["part_checksums"], false);
    assert!(big.get("upload_url").is_none());
    let expires = time::OffsetDateTime::parse(
        big["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let days = (expires - time::OffsetDateTime::now_utc()).whole_hours();
    assert!((167..=168).contains(&days), "expires in {days} h");
    // Small, but asked for (a JSON boolean, or a form's text).
    let res = send(
        &r,
        post(
            "/ops/uploads",
            &bearer,
            json!({"name": "s.pdf", "size": 10, "multipart": true}),
        ),
    )
    .await;
    assert_eq!(
        (
            res.json()["multipart"].clone(),
            res.json()["part_count"].clone()
        ),
        (json!(true), json!(1))
    );
    let res = send(
        &r,
        post(
            "/ops/uploads",
            &bearer,
            json!({"name": "s.pdf", "size": 10, "multipart": "yes"}),
        ),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.text());
    // At or under the threshold, not asked: today's single PUT.
    let res = send(
        &r,
        post(
            "/ops/uploads",
            &bearer,
            json!({"name": "one.pdf", "size": 2000}),
        ),
    )
    .await;
    assert_eq!(res.json()["multipart"], false);
    assert!(res.json()["upload_url"].is_string());
}

#[tokio::test]
async fn parts_in_any_order_then_complete_makes_the_file() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(2500);
    let created = start(&r, &bearer, "big.pdf", json!({})).await;
    let id = created["upload_id"].as_str().unwrap();
    let before = status(&r, &bearer, id).await;
    assert_eq!(before.status, 200, "{}", before.text());
    assert_eq!(before.header("cache-control"), Some("no-store"));
    let before = before.json();
    assert_eq!(
        (before["state"].as_str(), before["part_count"].as_u64()),
        (Some("receiving"), Some(3))
    );
    assert_eq!(listed(&before), Vec::<u64>::new());
    send_parts(&t, &r, &bearer, id, &bytes, &[3]).await;
    send_parts(&t, &r, &bearer, id, &bytes, &[1]).await;
    // A crash here: the status says what storage holds, so only part 2 is sent again.
    let now = status(&r, &bearer, id).await.json();
    assert_eq!(listed(&now), vec![1, 3]);
    assert_eq!(now["parts"][1]["size"], 500);
    assert!(
        now["parts"][0]["etag"]
            .as_str()
            .is_some_and(|e| !e.is_empty())
    );
    send_parts(&t, &r, &bearer, id, &bytes, &[2]).await;
    let done = send(&r, post(&complete_uri(id), &bearer, json!({}))).await;
    assert_eq!(done.status, 201, "{}", done.text());
    assert_eq!(done.json()["size"], 2500);
    assert_eq!(done.json()["name"], "big.pdf");
    let stored = t.stored_bytes("opsy", "big.pdf").await.unwrap();
    assert_eq!(stored, bytes, "the parts in order");
    // Gone once complete.
    assert_eq!(status(&r, &bearer, id).await.status, 404);
    assert_eq!(
        send(&r, post(&complete_uri(id), &bearer, json!({})))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn a_missing_part_is_400_missing_parts_and_the_upload_stays() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(2500);
    let id = start(&r, &bearer, "holes.pdf", json!({})).await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    send_parts(&t, &r, &bearer, &id, &bytes, &[1, 3]).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.json()["error"]["code"],
        "missing_parts",
        "{}",
        res.text()
    );
    assert!(
        res.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains('2')
    );
    send_parts(&t, &r, &bearer, &id, &bytes, &[2]).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[tokio::test]
async fn a_part_of_the_wrong_size_or_sent_again() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(2500);
    let id = start(&r, &bearer, "sizes.pdf", json!({})).await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let signed = sign(&r, &bearer, &id, json!({"part_numbers": [1, 3]}))
        .await
        .json();
    let (one, three) = (&signed["parts"][0], &signed["parts"][1]);
    assert_eq!(
        one["headers"]["Content-Length"], "1000",
        "the size is part of the URL"
    );
    let refused = t.deliver_part(one, vec![b'x'; 999]).await.unwrap_err();
    assert_eq!(refused.status, 400, "{}", refused.text());
    let refused = t.deliver_part(three, vec![b'x'; 501]).await.unwrap_err();
    assert_eq!(refused.status, 400);
    // Sent again, the last one counts.
    t.deliver_part(one, vec![b'x'; 1000]).await.unwrap();
    send_parts(&t, &r, &bearer, &id, &bytes, &[1, 2, 3]).await;
    assert_eq!(
        listed(&status(&r, &bearer, &id).await.json()),
        vec![1, 2, 3]
    );
    assert_eq!(
        send(&r, post(&complete_uri(&id), &bearer, json!({})))
            .await
            .status,
        201
    );
    assert_eq!(t.stored_bytes("opsy", "sizes.pdf").await.unwrap(), bytes);
}

#[tokio::test]
async fn signing_parts_refuses_what_cannot_be_uploaded() {
    let (t, r, bearer) = app().await;
    let id = start(&r, &bearer, "x.pdf", json!({})).await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (body, code) in [
        (json!({"part_numbers": [0]}), "invalid_field"),
        (json!({"part_numbers": [4]}), "invalid_part_number"),
        (json!({"part_numbers": [1, 1]}), "invalid_body"),
        (json!({"part_numbers": []}), "invalid_body"),
        (
            json!({"part_numbers": (1..=101).collect::<Vec<u32>>()}),
            "invalid_body",
        ),
        (
            json!({"part_numbers": [1], "parts": [{"part_number": 2}]}),
            "invalid_body",
        ),
        (json!({"part_numbers": ["1"]}), "invalid_body"),
        (
            json!({"parts": [{"part_number": 1, "extra": true}]}),
            "invalid_body",
        ),
        (
            json!({"parts": [{"part_number": 1, "sha256": "abc"}]}),
            "invalid_field",
        ),
        (
            json!({"parts": [{"part_number": 1, "sha256": "ab".repeat(32)}]}),
            "checksum_not_announced",
        ),
    ] {
        let res = sign(&r, &bearer, &id, body.clone()).await;
        assert_eq!(res.status, 400, "{body}: {}", res.text());
        assert_eq!(res.json()["error"]["code"], code, "{body}: {}", res.text());
    }
    let form = http::Request::post(format!("/ops/uploads/{id}/parts"))
        .header("authorization", &bearer)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("part_numbers=1"))
        .unwrap();
    assert_eq!(send(&r, form).await.status, 415);
    // Not another user's, not a single-PUT upload's, not a made-up id.
    let other = t.bearer(UserType::Ops, "other").await;
    let res = sign(&r, &other, &id, json!({"part_numbers": [1]})).await;
    assert_eq!(
        (res.status.as_u16(), res.json()["error"]["code"].clone()),
        (404, json!("upload_not_found"))
    );
    let single = send(
        &r,
        post("/ops/uploads", &bearer, json!({"name": "s.pdf", "size": 5})),
    )
    .await
    .json();
    let single = single["upload_id"].as_str().unwrap();
    for id in [single, "nope"] {
        assert_eq!(
            sign(&r, &bearer, id, json!({"part_numbers": [1]}))
                .await
                .status,
            404
        );
        assert_eq!(status(&r, &bearer, id).await.status, 404);
    }
}

#[tokio::test]
async fn with_a_digest_announced_every_part_carries_its_own() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(2500);
    let digest = Sha256Digest::of(&bytes).to_hex();
    let created = start(&r, &bearer, "sums.pdf", json!({"sha256": digest})).await;
    assert_eq!(created["part_checksums"], true);
    let id = created["upload_id"].as_str().unwrap();
    let res = sign(&r, &bearer, id, json!({"part_numbers": [1]})).await;
    assert_eq!(
        res.json()["error"]["code"],
        "checksum_required",
        "{}",
        res.text()
    );
    let chunks: Vec<&[u8]> = bytes.chunks(PART as usize).collect();
    let parts: Vec<Value> = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"part_number": i + 1, "sha256": Sha256Digest::of(c).to_hex()}))
        .collect();
    let signed = sign(&r, &bearer, id, json!({"parts": parts})).await;
    assert_eq!(signed.status, 200, "{}", signed.text());
    let signed = signed.json();
    let first = &signed["parts"][0];
    assert!(first["headers"]["x-amz-checksum-sha256"].is_string());
    // Other bytes of the right size: refused.
    let refused = t.deliver_part(first, vec![b'x'; 1000]).await.unwrap_err();
    assert_eq!(
        refused.json()["error"]["code"],
        "checksum_mismatch",
        "{}",
        refused.text()
    );
    for (part, chunk) in signed["parts"].as_array().unwrap().iter().zip(&chunks) {
        t.deliver_part(part, chunk.to_vec()).await.unwrap();
    }
    let now = status(&r, &bearer, id).await.json();
    assert_eq!(
        now["parts"][0]["sha256"],
        Sha256Digest::of(chunks[0]).to_hex()
    );
    let done = send(&r, post(&complete_uri(id), &bearer, json!({}))).await;
    assert_eq!(done.status, 201, "{}", done.text());
    assert_eq!(done.json()["sha256"], digest);
}

#[tokio::test]
async fn a_taken_name_is_409_then_assembled_until_completed_with_overwrite() {
    let (t, r, bearer) = app().await;
    t.put_file("opsy", "taken.pdf", pdf(10)).await;
    let bytes = pdf(2500);
    let id = start(&r, &bearer, "taken.pdf", json!({})).await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    send_parts(&t, &r, &bearer, &id, &bytes, &[1, 2, 3]).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    assert_eq!(res.status, 409, "{}", res.text());
    assert_eq!(res.json()["error"]["code"], "file_exists");
    assert_eq!(status(&r, &bearer, &id).await.json()["state"], "assembled");
    let res = send(
        &r,
        post(
            &format!("{}?overwrite=true", complete_uri(&id)),
            &bearer,
            json!({}),
        ),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(t.stored_bytes("opsy", "taken.pdf").await.unwrap(), bytes);
}

#[tokio::test]
async fn a_refused_type_is_discarded_whole() {
    let (t, r, bearer) = app().await;
    let bytes = vec![b'M'; 2500];
    let id = start(&r, &bearer, "fake.pdf", json!({})).await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    send_parts(&t, &r, &bearer, &id, &bytes, &[1, 2, 3]).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    assert_eq!(res.status, 415, "{}", res.text());
    assert_eq!(status(&r, &bearer, &id).await.status, 404, "nothing kept");
    assert_eq!(
        send(&r, post(&complete_uri(&id), &bearer, json!({})))
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn abort_frees_the_parts_and_the_urls() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(2500);
    let id = start(&r, &bearer, "gone.pdf", json!({})).await["upload_id"]
        .as_str()
        .unwrap()
        .to_owned();
    send_parts(&t, &r, &bearer, &id, &bytes, &[1]).await;
    let later = sign(&r, &bearer, &id, json!({"part_numbers": [2]}))
        .await
        .json();
    let del = |b: &str| json_request("DELETE", &format!("/ops/uploads/{id}"), Some(b), None);
    let other = t.bearer(UserType::Ops, "other").await;
    assert_eq!(
        send(&r, del(&other)).await.status,
        404,
        "not another user's"
    );
    let res = send(&r, del(&bearer)).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert_eq!(status(&r, &bearer, &id).await.status, 404);
    let refused = t
        .deliver_part(&later["parts"][0], bytes[1000..2000].to_vec())
        .await
        .unwrap_err();
    assert_eq!(refused.status, 404);
    assert_eq!(
        send(&r, post(&complete_uri(&id), &bearer, json!({})))
            .await
            .status,
        404
    );
    assert_eq!(send(&r, del(&bearer)).await.status, 404, "once");
}
