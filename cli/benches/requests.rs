//! What a request costs once the process is warm: token verification, the session read, and
//! whole requests through the merged router (`oneshot`, no network), on the embedded backend.
//! Run with `cargo bench -p ezshare --bench requests`.

use std::hint::black_box;

use axum::body::Body;
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use ezshare_domain::{ContentType, FileName, Password, UserType};
use ezshare_store::WriteMode;
use ezshare_testkit::TestApp;
use http::Request;
use tower::ServiceExt;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

struct Fixture {
    app: TestApp,
    router: axum::Router,
    client: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::new().await;
    let router = app.router(ezshare::routes());
    let ops = app.create_user(UserType::Ops, "benchops").await;
    for i in 0..100 {
        app.stores()
            .files
            .put_file(
                &ops,
                &FileName::parse(&format!("file-{i:03}.pdf")).unwrap(),
                &ContentType::parse("application/pdf").unwrap(),
                Bytes::from_static(b"%PDF-1.7"),
                WriteMode::CreateNew,
                ezshare_domain::Visibility::AllClients,
            )
            .await
            .unwrap();
    }
    let client = app.bearer(UserType::Client, "benchclient").await;
    Fixture {
        app,
        router,
        client,
    }
}

fn get(uri: &str, bearer: &str) -> Request<Body> {
    Request::get(uri)
        .header("authorization", bearer)
        .body(Body::empty())
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let rt = runtime();
    let f = rt.block_on(fixture());

    c.bench_function("auth/authenticate (JWT + session read)", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                f.app
                    .state
                    .auth
                    .authenticate(Some(&f.client))
                    .await
                    .unwrap(),
            )
        })
    });

    c.bench_function("request/GET /client/files/{ops} (100 files)", |b| {
        b.to_async(&rt).iter(|| async {
            let res = f
                .router
                .clone()
                .oneshot(get("/client/files/benchops", &f.client))
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
        })
    });

    c.bench_function("request/GET /client/files/{ops}/{name} (link)", |b| {
        b.to_async(&rt).iter(|| async {
            let res = f
                .router
                .clone()
                .oneshot(get("/client/files/benchops/file-042.pdf", &f.client))
                .await
                .unwrap();
            assert_eq!(res.status(), 302);
        })
    });

    c.bench_function("request/unauthenticated 401", |b| {
        b.to_async(&rt).iter(|| async {
            let res = f
                .router
                .clone()
                .oneshot(get("/client/files/benchops", "Bearer nope"))
                .await
                .unwrap();
            assert_eq!(res.status(), 401);
        })
    });

    let mut slow = c.benchmark_group("password");
    slow.sample_size(10);
    let hasher = ezshare_auth::password::Hasher::new(std::num::NonZeroUsize::MIN);
    slow.bench_function("argon2id hash (m=19 MiB, t=2, p=1)", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                hasher
                    .hash(Password::parse("correct horse battery").unwrap())
                    .await
                    .unwrap(),
            )
        })
    });
    slow.finish();
}

criterion_group!(requests, benches);
criterion_main!(requests);
