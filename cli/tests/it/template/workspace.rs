//! The Cargo workspace, from `cargo metadata`.

use std::process::Command;
use std::sync::OnceLock;

use super::read::WORKSPACE;

pub(crate) struct Metadata {
    pub(crate) json: serde_json::Value,
}

impl Metadata {
    pub(crate) fn load() -> &'static Metadata {
        static METADATA: OnceLock<Metadata> = OnceLock::new();
        METADATA.get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let out = Command::new(cargo)
                .args([
                    "metadata",
                    "--no-deps",
                    "--format-version",
                    "1",
                    "--offline",
                ])
                .current_dir(WORKSPACE)
                .output()
                .expect("run cargo metadata");
            assert!(
                out.status.success(),
                "cargo metadata: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Metadata {
                json: serde_json::from_slice(&out.stdout).expect("cargo metadata JSON"),
            }
        })
    }

    pub(crate) fn packages(&self) -> &Vec<serde_json::Value> {
        self.json["packages"].as_array().expect("packages")
    }

    pub(crate) fn bins(package: &serde_json::Value) -> Vec<&serde_json::Value> {
        package["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
            .collect()
    }

    /// The package with a `[[bin]]` of this name: exactly one.
    pub(crate) fn owner_of_bin(&self, bin: &str) -> &serde_json::Value {
        let owners: Vec<_> = self
            .packages()
            .iter()
            .filter(|p| Self::bins(p).iter().any(|t| t["name"] == bin))
            .collect();
        assert_eq!(
            owners.len(),
            1,
            "exactly one workspace package has a [[bin]] named {bin:?}"
        );
        owners[0]
    }
}
