//! The endpoint table (`ezshare::ENDPOINTS`, in `cli/src/endpoints.rs`) against everything
//! kept by hand that must agree with it: the crates under `functions/`, the functions and
//! routes of `template.yaml`, and the fixtures under `events/`. Every disagreement is listed,
//! each saying what to add where (see the README's "Adding an endpoint").

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use ezshare_api::Endpoint;

use crate::support::events::{Event, dir as events_dir};
use crate::template::read::{Function, WORKSPACE};

fn names_in(dir: &Path, suffix: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(suffix).map(str::to_owned))
        .collect()
}

fn route_keys(endpoint: &Endpoint) -> BTreeSet<String> {
    endpoint.routes.iter().map(|r| r.key()).collect()
}

fn listed(keys: &BTreeSet<String>) -> String {
    keys.iter().cloned().collect::<Vec<_>>().join(", ")
}

/// Each endpoint has a crate under `functions/` building a binary of its name.
fn check_crates(problems: &mut Vec<String>) {
    let functions_dir = Path::new(WORKSPACE).join("functions");
    let dirs = names_in(&functions_dir, "");
    for endpoint in ezshare::ENDPOINTS {
        let name = endpoint.name;
        if !dirs.contains(name) {
            problems.push(format!(
                "endpoint {name} is in the table, but functions/{name}/ does not exist: create \
                 its crate there (package {})",
                endpoint.package
            ));
            continue;
        }
        let manifest = std::fs::read_to_string(functions_dir.join(name).join("Cargo.toml"))
            .unwrap_or_default();
        if !manifest.contains(&format!("[[bin]]\nname = \"{name}\"")) {
            problems.push(format!(
                "functions/{name}/Cargo.toml must build the binary {name}: add [[bin]] name = \
                 \"{name}\", path = \"src/main.rs\""
            ));
        }
    }
    for job in ezshare::JOBS {
        if !dirs.contains(*job) {
            problems.push(format!(
                "job {job} is in JOBS, but functions/{job}/ does not exist"
            ));
        }
    }
    let table: BTreeSet<&str> = ezshare::ENDPOINTS.iter().map(|e| e.name).collect();
    for dir in &dirs {
        if !table.contains(dir.as_str()) && !ezshare::JOBS.contains(&dir.as_str()) {
            problems.push(format!(
                "functions/{dir} is not in the endpoint table: add `ezshare_{}::ENDPOINT` to \
                 ENDPOINTS in cli/src/endpoints.rs and its dependency line to cli/Cargo.toml",
                dir.replace('-', "_")
            ));
        }
    }
}

/// Each endpoint is one function of the template, serving exactly its routes.
fn check_template(problems: &mut Vec<String>) {
    let functions = Function::all();
    let mut served: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for f in &functions {
        for (method, path) in f.routes() {
            served
                .entry(format!("{method} {path}"))
                .or_default()
                .push(f.id);
        }
    }
    for (route, ids) in &served {
        if ids.len() > 1 {
            problems.push(format!(
                "template.yaml: {route} is an event of {}: keep it in one function",
                ids.join(" and ")
            ));
        }
    }
    for endpoint in ezshare::ENDPOINTS {
        let name = endpoint.name;
        let want = route_keys(endpoint);
        let deployed: Vec<&Function> = functions.iter().filter(|f| f.binary() == name).collect();
        let [f] = deployed.as_slice() else {
            problems.push(format!(
                "template.yaml has {} functions for endpoint {name}: it needs exactly one \
                 AWS::Serverless::Function with Metadata.BuildProperties.Binary: {name} and an \
                 HttpApi event for each of its routes ({})",
                deployed.len(),
                listed(&want)
            ));
            continue;
        };
        let have: BTreeSet<String> = f
            .routes()
            .into_iter()
            .map(|(m, p)| format!("{m} {p}"))
            .collect();
        for missing in want.difference(&have) {
            let (method, path) = missing.split_once(' ').unwrap();
            problems.push(format!(
                "template.yaml: function {} ({name}) lacks the route {missing}: add an HttpApi \
                 event with Method: {method} and Path: {path}",
                f.id
            ));
        }
        for extra in have.difference(&want) {
            problems.push(format!(
                "template.yaml: function {} serves {extra}, which endpoint {name} does not \
                 declare: remove the event, or add the route to {}'s ENDPOINT",
                f.id, endpoint.package
            ));
        }
    }
    for job in ezshare::JOBS {
        let deployed: Vec<&Function> = functions.iter().filter(|f| f.binary() == *job).collect();
        match deployed.as_slice() {
            [f] if f.routes().is_empty() && f.has_event_of_type("Schedule") => {}
            _ => problems.push(format!(
                "template.yaml needs exactly one function for job {job}: Binary: {job}, a \
                 Schedule event and no HttpApi event"
            )),
        }
    }
    let table: BTreeSet<&str> = ezshare::ENDPOINTS.iter().map(|e| e.name).collect();
    for f in &functions {
        if !table.contains(f.binary()) && !ezshare::JOBS.contains(&f.binary()) {
            problems.push(format!(
                "template.yaml: function {} builds {}, which is not in the endpoint table \
                 (cli/src/endpoints.rs)",
                f.id,
                f.binary()
            ));
        }
    }
}

/// Each endpoint has a fixture `events/<name>.json` for one of its routes, and nothing else
/// is there.
fn check_events(problems: &mut Vec<String>) {
    let fixtures = names_in(&events_dir(), ".json");
    for endpoint in ezshare::ENDPOINTS {
        let name = endpoint.name;
        let routes = route_keys(endpoint);
        if !fixtures.contains(name) {
            problems.push(format!(
                "events/{name}.json is missing: add an API Gateway HTTP API (payload 2.0) event \
                 for one of {} (copy the fixture of a route with the same kind of caller)",
                listed(&routes)
            ));
            continue;
        }
        let event = Event::load(name);
        let key = event.route_key();
        if !routes.contains(key) {
            problems.push(format!(
                "events/{name}.json has routeKey {key:?}, not a route of endpoint {name} ({}): \
                 set routeKey, rawPath and requestContext to one of them",
                listed(&routes)
            ));
        }
    }
    for job in ezshare::JOBS {
        let is_scheduled =
            fixtures.contains(*job) && Event::load(job).json["detail-type"] == "Scheduled Event";
        if !is_scheduled {
            problems.push(format!(
                "events/{job}.json must be the EventBridge scheduled event that runs job {job}"
            ));
        }
    }
    let table: BTreeSet<&str> = ezshare::ENDPOINTS.iter().map(|e| e.name).collect();
    for fixture in &fixtures {
        if !table.contains(fixture.as_str()) && !ezshare::JOBS.contains(&fixture.as_str()) {
            problems.push(format!(
                "events/{fixture}.json belongs to no endpoint of the table: remove it, or add \
                 the endpoint"
            ));
        }
    }
}

#[test]
fn the_endpoint_table_the_crates_the_template_and_the_events_agree() {
    let mut all = BTreeSet::new();
    for endpoint in ezshare::ENDPOINTS {
        for route in endpoint.routes {
            assert!(all.insert(route.key()), "{route} is in the table twice");
        }
    }
    let mut problems = vec![];
    check_crates(&mut problems);
    check_template(&mut problems);
    check_events(&mut problems);
    assert!(
        problems.is_empty(),
        "the endpoint table and what is kept by hand disagree:\n- {}",
        problems.join("\n- ")
    );
}
