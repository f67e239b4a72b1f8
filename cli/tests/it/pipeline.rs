//! The deployment pipeline: `.github/workflows/*.yml` and `deploy/github-oidc.yaml` hold
//! the promises the README makes about them (actionlint, zizmor and checkov, run by
//! `scripts/test`, check the rest): actions pinned to commits, AWS only through OIDC,
//! least permissions, deploys that never overlap, deploy roles that trust one repository's
//! environment and create roles only with the environment's boundary.

use std::path::Path;

use serde_norway::{Mapping, Value};

use crate::template::read::{WORKSPACE, at, intrinsic, list, ref_target, string, sub_string};

fn read(path: &str) -> String {
    let path = Path::new(WORKSPACE).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn yaml(path: &str) -> Value {
    serde_norway::from_str(&read(path)).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

fn workflows() -> Vec<(String, Value)> {
    let dir = Path::new(WORKSPACE).join(".github/workflows");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.ends_with(".yml"))
        .collect();
    files.sort();
    assert_eq!(files, ["ci.yml", "deploy-stack.yml", "deploy.yml"]);
    files
        .into_iter()
        .map(|name| {
            let doc = yaml(&format!(".github/workflows/{name}"));
            (name, doc)
        })
        .collect()
}

fn jobs(workflow: &Value) -> &Mapping {
    at(workflow, &["jobs"])
        .and_then(Value::as_mapping)
        .expect("jobs")
}

fn steps(job: &Value) -> Vec<&Value> {
    at(job, &["steps"]).map(list).unwrap_or_default()
}

#[test]
fn every_action_is_pinned_to_a_full_commit_sha() {
    let mut actions = 0;
    for (name, workflow) in workflows() {
        for (job_name, job) in jobs(&workflow) {
            let mut uses: Vec<&str> = steps(job)
                .into_iter()
                .filter_map(|step| at(step, &["uses"]).and_then(string))
                .collect();
            uses.extend(at(job, &["uses"]).and_then(string));
            for target in uses {
                if target.starts_with("./.github/workflows/") {
                    continue; // this repository's own reusable workflow, at this commit
                }
                let (_, reference) = target
                    .split_once('@')
                    .unwrap_or_else(|| panic!("{name} {job_name:?}: {target} has no @ref"));
                assert!(
                    reference.len() == 40 && reference.bytes().all(|b| b.is_ascii_hexdigit()),
                    "{name} {job_name:?}: {target} is not pinned to a commit SHA"
                );
                actions += 1;
            }
        }
    }
    assert!(actions >= 5, "found {actions} pinned actions");
}

#[test]
fn aws_access_is_only_through_oidc_and_id_tokens_only_for_deploys() {
    for (name, workflow) in workflows() {
        let text = read(&format!(".github/workflows/{name}"));
        for stored_key in ["aws-access-key-id", "aws-secret-access-key", "AWS_SECRET"] {
            assert!(
                !text.contains(stored_key),
                "{name}: {stored_key}: no stored keys"
            );
        }
        let top = at(&workflow, &["permissions"]).unwrap_or_else(|| {
            panic!("{name}: top-level permissions (least privilege by default)")
        });
        assert_ne!(top.as_str(), Some("write-all"), "{name}");
        assert!(
            at(top, &["id-token"]).is_none(),
            "{name}: id-token is granted per job, never workflow-wide"
        );
        for (job_name, job) in jobs(&workflow) {
            let id_token = at(job, &["permissions", "id-token"]).and_then(string);
            let assumes_role = steps(job).iter().any(|step| {
                at(step, &["uses"])
                    .and_then(string)
                    .is_some_and(|u| u.starts_with("aws-actions/configure-aws-credentials@"))
            });
            let calls_deploy =
                at(job, &["uses"]).and_then(string) == Some("./.github/workflows/deploy-stack.yml");
            if assumes_role {
                let with = steps(job).into_iter().find_map(|step| {
                    at(step, &["with"]).filter(|w| at(w, &["role-to-assume"]).is_some())
                });
                assert!(with.is_some(), "{name} {job_name:?}: role-to-assume");
            }
            assert_eq!(
                id_token == Some("write"),
                assumes_role || calls_deploy,
                "{name} {job_name:?}: id-token: write exactly where a role is assumed"
            );
        }
    }
}

#[test]
fn tests_gate_every_deploy_and_deploys_of_one_environment_never_overlap() {
    let deploy = yaml(".github/workflows/deploy.yml");
    let deploy_jobs = jobs(&deploy);
    assert_eq!(
        at(&deploy_jobs["test"], &["uses"]).and_then(string),
        Some("./.github/workflows/ci.yml"),
        "the test job is the CI workflow itself"
    );
    for (env, ref_test) in [("dev", "refs/heads/main"), ("prod", "refs/tags/v")] {
        let job = &deploy_jobs[env];
        assert_eq!(at(job, &["needs"]).and_then(string), Some("test"), "{env}");
        assert_eq!(
            at(job, &["with", "environment"]).and_then(string),
            Some(env),
            "{env}"
        );
        let condition = at(job, &["if"]).and_then(string).unwrap();
        assert!(condition.contains(ref_test), "{env}: {condition}");
    }
    assert!(at(&deploy, &["on", "workflow_run"]).is_none());

    let stack = yaml(".github/workflows/deploy-stack.yml");
    let job = &jobs(&stack)["deploy"];
    assert_eq!(
        at(job, &["environment"]).and_then(string),
        Some("${{ inputs.environment }}"),
        "the job runs in the GitHub environment (its reviewers; the OIDC subject)"
    );
    assert_eq!(
        at(job, &["concurrency", "group"]).and_then(string),
        Some("deploy-${{ inputs.environment }}")
    );
    assert_eq!(
        at(job, &["concurrency", "cancel-in-progress"]),
        Some(&Value::Bool(false))
    );
    let runs: Vec<&str> = steps(job)
        .into_iter()
        .filter_map(|step| at(step, &["run"]).and_then(string))
        .collect();
    assert!(runs.iter().any(|r| r.contains("sam build")));
    assert!(runs.iter().any(|r| r.contains("scripts/ci-deploy")));
    let ci_deploy = read("scripts/ci-deploy");
    assert!(ci_deploy.contains("--no-confirm-changeset"));
    assert!(ci_deploy.contains("scripts/smoke "));
}

/// `stack_name` of a samconfig.toml environment (`default` or `prod`).
fn samconfig_stack_name(env: &str) -> String {
    let samconfig = read("samconfig.toml");
    let section = samconfig
        .split(&format!("[{env}.global.parameters]"))
        .nth(1)
        .unwrap_or_else(|| panic!("samconfig.toml has no [{env}.global.parameters]"));
    let line = section
        .lines()
        .find(|l| l.starts_with("stack_name"))
        .expect("stack_name");
    line.split('"').nth(1).unwrap().to_owned()
}

#[test]
fn deploy_roles_trust_one_repository_environment_and_create_roles_only_with_its_boundary() {
    let oidc = yaml("deploy/github-oidc.yaml");
    let resources = at(&oidc, &["Resources"]).unwrap();
    for (env, samconfig_env) in [("Dev", "default"), ("Prod", "prod")] {
        let stack_param = format!("{env}StackName");
        assert_eq!(
            at(&oidc, &["Parameters", &stack_param, "Default"]).and_then(string),
            Some(samconfig_stack_name(samconfig_env).as_str()),
            "{stack_param} defaults to samconfig.toml's stack"
        );

        let role = at(resources, &[&format!("{env}DeployRole")]).unwrap();
        let role_name = sub_string(at(role, &["Properties", "RoleName"]).unwrap()).unwrap();
        assert!(
            !role_name.starts_with(&format!("${{{stack_param}}}-")),
            "{env}: the deploy role is outside the prefix of the roles it may change"
        );
        let trust = list(
            at(
                role,
                &["Properties", "AssumeRolePolicyDocument", "Statement"],
            )
            .unwrap(),
        );
        assert_eq!(trust.len(), 1, "{env}: one trust statement");
        let equals = at(trust[0], &["Condition", "StringEquals"]).unwrap();
        assert_eq!(
            at(equals, &["token.actions.githubusercontent.com:aud"]).and_then(string),
            Some("sts.amazonaws.com")
        );
        assert_eq!(
            at(equals, &["token.actions.githubusercontent.com:sub"]).and_then(sub_string),
            Some(format!("repo:${{Repository}}:environment:${{{env}Environment}}").as_str()),
            "{env}: only this repository's jobs in the {env} environment"
        );
        assert!(
            at(trust[0], &["Condition", "StringLike"]).is_none(),
            "{env}: no wildcard subject"
        );

        let boundary_id = format!("{env}FunctionBoundary");
        let boundary = at(resources, &[&boundary_id]).unwrap();
        assert_eq!(
            at(boundary, &["Properties", "ManagedPolicyName"]).and_then(sub_string),
            Some(format!("${{{stack_param}}}-function-boundary").as_str()),
            "{env}: scripts/ci-deploy derives the boundary's ARN from this name"
        );

        let statements = list(
            at(role, &["Properties", "Policies"])
                .map(list)
                .unwrap()
                .first()
                .and_then(|p| at(p, &["PolicyDocument", "Statement"]))
                .unwrap(),
        );
        let role_changes: Vec<&Value> = statements
            .iter()
            .copied()
            .filter(|s| {
                at(s, &["Action"]).map(list).is_some_and(|actions| {
                    actions.iter().any(|a| {
                        matches!(
                            a.as_str(),
                            Some("iam:CreateRole" | "iam:PutRolePolicy" | "iam:AttachRolePolicy")
                        )
                    })
                })
            })
            .collect();
        assert_eq!(
            role_changes.len(),
            1,
            "{env}: one statement may create or widen roles"
        );
        let grant = role_changes[0];
        assert_eq!(
            at(
                grant,
                &["Condition", "StringEquals", "iam:PermissionsBoundary"]
            )
            .and_then(ref_target),
            Some(boundary_id.as_str()),
            "{env}: roles only with the boundary"
        );
        assert_eq!(
            at(grant, &["Resource"]).and_then(sub_string),
            Some(
                format!(
                    "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/${{{stack_param}}}-*"
                )
                .as_str()
            )
        );
        for statement in &statements {
            if intrinsic(statement).is_some() {
                continue; // the optional KMS statement
            }
            for action in list(at(statement, &["Action"]).unwrap()) {
                let action = action.as_str().unwrap();
                assert!(!action.ends_with('*'), "{env}: wildcard action {action}");
                assert!(
                    !matches!(
                        action,
                        "iam:PutRolePermissionsBoundary"
                            | "iam:DeleteRolePermissionsBoundary"
                            | "iam:CreatePolicyVersion"
                            | "iam:CreateUser"
                    ),
                    "{env}: {action} would let the role escape its boundary"
                );
            }
        }
    }
    let ci_deploy = read("scripts/ci-deploy");
    assert!(ci_deploy.contains(":policy/${stack}-function-boundary"));
}

#[test]
fn function_roles_take_the_boundary_parameter() {
    let template = crate::template::read::template();
    assert_eq!(
        at(template, &["Globals", "Function", "PermissionsBoundary"])
            .and_then(intrinsic)
            .map(|(f, _)| f),
        Some("Fn::If".to_owned())
    );
    assert_eq!(
        at(
            template,
            &["Parameters", "PermissionsBoundaryArn", "Default"]
        )
        .and_then(string),
        Some("")
    );
}
