//! How each function is built and where it runs.

use std::collections::BTreeSet;

use super::read::*;
use super::workspace::Metadata;

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

#[test]
fn each_function_builds_the_one_binary_of_an_endpoint_crate() {
    let metadata = Metadata::load();
    let mut built = BTreeSet::new();
    for f in Function::all() {
        assert_eq!(
            at(f.resource, &["Metadata", "BuildMethod"]).and_then(string),
            Some("rust-cargolambda"),
            "{}: Metadata.BuildMethod",
            f.id
        );
        for (key, want) in [
            ("CodeUri", "."),
            ("Runtime", "provided.al2023"),
            ("Handler", "bootstrap"),
        ] {
            assert_eq!(
                f.property(key).and_then(string),
                Some(want),
                "{}: {key} (one workspace build, custom runtime)",
                f.id
            );
        }
        let binary = f.binary();
        let package = metadata.owner_of_bin(binary);
        let name = package["name"].as_str().unwrap();
        assert_eq!(
            name,
            f.package(),
            "{}: binary {binary} is built by {name}, not by the endpoint's crate",
            f.id
        );
        assert_eq!(
            Metadata::bins(package).len(),
            1,
            "{name} has one [[bin]], so SAM copies the right bootstrap"
        );
        // `cargo lambda build --bin X` builds with default features: the bin must not need
        // any other.
        let bin = Metadata::bins(package)[0];
        let defaults: BTreeSet<&str> = package["features"]["default"]
            .as_array()
            .map(|d| d.iter().filter_map(|f| f.as_str()).collect())
            .unwrap_or_default();
        for feature in bin["required-features"].as_array().into_iter().flatten() {
            let feature = feature.as_str().unwrap();
            assert!(
                defaults.contains(feature),
                "{binary} requires feature {feature}, not a default of {name}"
            );
        }
        assert!(built.insert(name), "two functions build {name}");
    }
    let jobs: Vec<String> = ezshare::JOBS
        .iter()
        .map(|j| format!("ezshare-{j}"))
        .collect();
    let all: BTreeSet<&str> = ezshare::ENDPOINTS
        .iter()
        .map(|e| e.package)
        .chain(jobs.iter().map(String::as_str))
        .collect();
    assert_eq!(
        built, all,
        "every endpoint and job crate is deployed as a function"
    );
}

#[test]
fn architecture_is_a_parameter_defaulting_to_arm64() {
    let param = at(template(), &["Parameters", "Architecture"]).expect("Architecture parameter");
    assert_eq!(at(param, &["Default"]).and_then(string), Some("arm64"));
    let allowed: BTreeSet<&str> = list(at(param, &["AllowedValues"]).expect("AllowedValues"))
        .into_iter()
        .filter_map(string)
        .collect();
    assert_eq!(allowed, BTreeSet::from(["arm64", "x86_64"]));
    for f in Function::all() {
        let archs = list(f.property("Architectures").expect("Architectures"));
        assert_eq!(archs.len(), 1, "{}: one architecture", f.id);
        assert_eq!(ref_target(archs[0]), Some("Architecture"), "{}", f.id);
    }
}
