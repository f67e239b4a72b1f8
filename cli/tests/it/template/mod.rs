//! `template.yaml` (the SAM template) agrees with the code that it deploys, one module per
//! concern; [`read`] reads the template and [`workspace`] the Cargo workspace.
//!
//! Always checked: each function builds the one `[[bin]]` of an endpoint crate (which
//! routes it serves is `registry`'s test); behaviour settings default to the code's defaults; IAM is explicit,
//! exactly the least-privilege table below, and never grants `*`; the JWT secret goes only
//! to functions that issue or verify tokens; logs, alarms and tracing are in place; and
//! `cfn-lint` reports nothing (it needs `scripts/install-tools`, or `EZSHARE_CFN_LINT`).
//!
//! With `--features aws` also: every variable the Lambda wiring reads is set for each
//! function (and nothing else), the tables' keys and TTL match `ezshare_store::aws::schema`,
//! and the tables `ezshare bootstrap` creates (run on moto) match the template's.
//!
//! CloudFormation's short tags (`!Ref X`, `!GetAtt X.Arn`, `!Sub ...`) parse as YAML tagged
//! values; the long forms (`Ref: X`, `Fn::GetAtt: ...`) are understood too.

mod bucket;
mod functions;
mod iam;
mod observability;
pub(crate) mod read;
mod settings;
pub(crate) mod workspace;

#[cfg(feature = "aws")]
mod aws;
