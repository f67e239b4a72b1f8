//! `openapi.yaml` against the code: every route of `ezshare::ENDPOINTS` is in the spec, the
//! spec names no route the code lacks, every `{param}` of a path is declared, and
//! `ezshare serve` serves the spec as JSON at `GET /openapi.json`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::Server;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn spec() -> Value {
    serde_norway::from_str(ezshare::openapi::SPEC_YAML).expect("openapi.yaml parses")
}

/// `METHOD /path` of every route of the API the code serves. Not the web client's (`GET /`,
/// `GET /app/{asset}`): a page, its styles and scripts for browsers, not operations of the
/// JSON API the spec describes (and schemathesis fuzzes); the spec's description names them
/// beside the other routes it leaves out.
fn code_routes() -> BTreeSet<String> {
    ezshare::ENDPOINTS
        .iter()
        .filter(|e| e.name != ezshare_web::ENDPOINT.name)
        .flat_map(|e| e.routes.iter())
        .map(|r| r.key())
        .collect()
}

/// `METHOD /path` of every operation of the spec.
fn spec_routes(spec: &Value) -> BTreeSet<String> {
    let paths = spec["paths"].as_object().expect("paths is a map");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| format!("{} {path}", m.to_ascii_uppercase()))
        })
        .collect()
}

/// A parameter object, its `$ref` (to `#/components/parameters/…`) followed.
fn resolve<'a>(spec: &'a Value, parameter: &'a Value) -> &'a Value {
    match parameter.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/parameters/")
                .unwrap_or_else(|| panic!("parameter $ref outside components: {reference}"));
            let found = &spec["components"]["parameters"][name];
            assert!(found.is_object(), "{reference} is not defined");
            found
        }
        None => parameter,
    }
}

/// The `{name}`s of a path, in order.
fn placeholders(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_spec_is_openapi_3_1() {
    let spec = spec();
    let version = spec["openapi"].as_str().expect("openapi is a string");
    assert!(version.starts_with("3.1."), "openapi: {version}");
}

#[test]
fn the_spec_has_exactly_the_routes_of_the_code() {
    let spec = spec();
    let (code, documented) = (code_routes(), spec_routes(&spec));
    let undocumented: Vec<_> = code.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&code).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "routes the code serves but openapi.yaml lacks: {undocumented:?}; \
         operations of openapi.yaml the code does not serve: {unserved:?}"
    );
    assert_eq!(
        code.len(),
        30,
        "the table has the 30 routes the spec was written for"
    );
}

#[test]
fn every_path_parameter_is_declared_and_required() {
    let spec = spec();
    let mut problems = vec![];
    for (path, item) in spec["paths"].as_object().unwrap() {
        let shared = item.get("parameters").and_then(Value::as_array);
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let own = item[*method].get("parameters").and_then(Value::as_array);
            let declared: Vec<&Value> = shared
                .into_iter()
                .chain(own)
                .flatten()
                .map(|p| resolve(&spec, p))
                .filter(|p| p["in"] == "path")
                .collect();
            let names: BTreeSet<String> = declared
                .iter()
                .map(|p| p["name"].as_str().unwrap().to_owned())
                .collect();
            let wanted: BTreeSet<String> = placeholders(path).into_iter().collect();
            if names != wanted {
                problems.push(format!(
                    "{method} {path}: the path has {wanted:?}, the operation declares {names:?}"
                ));
            }
            for p in declared.iter().filter(|p| p["required"] != true) {
                problems.push(format!("{method} {path}: {} must be required", p["name"]));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[tokio::test]
async fn the_local_server_serves_the_spec_as_json() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[], &[]);
    let response = crate::support::client()
        .get(server.url(ezshare::openapi::PATH))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served: Value = response.json().await.unwrap();
    assert!(
        served["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        served["openapi"]
    );
    assert_eq!(served, spec(), "the served JSON is openapi.yaml");
}
