//! Tracing, logs with retention, alarms, and cfn-lint.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::read::*;

const CFN_LINT_ENV: &str = "EZSHARE_CFN_LINT";

#[test]
fn functions_are_traced_logged_with_retention_and_alarmed() {
    let alarms = of_type("AWS::CloudWatch::Alarm");
    let alarmed = |namespace: &str, metric: &str, dimension: &str, target: &str| {
        alarms.iter().any(|(_, a)| {
            let p = at(a, &["Properties"]).unwrap();
            at(p, &["Namespace"]).and_then(string) == Some(namespace)
                && at(p, &["MetricName"]).and_then(string) == Some(metric)
                && list(at(p, &["Dimensions"]).unwrap()).iter().any(|d| {
                    at(d, &["Name"]).and_then(string) == Some(dimension)
                        && at(d, &["Value"]).and_then(ref_target) == Some(target)
                })
        })
    };
    for f in Function::all() {
        assert_eq!(
            f.property("Tracing").and_then(string),
            Some("Active"),
            "{}",
            f.id
        );
        let group = f
            .property("LoggingConfig")
            .and_then(|c| at(c, &["LogGroup"]))
            .and_then(ref_target)
            .unwrap_or_else(|| panic!("{}: LoggingConfig.LogGroup !Ref its log group", f.id));
        assert_eq!(type_of(group), "AWS::Logs::LogGroup");
        assert!(
            at(resource(group), &["Properties", "RetentionInDays"]).is_some(),
            "{group}: RetentionInDays"
        );
        assert!(
            alarmed("AWS/Lambda", "Errors", "FunctionName", f.id),
            "{}: an Errors alarm",
            f.id
        );
    }
    let (api, api_resource) = of_type("AWS::Serverless::HttpApi")
        .into_iter()
        .next()
        .expect("an HttpApi");
    assert!(
        alarmed("AWS/ApiGateway", "5xx", "ApiId", api),
        "an API 5xx alarm"
    );
    let props = at(api_resource, &["Properties"]).unwrap();
    for key in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
        let v = at(props, &["DefaultRouteSettings", key]).expect(key);
        let param = ref_target(v).unwrap_or_else(|| panic!("{key} is a parameter"));
        parameter_default(param);
    }
    let destination = at(props, &["AccessLogSettings", "DestinationArn"])
        .and_then(getatt_target)
        .expect("AccessLogSettings.DestinationArn !GetAtt a log group");
    assert_eq!(type_of(&destination.0), "AWS::Logs::LogGroup");
}

/// Login and signup routes have a throttle of their own, below the stage's, and their
/// functions a reserved-concurrency parameter (unreserved by default, set by prod).
#[test]
fn login_and_signup_are_throttled_per_route_and_may_reserve_concurrency() {
    let mut throttled = vec![];
    for f in Function::all() {
        let events = at(f.resource, &["Properties", "Events"]).and_then(|e| e.as_mapping());
        for event in events.into_iter().flat_map(|m| m.values()) {
            let path = at(event, &["Properties", "Path"]).and_then(string);
            let Some(path) = path.filter(|p| p.ends_with("/login") || p.ends_with("/signup"))
            else {
                continue;
            };
            for (key, param) in [
                ("ThrottlingRateLimit", "AuthThrottlingRateLimit"),
                ("ThrottlingBurstLimit", "AuthThrottlingBurstLimit"),
            ] {
                let v = at(event, &["Properties", "RouteSettings", key]);
                assert_eq!(v.and_then(ref_target), Some(param), "{path}: {key}");
            }
            throttled.push(path.to_owned());
        }
        if ["login", "signup"].contains(&f.binary()) {
            let reserved = at(f.resource, &["Properties", "ReservedConcurrentExecutions"])
                .unwrap_or_else(|| panic!("{}: ReservedConcurrentExecutions", f.id));
            let rendered = format!("{reserved:?}");
            assert!(
                rendered.contains("HasAuthReservedConcurrency")
                    && rendered.contains("AuthReservedConcurrency"),
                "{}: {rendered}",
                f.id
            );
        }
    }
    throttled.sort();
    assert_eq!(
        throttled,
        [
            "/client/login",
            "/client/signup",
            "/ops/login",
            "/ops/signup"
        ]
    );
    let rate = |p: &str| parameter_default(p).as_u64().unwrap();
    assert!(rate("AuthThrottlingRateLimit") < rate("ApiThrottlingRateLimit"));
    assert_eq!(
        parameter_default("AuthReservedConcurrency").as_u64(),
        Some(0)
    );
    let samconfig = std::fs::read_to_string(Path::new(WORKSPACE).join("samconfig.toml")).unwrap();
    let prod = samconfig.split("[prod.global.parameters]").nth(1).unwrap();
    assert!(
        prod.contains("\"AuthReservedConcurrency=20\""),
        "prod reserves"
    );
}

#[test]
fn cfn_lint_reports_nothing() {
    let program = std::env::var_os(CFN_LINT_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(WORKSPACE).join(".venv/bin/cfn-lint"));
    assert!(
        program.is_file(),
        "cfn-lint not found at {}: run scripts/install-tools (or set {CFN_LINT_ENV})",
        program.display()
    );
    let out = Command::new(&program)
        .args(["--format", "parseable", "--", "template.yaml"])
        .current_dir(WORKSPACE)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", program.display()));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "cfn-lint template.yaml ({}):\n{report}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
