//! `template.yaml` (the SAM template) agrees with the code that it deploys.
//!
//! Always checked: every route of [`ezshare::ROUTES`] is an HTTP API event of exactly one
//! function and the other way round; each function builds the `[[bin]]` of the crate that
//! owns its routes; behaviour settings default to the code's defaults; IAM is explicit,
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

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use ezshare_api::Route;
use serde_norway::{Mapping, Value};

const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const CFN_LINT_ENV: &str = "EZSHARE_CFN_LINT";

/// The endpoint crates and the routes each owns. Checked against `ezshare::ROUTES`, so a new
/// endpoint crate must be added here (and to the template).
const OWNERS: &[(&str, &[Route])] = &[
    ("ezshare-signup", ezshare_signup::ROUTES),
    ("ezshare-login", ezshare_login::ROUTES),
    ("ezshare-logout", ezshare_logout::ROUTES),
    ("ezshare-upload", ezshare_upload::ROUTES),
    ("ezshare-list-files", ezshare_list_files::ROUTES),
    ("ezshare-download", ezshare_download::ROUTES),
    ("ezshare-ops-files", ezshare_ops_files::ROUTES),
    ("ezshare-delete-file", ezshare_delete_file::ROUTES),
    ("ezshare-create-upload", ezshare_create_upload::ROUTES),
    ("ezshare-complete-upload", ezshare_complete_upload::ROUTES),
];

// What a policy may name, as `describe_resource` renders it.
const USERS: &str = "users table";
const SESSIONS: &str = "sessions table";
const SECRET: &str = "jwt secret";
const BUCKET: &str = "bucket";
const FILE_OBJECTS: &str = "bucket/files/*";
const STAGED_OBJECTS: &str = "bucket/staging/*";

/// Least privilege, per binary: (action, resource[, condition]) as `grants` renders them.
/// Exactly what each endpoint's code calls (see shared/store/src/aws/*.rs):
const EXPECTED_GRANTS: &[(&str, &[(&str, &str)])] = &[
    // create_user: PutItem with a condition; no reads.
    ("signup", &[("dynamodb:PutItem", USERS)]),
    // find_user, then start_session (signs with the secret, writes the session).
    (
        "login",
        &[
            ("dynamodb:GetItem", USERS),
            ("dynamodb:PutItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
        ],
    ),
    // authenticate (find_session), then end_session.
    (
        "logout",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("dynamodb:DeleteItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
        ],
    ),
    // authenticate, then put_file (PutObject, If-None-Match: * unless overwriting).
    (
        "upload",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:PutObject", FILE_OBJECTS),
        ],
    ),
    // authenticate, existing_ops_user, list_files (ListObjectsV2 under files/{owner}/).
    (
        "list-files",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:GetItem", USERS),
            ("s3:ListBucket", "bucket if StringLike s3:prefix=files/*"),
        ],
    ),
    // authenticate, existing_ops_user, head_file (HeadObject: 404 for a missing key needs
    // s3:ListBucket, else S3 says 403), presign_download (GetObject).
    (
        "download",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:GetItem", USERS),
            ("s3:GetObject", FILE_OBJECTS),
            ("s3:ListBucket", BUCKET),
        ],
    ),
    // authenticate, list_files under files/{caller}/.
    (
        "ops-files",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:ListBucket", "bucket if StringLike s3:prefix=files/*"),
        ],
    ),
    // authenticate, delete_file: HeadObject (404 needs s3:ListBucket), then DeleteObject.
    (
        "delete-file",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:GetObject", FILE_OBJECTS),
            ("s3:DeleteObject", FILE_OBJECTS),
            ("s3:ListBucket", BUCKET),
        ],
    ),
    // authenticate, presign_upload: signs a PutObject URL (no call), which carries this right.
    (
        "create-upload",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:PutObject", STAGED_OBJECTS),
        ],
    ),
    // authenticate, find_staged (HeadObject; 404 needs s3:ListBucket), read_staged (ranged
    // GetObject), promote_staged (CreateMultipartUpload, UploadPartCopy from staging,
    // CompleteMultipartUpload: s3:PutObject; AbortMultipartUpload on failure), discard_staged
    // (DeleteObject).
    (
        "complete-upload",
        &[
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:GetObject", STAGED_OBJECTS),
            ("s3:DeleteObject", STAGED_OBJECTS),
            ("s3:PutObject", FILE_OBJECTS),
            ("s3:AbortMultipartUpload", FILE_OBJECTS),
            ("s3:ListBucket", BUCKET),
        ],
    ),
];

// ------------------------------------------------------------------------------------------
// The template, and helpers to read it
// ------------------------------------------------------------------------------------------

fn template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = Path::new(WORKSPACE).join("template.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
    })
}

/// `v[k1][k2]...`, looking through nothing but mappings.
fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.as_mapping()?.get(*k))
}

fn string(v: &Value) -> Option<&str> {
    v.as_str()
}

fn resources() -> &'static Mapping {
    at(template(), &["Resources"])
        .and_then(Value::as_mapping)
        .expect("template has Resources")
}

fn resource(id: &str) -> &'static Value {
    resources()
        .get(id)
        .unwrap_or_else(|| panic!("no resource {id}"))
}

fn type_of(id: &str) -> &'static str {
    at(resource(id), &["Type"])
        .and_then(string)
        .unwrap_or_else(|| panic!("resource {id} has no Type"))
}

fn of_type(ty: &str) -> Vec<(&'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, r)| at(r, &["Type"]).and_then(string) == Some(ty))
        .map(|(id, r)| (id.as_str().expect("string logical id"), r))
        .collect()
}

fn parameter_default(name: &str) -> &'static Value {
    at(template(), &["Parameters", name, "Default"])
        .unwrap_or_else(|| panic!("parameter {name} has no Default"))
}

/// An intrinsic function call: (`Ref` | `Fn::GetAtt` | `Fn::Sub` | ..., argument), from the
/// short tag form or the one-key long form.
fn intrinsic(v: &Value) -> Option<(String, &Value)> {
    match v {
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            let name = tag.trim_start_matches('!');
            let name = if name == "Ref" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            Some((name, &t.value))
        }
        Value::Mapping(m) if m.len() == 1 => {
            let (k, arg) = m.iter().next()?;
            let k = k.as_str()?;
            (k == "Ref" || k.starts_with("Fn::")).then(|| (k.to_owned(), arg))
        }
        _ => None,
    }
}

/// `X` of `!Ref X`.
fn ref_target(v: &Value) -> Option<&str> {
    match intrinsic(v)? {
        (f, arg) if f == "Ref" => arg.as_str(),
        _ => None,
    }
}

/// `(X, Attr)` of `!GetAtt X.Attr` or `!GetAtt [X, Attr]`.
fn getatt_target(v: &Value) -> Option<(String, String)> {
    let (f, arg) = intrinsic(v)?;
    if f != "Fn::GetAtt" {
        return None;
    }
    match arg {
        Value::String(s) => {
            let (res, attr) = s.split_once('.')?;
            Some((res.to_owned(), attr.to_owned()))
        }
        Value::Sequence(parts) if parts.len() == 2 => {
            Some((parts[0].as_str()?.to_owned(), parts[1].as_str()?.to_owned()))
        }
        _ => None,
    }
}

/// The template string of `!Sub "..."`.
fn sub_string(v: &Value) -> Option<&str> {
    match intrinsic(v)? {
        (f, Value::String(s)) if f == "Fn::Sub" => Some(s),
        _ => None,
    }
}

fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

// ------------------------------------------------------------------------------------------
// Functions
// ------------------------------------------------------------------------------------------

struct Function {
    id: &'static str,
    resource: &'static Value,
}

impl Function {
    fn all() -> Vec<Function> {
        let functions: Vec<_> = of_type("AWS::Serverless::Function")
            .into_iter()
            .map(|(id, resource)| Function { id, resource })
            .collect();
        assert!(!functions.is_empty(), "the template has no functions");
        functions
    }

    /// A property, from the function or else from `Globals.Function`.
    fn property(&self, key: &str) -> Option<&'static Value> {
        at(self.resource, &["Properties", key])
            .or_else(|| at(template(), &["Globals", "Function", key]))
    }

    fn binary(&self) -> &'static str {
        at(self.resource, &["Metadata", "BuildProperties", "Binary"])
            .and_then(string)
            .unwrap_or_else(|| panic!("{} has no Metadata.BuildProperties.Binary", self.id))
    }

    /// `Globals.Function.Environment.Variables` merged with the function's (as SAM does).
    fn environment(&self) -> BTreeMap<String, &'static Value> {
        let mut vars = BTreeMap::new();
        for source in [
            at(
                template(),
                &["Globals", "Function", "Environment", "Variables"],
            ),
            at(self.resource, &["Properties", "Environment", "Variables"]),
        ]
        .into_iter()
        .flatten()
        {
            for (k, v) in source.as_mapping().expect("Variables is a mapping") {
                vars.insert(k.as_str().expect("variable name").to_owned(), v);
            }
        }
        vars
    }

    /// Its HttpApi events as (METHOD, path), checking each event's API and payload format.
    fn routes(&self) -> Vec<(String, String)> {
        let Some(events) = at(self.resource, &["Properties", "Events"]) else {
            return vec![];
        };
        let mut routes = vec![];
        for (name, event) in events.as_mapping().expect("Events is a mapping") {
            let name = name.as_str().unwrap_or("?");
            let kind = at(event, &["Type"]).and_then(string);
            assert_eq!(
                kind,
                Some("HttpApi"),
                "{}.{name}: every event is an HttpApi event",
                self.id
            );
            let props = at(event, &["Properties"]).expect("event Properties");
            let api = at(props, &["ApiId"]).and_then(ref_target);
            assert!(
                api.is_some_and(|api| type_of(api) == "AWS::Serverless::HttpApi"),
                "{}.{name}: ApiId must !Ref the template's AWS::Serverless::HttpApi",
                self.id
            );
            assert_eq!(
                at(props, &["PayloadFormatVersion"]).and_then(string),
                Some("2.0"),
                "{}.{name}: PayloadFormatVersion \"2.0\" (what lambda_http's apigw_http reads)",
                self.id
            );
            let method = at(props, &["Method"]).and_then(string).expect("Method");
            let path = at(props, &["Path"]).and_then(string).expect("Path");
            routes.push((method.to_ascii_uppercase(), path.to_owned()));
        }
        routes
    }

    /// Its `Policies`, which must all be inline `- Statement:` documents.
    fn statements(&self) -> Vec<&'static Value> {
        let Some(policies) = at(self.resource, &["Properties", "Policies"]) else {
            return vec![];
        };
        let mut statements = vec![];
        for policy in list(policies) {
            let doc = policy.as_mapping().unwrap_or_else(|| {
                panic!(
                    "{}: policy {policy:?} is a managed policy name; write a Statement",
                    self.id
                )
            });
            for key in doc.keys() {
                assert!(
                    matches!(key.as_str(), Some("Statement" | "Version")),
                    "{}: policy key {key:?}: SAM policy templates grant more than the code \
                     needs; write explicit `- Statement:` blocks",
                    self.id
                );
            }
            statements.extend(list(doc.get("Statement").expect("Statement")));
        }
        statements
    }

    /// What it is granted, as (action, resource[ if condition]).
    fn grants(&self, names: &DataNames) -> BTreeSet<(String, String)> {
        let mut grants = BTreeSet::new();
        for statement in self.statements() {
            assert_eq!(
                at(statement, &["Effect"]).and_then(string),
                Some("Allow"),
                "{}: function policies only allow",
                self.id
            );
            assert!(
                at(statement, &["NotAction"]).is_none()
                    && at(statement, &["NotResource"]).is_none(),
                "{}: no NotAction/NotResource",
                self.id
            );
            let condition = at(statement, &["Condition"]).map(describe_condition);
            let actions = list(at(statement, &["Action"]).expect("Action"));
            let targets = list(at(statement, &["Resource"]).expect("Resource"));
            for action in &actions {
                let action = action.as_str().expect("an action is a string");
                for target in &targets {
                    let mut target = describe_resource(target, names);
                    if let Some(c) = &condition {
                        target = format!("{target} if {c}");
                    }
                    grants.insert((action.to_owned(), target));
                }
            }
        }
        grants
    }

    /// The crate's `main.rs` says `Needs::NoTokens`: it neither issues nor verifies tokens.
    fn needs_no_tokens(&self, metadata: &Metadata) -> bool {
        let main = metadata.bin_source(self.binary());
        std::fs::read_to_string(&main)
            .unwrap_or_else(|e| panic!("read {}: {e}", main.display()))
            .contains("Needs::NoTokens")
    }
}

/// The logical ids the functions' environment points at.
struct DataNames {
    users_table: String,
    sessions_table: String,
    bucket: String,
    secret: String,
}

impl DataNames {
    /// From `USERS_TABLE: !Ref X` etc. (the Globals, or any function that sets them).
    fn from_template() -> Self {
        let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for f in Function::all() {
            for (k, v) in f.environment() {
                if let Some(target) = ref_target(v) {
                    found.entry(k).or_default().insert(target.to_owned());
                }
            }
        }
        let one = |var: &str, ty: &str| -> String {
            let targets = found
                .get(var)
                .unwrap_or_else(|| panic!("no function sets {var} to a !Ref"));
            assert_eq!(
                targets.len(),
                1,
                "{var} names one resource for all: {targets:?}"
            );
            let target = targets.iter().next().unwrap().clone();
            assert_eq!(type_of(&target), ty, "{var} refers to {target}");
            target
        };
        DataNames {
            users_table: one("USERS_TABLE", "AWS::DynamoDB::Table"),
            sessions_table: one("SESSIONS_TABLE", "AWS::DynamoDB::Table"),
            bucket: one("FILES_BUCKET", "AWS::S3::Bucket"),
            secret: one("JWT_SECRET_ARN", "AWS::SecretsManager::Secret"),
        }
    }
}

/// A policy Resource in the terms of [`EXPECTED_GRANTS`]; panics on anything else (a `*`,
/// a literal ARN, another resource).
fn describe_resource(v: &Value, names: &DataNames) -> String {
    if let Some((res, attr)) = getatt_target(v) {
        assert_eq!(attr, "Arn", "only !GetAtt X.Arn in policies");
        if res == names.users_table {
            return USERS.into();
        }
        if res == names.sessions_table {
            return SESSIONS.into();
        }
        if res == names.bucket {
            return BUCKET.into();
        }
    }
    if ref_target(v) == Some(names.secret.as_str()) {
        return SECRET.into();
    }
    if let Some(sub) = sub_string(v) {
        let bucket_arn = format!("${{{}.Arn}}", names.bucket);
        if let Some(rest) = sub.strip_prefix(&bucket_arn) {
            assert!(!rest.contains("${"), "one substitution only: {sub}");
            return format!("{BUCKET}{rest}");
        }
    }
    panic!("policy resource {v:?} is not one of the stack's tables, bucket or secret")
}

/// `StringLike s3:prefix=files/*` (operators and keys sorted).
fn describe_condition(v: &Value) -> String {
    let mut parts = vec![];
    for (op, tests) in v.as_mapping().expect("Condition is a mapping") {
        for (key, values) in tests.as_mapping().expect("condition tests") {
            let values: Vec<&str> = list(values)
                .into_iter()
                .map(|v| v.as_str().expect("condition value"))
                .collect();
            parts.push(format!(
                "{} {}={}",
                op.as_str().unwrap(),
                key.as_str().unwrap(),
                values.join("|")
            ));
        }
    }
    parts.sort();
    parts.join(" and ")
}

// ------------------------------------------------------------------------------------------
// The workspace, from `cargo metadata`
// ------------------------------------------------------------------------------------------

struct Metadata {
    json: serde_json::Value,
}

impl Metadata {
    fn load() -> &'static Metadata {
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

    fn packages(&self) -> &Vec<serde_json::Value> {
        self.json["packages"].as_array().expect("packages")
    }

    fn bins(package: &serde_json::Value) -> Vec<&serde_json::Value> {
        package["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
            .collect()
    }

    /// The package with a `[[bin]]` of this name: exactly one.
    fn owner_of_bin(&self, bin: &str) -> &serde_json::Value {
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

    fn bin_source(&self, bin: &str) -> PathBuf {
        let package = self.owner_of_bin(bin);
        let target = Self::bins(package)
            .into_iter()
            .find(|t| t["name"] == bin)
            .unwrap();
        PathBuf::from(target["src_path"].as_str().unwrap())
    }
}

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

fn route_set(routes: &[Route]) -> BTreeSet<(String, String)> {
    routes
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect()
}

#[test]
fn every_route_is_an_http_api_event_of_exactly_one_function_and_vice_versa() {
    let code: Vec<(String, String)> = ezshare::ROUTES
        .iter()
        .flat_map(|group| group.iter())
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let code_set: BTreeSet<_> = code.iter().cloned().collect();
    assert_eq!(code.len(), code_set.len(), "ezshare::ROUTES has duplicates");

    let mut served: BTreeMap<(String, String), Vec<&str>> = BTreeMap::new();
    for f in Function::all() {
        for route in f.routes() {
            served.entry(route).or_default().push(f.id);
        }
    }
    for (route, functions) in &served {
        assert_eq!(functions.len(), 1, "{route:?} is served by {functions:?}");
    }
    let template_set: BTreeSet<_> = served.keys().cloned().collect();
    assert_eq!(
        template_set.difference(&code_set).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes in template.yaml that no endpoint crate declares"
    );
    assert_eq!(
        code_set.difference(&template_set).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes of ezshare::ROUTES missing from template.yaml"
    );
}

#[test]
fn each_function_builds_the_binary_of_the_crate_that_owns_its_routes() {
    // OWNERS lists every endpoint crate: together they declare exactly ezshare::ROUTES.
    let owned: BTreeSet<_> = OWNERS.iter().flat_map(|(_, r)| route_set(r)).collect();
    let code: BTreeSet<_> = ezshare::ROUTES.iter().flat_map(|r| route_set(r)).collect();
    assert_eq!(
        owned, code,
        "OWNERS in this test is out of date with ezshare::ROUTES"
    );

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
        let (_, routes) = OWNERS
            .iter()
            .find(|(crate_name, _)| *crate_name == name)
            .unwrap_or_else(|| {
                panic!(
                    "{}: binary {binary} is from {name}, not an endpoint crate",
                    f.id
                )
            });
        let served: BTreeSet<_> = f.routes().into_iter().collect();
        assert_eq!(
            served,
            route_set(routes),
            "{} serves exactly the routes of {name}, whose binary it runs",
            f.id
        );
        assert!(built.insert(name), "two functions build {name}");
    }
    let all: BTreeSet<&str> = OWNERS.iter().map(|(n, _)| *n).collect();
    assert_eq!(built, all, "every endpoint crate is deployed as a function");
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

/// The behaviour variables `Settings::from_lookup` reads, found by asking it.
fn settings_variables() -> BTreeSet<String> {
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

#[test]
fn iam_is_explicit_least_privilege_and_never_a_wildcard() {
    let names = DataNames::from_template();
    let expected: BTreeMap<&str, BTreeSet<(String, String)>> = EXPECTED_GRANTS
        .iter()
        .map(|(bin, grants)| {
            let set = grants
                .iter()
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .collect();
            (*bin, set)
        })
        .collect();
    let mut seen = BTreeSet::new();
    for f in Function::all() {
        let binary = f.binary();
        let want = expected
            .get(binary)
            .unwrap_or_else(|| panic!("{}: add {binary} to EXPECTED_GRANTS", f.id));
        assert_eq!(&f.grants(&names), want, "{} ({binary}) grants", f.id);
        seen.insert(binary);
    }
    assert_eq!(
        seen,
        expected.keys().copied().collect::<BTreeSet<_>>(),
        "EXPECTED_GRANTS names a function the template lacks"
    );
    assert_no_wildcard_allows(template(), "template");
}

/// No Allow statement anywhere in the template grants `*` or `service:Prefix*`.
fn assert_no_wildcard_allows(v: &Value, path: &str) {
    match v {
        Value::Mapping(m) => {
            let effect = m.get("Effect").and_then(Value::as_str);
            if let (Some("Allow"), Some(actions)) = (effect, m.get("Action")) {
                for action in list(actions) {
                    let a = action
                        .as_str()
                        .unwrap_or_else(|| panic!("{path}: action {action:?}"));
                    assert!(
                        a != "*" && !a.ends_with('*'),
                        "{path}: Allow of wildcard action {a}"
                    );
                }
                if let Some(resources) = m.get("Resource") {
                    for r in list(resources) {
                        assert_ne!(r.as_str(), Some("*"), "{path}: Allow on Resource *");
                    }
                }
                assert!(m.get("NotAction").is_none(), "{path}: Allow with NotAction");
            }
            for (k, child) in m {
                assert_no_wildcard_allows(child, &format!("{path}.{}", k.as_str().unwrap_or("?")));
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                assert_no_wildcard_allows(child, &format!("{path}[{i}]"));
            }
        }
        Value::Tagged(t) => assert_no_wildcard_allows(&t.value, path),
        _ => {}
    }
}

#[test]
fn only_functions_that_handle_tokens_get_the_secret_arn_and_never_the_secret() {
    let metadata = Metadata::load();
    let names = DataNames::from_template();
    let mut no_tokens = vec![];
    for f in Function::all() {
        let env = f.environment();
        assert!(
            !env.contains_key("JWT_SECRET"),
            "{}: JWT_SECRET (the key itself) is for local runs only",
            f.id
        );
        let reads_secret = f
            .grants(&names)
            .iter()
            .any(|(a, r)| a == "secretsmanager:GetSecretValue" && r == SECRET);
        if f.needs_no_tokens(metadata) {
            no_tokens.push(f.binary());
            assert!(
                !env.contains_key("JWT_SECRET_ARN"),
                "{}: no JWT_SECRET_ARN",
                f.id
            );
            assert!(!reads_secret, "{}: may not read the secret", f.id);
        } else {
            let arn = env
                .get("JWT_SECRET_ARN")
                .unwrap_or_else(|| panic!("{}: JWT_SECRET_ARN is required", f.id));
            assert_eq!(ref_target(arn), Some(names.secret.as_str()), "{}", f.id);
            assert!(reads_secret, "{}: must be allowed to read the secret", f.id);
        }
    }
    assert_eq!(
        no_tokens,
        ["signup"],
        "signup alone runs with Needs::NoTokens"
    );

    // Generated by CloudFormation, long enough for the code.
    let secret = resource(&names.secret);
    assert!(
        at(secret, &["Properties", "SecretString"]).is_none(),
        "no literal secret"
    );
    let length = at(
        secret,
        &["Properties", "GenerateSecretString", "PasswordLength"],
    )
    .and_then(Value::as_u64)
    .expect("GenerateSecretString.PasswordLength");
    assert!(length as usize >= ezshare_auth::JwtSecret::MIN_BYTES);
}

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

// ------------------------------------------------------------------------------------------
// With the AWS adapter: the wiring's variables, the store's schema, the bootstrap
// ------------------------------------------------------------------------------------------

#[cfg(feature = "aws")]
mod aws {
    use super::*;
    use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType};
    use ezshare_store::aws::schema::{bucket, sessions, users};
    use ezshare_store::aws::{AwsNames, bootstrap};

    /// (attribute, key type) in template order.
    fn key_schema(table: &str) -> Vec<(String, String)> {
        list(at(resource(table), &["Properties", "KeySchema"]).expect("KeySchema"))
            .into_iter()
            .map(|k| {
                (
                    at(k, &["AttributeName"])
                        .and_then(string)
                        .unwrap()
                        .to_owned(),
                    at(k, &["KeyType"]).and_then(string).unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn attribute_definitions(table: &str) -> BTreeSet<(String, String)> {
        list(
            at(resource(table), &["Properties", "AttributeDefinitions"])
                .expect("AttributeDefinitions"),
        )
        .into_iter()
        .map(|d| {
            (
                at(d, &["AttributeName"])
                    .and_then(string)
                    .unwrap()
                    .to_owned(),
                at(d, &["AttributeType"])
                    .and_then(string)
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
    }

    /// The TTL attribute, if TTL is enabled.
    fn ttl_attribute(table: &str) -> Option<String> {
        let spec = at(resource(table), &["Properties", "TimeToLiveSpecification"])?;
        (at(spec, &["Enabled"]).and_then(Value::as_bool) == Some(true)).then(|| {
            at(spec, &["AttributeName"])
                .and_then(string)
                .unwrap()
                .to_owned()
        })
    }

    fn pair(a: &str, b: &str) -> (String, String) {
        (a.to_owned(), b.to_owned())
    }

    #[test]
    fn every_variable_the_wiring_reads_is_set_and_no_other() {
        let metadata = Metadata::load();
        let settings = settings_variables();
        for f in Function::all() {
            let env = f.environment();
            let no_tokens = f.needs_no_tokens(metadata);
            for var in ezshare_lambda::VARIABLES {
                let wanted = match *var {
                    // The key itself: local runs only.
                    "JWT_SECRET" => false,
                    "JWT_SECRET_ARN" => !no_tokens,
                    _ => true,
                };
                assert_eq!(
                    env.contains_key(*var),
                    wanted,
                    "{}: {var} should {}be set",
                    f.id,
                    if wanted { "" } else { "not " }
                );
            }
            // VARIABLES lists the settings too, but the probe catches one it misses.
            for var in env.keys() {
                assert!(
                    ezshare_lambda::VARIABLES.contains(&var.as_str())
                        || settings.contains(var)
                        || var == "RUST_LOG",
                    "{}: {var} is not read by the code (a typo?)",
                    f.id
                );
            }
        }
    }

    #[test]
    fn tables_match_the_store_schema() {
        let names = DataNames::from_template();
        assert_eq!(
            key_schema(&names.users_table),
            [
                pair(users::PARTITION_KEY, "HASH"),
                pair(users::SORT_KEY, "RANGE")
            ]
        );
        assert_eq!(
            attribute_definitions(&names.users_table),
            BTreeSet::from([pair(users::PARTITION_KEY, "S"), pair(users::SORT_KEY, "S")])
        );
        assert_eq!(ttl_attribute(&names.users_table), None);
        assert_eq!(
            key_schema(&names.sessions_table),
            [pair(sessions::PARTITION_KEY, "HASH")]
        );
        assert_eq!(
            attribute_definitions(&names.sessions_table),
            BTreeSet::from([pair(sessions::PARTITION_KEY, "S")])
        );
        assert_eq!(
            ttl_attribute(&names.sessions_table).as_deref(),
            Some(sessions::TTL_ATTRIBUTE)
        );
        for table in [&names.users_table, &names.sessions_table] {
            let p = at(resource(table), &["Properties"]).unwrap();
            assert_eq!(
                at(p, &["BillingMode"]).and_then(string),
                Some("PAY_PER_REQUEST")
            );
            assert_eq!(
                at(
                    p,
                    &[
                        "PointInTimeRecoverySpecification",
                        "PointInTimeRecoveryEnabled"
                    ]
                )
                .and_then(Value::as_bool),
                Some(true),
                "{table}: point-in-time recovery"
            );
        }
    }

    #[test]
    fn bucket_layout_matches_the_store() {
        // Object grants are exactly under files/ (FILE_OBJECTS and the list condition above
        // spell it out; this ties them to the store's constant).
        assert_eq!(FILE_OBJECTS, format!("{BUCKET}/{}*", bucket::FILES_PREFIX));
        assert_eq!(
            STAGED_OBJECTS,
            format!("{BUCKET}/{}*", bucket::STAGING_PREFIX)
        );
        let names = DataNames::from_template();
        let p = at(resource(&names.bucket), &["Properties"]).unwrap();
        let rules: Vec<&Value> =
            list(at(p, &["LifecycleConfiguration", "Rules"]).expect("lifecycle rules"))
                .into_iter()
                .filter(|r| at(r, &["Status"]).and_then(string) == Some("Enabled"))
                .collect();
        assert!(
            rules.iter().any(|r| {
                at(r, &["Prefix"]).and_then(string) == Some(bucket::STAGING_PREFIX)
                    && at(r, &["ExpirationInDays"]).and_then(Value::as_u64) == Some(1)
            }),
            "objects under {} expire after a day",
            bucket::STAGING_PREFIX
        );
        assert!(
            rules.iter().any(|r| {
                at(r, &["Prefix"]).is_none()
                    && at(
                        r,
                        &["AbortIncompleteMultipartUpload", "DaysAfterInitiation"],
                    )
                    .is_some()
            }),
            "incomplete multipart uploads are aborted, bucket-wide"
        );
        for flag in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(
                at(p, &["PublicAccessBlockConfiguration", flag]).and_then(Value::as_bool),
                Some(true),
                "{flag}"
            );
        }
        assert!(at(p, &["BucketEncryption"]).is_some(), "default encryption");
        let denies_plain_http = of_type("AWS::S3::BucketPolicy").iter().any(|(_, policy)| {
            let props = at(policy, &["Properties"]).unwrap();
            at(props, &["Bucket"]).and_then(ref_target) == Some(names.bucket.as_str())
                && list(at(props, &["PolicyDocument", "Statement"]).unwrap())
                    .iter()
                    .any(|s| {
                        at(s, &["Effect"]).and_then(string) == Some("Deny")
                            && at(s, &["Condition", "Bool", "aws:SecureTransport"]).and_then(string)
                                == Some("false")
                    })
        });
        assert!(
            denies_plain_http,
            "the bucket policy denies non-TLS requests"
        );
    }

    /// `ezshare bootstrap` (used by tests, the CLI and local stacks) creates what the
    /// template creates: run it on moto and compare the real tables with the template's.
    #[tokio::test]
    async fn bootstrap_creates_the_templates_tables() {
        use ezshare_emulator::{sdk_config, shared_moto, unique_name};
        let config = sdk_config(&shared_moto().endpoint()).await;
        let aws = AwsNames {
            users_table: unique_name("tpl-users"),
            sessions_table: unique_name("tpl-sessions"),
            bucket: unique_name("tpl-files"),
        };
        bootstrap(&config, &aws).await.expect("bootstrap on moto");
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let names = DataNames::from_template();
        for (real, logical) in [
            (&aws.users_table, &names.users_table),
            (&aws.sessions_table, &names.sessions_table),
        ] {
            let table = dynamodb
                .describe_table()
                .table_name(real)
                .send()
                .await
                .unwrap()
                .table
                .unwrap();
            let keys: Vec<(String, String)> = table
                .key_schema()
                .iter()
                .map(|k| {
                    let kind = match k.key_type() {
                        KeyType::Hash => "HASH",
                        KeyType::Range => "RANGE",
                        other => panic!("key type {other:?}"),
                    };
                    pair(k.attribute_name(), kind)
                })
                .collect();
            assert_eq!(
                keys,
                key_schema(logical),
                "bootstrap's {real} vs template's {logical}"
            );
            let attributes: BTreeSet<(String, String)> = table
                .attribute_definitions()
                .iter()
                .map(|d| {
                    let kind = match d.attribute_type() {
                        ScalarAttributeType::S => "S",
                        ScalarAttributeType::N => "N",
                        ScalarAttributeType::B => "B",
                        other => panic!("attribute type {other:?}"),
                    };
                    pair(d.attribute_name(), kind)
                })
                .collect();
            assert_eq!(
                attributes,
                attribute_definitions(logical),
                "{real} attributes"
            );
            let billing = table
                .billing_mode_summary()
                .and_then(|b| b.billing_mode())
                .map(|m| m.as_str().to_owned());
            assert_eq!(
                billing.as_deref(),
                at(resource(logical), &["Properties", "BillingMode"]).and_then(string),
                "{real} billing mode"
            );
            let ttl = dynamodb
                .describe_time_to_live()
                .table_name(real)
                .send()
                .await
                .unwrap()
                .time_to_live_description
                .filter(|d| {
                    d.time_to_live_status()
                        .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"))
                })
                .and_then(|d| d.attribute_name().map(str::to_owned));
            assert_eq!(ttl, ttl_attribute(logical), "{real} TTL");
        }
    }
}
