//! Behaviour settings: parameters with the code's defaults.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use super::read::*;

pub(crate) fn settings_variables() -> BTreeSet<String> {
    let asked = RefCell::new(BTreeSet::new());
    ezshare_api::Settings::from_lookup(|k| {
        asked.borrow_mut().insert(k.to_owned());
        None
    })
    .expect("the defaults are valid");
    asked.into_inner()
}

#[test]
fn behaviour_settings_are_parameters_with_the_codes_defaults() {
    let variables = settings_variables();
    assert!(
        variables.contains("SESSION_TTL_DAYS"),
        "probe works: {variables:?}"
    );
    for f in Function::all() {
        let env = f.environment();
        // Every setting the code reads is a parameter of the stack...
        let mut values = BTreeMap::new();
        for var in &variables {
            let value = env
                .get(var)
                .unwrap_or_else(|| panic!("{}: {var} is not set", f.id));
            let param = ref_target(value)
                .unwrap_or_else(|| panic!("{}: {var} should be !Ref a parameter", f.id));
            let default = match parameter_default(param) {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => panic!("{param}: Default {other:?}"),
            };
            values.insert(var.clone(), default);
        }
        // ...whose defaults, read by the code, are the code's own defaults.
        let deployed = ezshare_api::Settings::from_lookup(|k| values.get(k).cloned())
            .unwrap_or_else(|e| panic!("{}: the parameters' defaults are invalid: {e}", f.id));
        assert_eq!(
            format!("{deployed:?}"),
            format!("{:?}", ezshare_api::Settings::default()),
            "{}: parameter defaults differ from the code's",
            f.id
        );
        assert_eq!(
            env.get("RUST_LOG").and_then(|v| v.as_str()),
            Some("info"),
            "{}: RUST_LOG",
            f.id
        );
    }
}
