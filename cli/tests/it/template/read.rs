//! Reading `template.yaml`: the document, CloudFormation's intrinsics, its functions (their
//! routes, environment and grants) and the data resources they name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use serde_norway::{Mapping, Value};

pub(crate) const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

// What a policy may name, as `describe_resource` renders it.
pub(crate) const USERS: &str = "users table";
pub(crate) const SESSIONS: &str = "sessions table";
pub(crate) const INVITES: &str = "invites table";
pub(crate) const FILES: &str = "files table";
pub(crate) const FILES_BY_VISIBILITY: &str = "files table index by-visibility";
pub(crate) const SHARES: &str = "shares table";
pub(crate) const ACTIVITY: &str = "activity table";
pub(crate) const ATTEMPTS: &str = "attempts table";
pub(crate) const TOKENS: &str = "tokens table";
pub(crate) const SES_IDENTITY: &str = "the SES identity";
pub(crate) const SHARES_BY_CLIENT: &str = "shares table index by-client";
pub(crate) const SESSIONS_BY_USER: &str = "sessions table index by-user";
pub(crate) const SECRET: &str = "jwt secret";
pub(crate) const BUCKET: &str = "bucket";
pub(crate) const FILE_OBJECTS: &str = "bucket/files/*";
pub(crate) const STAGED_OBJECTS: &str = "bucket/staging/*";
pub(crate) const MULTIPART_OBJECTS: &str = "bucket/files/*/m-*";
pub(crate) const MULTIPART_INTENTS: &str = "bucket/multipart/*";
pub(crate) const KMS_KEY: &str = "the KmsKeyArn key";

// ------------------------------------------------------------------------------------------
// The template, and helpers to read it
// ------------------------------------------------------------------------------------------

pub(crate) fn template() -> &'static Value {
    static TEMPLATE: OnceLock<Value> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let path = Path::new(WORKSPACE).join("template.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        serde_norway::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
    })
}

/// `v[k1][k2]...`, looking through nothing but mappings.
pub(crate) fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.as_mapping()?.get(*k))
}

pub(crate) fn string(v: &Value) -> Option<&str> {
    v.as_str()
}

pub(crate) fn resources() -> &'static Mapping {
    at(template(), &["Resources"])
        .and_then(Value::as_mapping)
        .expect("template has Resources")
}

pub(crate) fn resource(id: &str) -> &'static Value {
    resources()
        .get(id)
        .unwrap_or_else(|| panic!("no resource {id}"))
}

pub(crate) fn type_of(id: &str) -> &'static str {
    at(resource(id), &["Type"])
        .and_then(string)
        .unwrap_or_else(|| panic!("resource {id} has no Type"))
}

pub(crate) fn of_type(ty: &str) -> Vec<(&'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, r)| at(r, &["Type"]).and_then(string) == Some(ty))
        .map(|(id, r)| (id.as_str().expect("string logical id"), r))
        .collect()
}

pub(crate) fn parameter_default(name: &str) -> &'static Value {
    at(template(), &["Parameters", name, "Default"])
        .unwrap_or_else(|| panic!("parameter {name} has no Default"))
}

/// An intrinsic function call: (`Ref` | `Fn::GetAtt` | `Fn::Sub` | ..., argument), from the
/// short tag form or the one-key long form.
pub(crate) fn intrinsic(v: &Value) -> Option<(String, &Value)> {
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
pub(crate) fn ref_target(v: &Value) -> Option<&str> {
    match intrinsic(v)? {
        (f, arg) if f == "Ref" => arg.as_str(),
        _ => None,
    }
}

/// `(X, Attr)` of `!GetAtt X.Attr` or `!GetAtt [X, Attr]`.
pub(crate) fn getatt_target(v: &Value) -> Option<(String, String)> {
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
pub(crate) fn sub_string(v: &Value) -> Option<&str> {
    match intrinsic(v)? {
        (f, Value::String(s)) if f == "Fn::Sub" => Some(s),
        _ => None,
    }
}

pub(crate) fn list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(items) => items.iter().collect(),
        other => vec![other],
    }
}

// ------------------------------------------------------------------------------------------
// Functions
// ------------------------------------------------------------------------------------------

pub(crate) struct Function {
    pub(crate) id: &'static str,
    pub(crate) resource: &'static Value,
}

impl Function {
    pub(crate) fn all() -> Vec<Function> {
        let functions: Vec<_> = of_type("AWS::Serverless::Function")
            .into_iter()
            .map(|(id, resource)| Function { id, resource })
            .collect();
        assert!(!functions.is_empty(), "the template has no functions");
        functions
    }

    /// A property, from the function or else from `Globals.Function`.
    pub(crate) fn property(&self, key: &str) -> Option<&'static Value> {
        at(self.resource, &["Properties", key])
            .or_else(|| at(template(), &["Globals", "Function", key]))
    }

    pub(crate) fn binary(&self) -> &'static str {
        at(self.resource, &["Metadata", "BuildProperties", "Binary"])
            .and_then(string)
            .unwrap_or_else(|| panic!("{} has no Metadata.BuildProperties.Binary", self.id))
    }

    /// `Globals.Function.Environment.Variables` merged with the function's (as SAM does).
    pub(crate) fn environment(&self) -> BTreeMap<String, &'static Value> {
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
    /// Whether one of its events is of this type (`HttpApi`, `Schedule`).
    pub(crate) fn has_event_of_type(&self, kind: &str) -> bool {
        at(self.resource, &["Properties", "Events"])
            .and_then(|e| e.as_mapping())
            .is_some_and(|events| {
                events
                    .values()
                    .any(|e| at(e, &["Type"]).and_then(string) == Some(kind))
            })
    }

    pub(crate) fn routes(&self) -> Vec<(String, String)> {
        let Some(events) = at(self.resource, &["Properties", "Events"]) else {
            return vec![];
        };
        let mut routes = vec![];
        for (name, event) in events.as_mapping().expect("Events is a mapping") {
            let name = name.as_str().unwrap_or("?");
            let kind = at(event, &["Type"]).and_then(string);
            // A scheduled job's trigger is no route.
            if kind == Some("Schedule") {
                continue;
            }
            assert_eq!(
                kind,
                Some("HttpApi"),
                "{}.{name}: every event is an HttpApi or a Schedule event",
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
    pub(crate) fn statements(&self) -> Vec<&'static Value> {
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

    /// What it is granted, as (action, resource[ if condition][ when TemplateCondition]).
    /// A statement under `!If [Cond, statement, !Ref AWS::NoValue]` exists only when the
    /// template's condition holds, which its grants say.
    pub(crate) fn grants(&self, names: &DataNames) -> BTreeSet<(String, String)> {
        let mut grants = BTreeSet::new();
        for statement in self.statements() {
            let (statement, when) = match intrinsic(statement) {
                Some((f, arg)) if f == "Fn::If" => {
                    let [cond, then, otherwise] = list(arg)[..] else {
                        panic!("{}: !If takes three arguments: {arg:?}", self.id)
                    };
                    assert_eq!(
                        ref_target(otherwise),
                        Some("AWS::NoValue"),
                        "{}: a conditional statement's else is !Ref AWS::NoValue",
                        self.id
                    );
                    (then, Some(cond.as_str().expect("a condition name")))
                }
                _ => (statement, None),
            };
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
                    if let Some(when) = when {
                        target = format!("{target} when {when}");
                    }
                    grants.insert((action.to_owned(), target));
                }
            }
        }
        grants
    }

    /// The endpoint whose binary it runs, from the endpoint table; `None` for a job.
    pub(crate) fn endpoint(&self) -> Option<&'static ezshare_api::Endpoint> {
        let binary = self.binary();
        let endpoint = ezshare::ENDPOINTS.iter().find(|e| e.name == binary);
        assert!(
            endpoint.is_some() || ezshare::JOBS.contains(&binary),
            "{}: binary {binary} is in neither ezshare::ENDPOINTS nor ezshare::JOBS",
            self.id
        );
        endpoint
    }

    /// The secrets its binary reads at cold start (a job reads none).
    pub(crate) fn secrets(&self) -> ezshare_api::Secrets {
        self.endpoint()
            .map_or(ezshare_api::Secrets::None, |e| e.secrets)
    }

    /// The Cargo package that builds its binary.
    pub(crate) fn package(&self) -> String {
        match self.endpoint() {
            Some(e) => e.package.to_owned(),
            None => format!("ezshare-{}", self.binary()),
        }
    }
}

/// The logical ids the functions' environment points at.
pub(crate) struct DataNames {
    pub(crate) users_table: String,
    pub(crate) sessions_table: String,
    pub(crate) invites_table: String,
    pub(crate) files_table: String,
    pub(crate) shares_table: String,
    pub(crate) activity_table: String,
    pub(crate) attempts_table: String,
    pub(crate) tokens_table: String,
    pub(crate) bucket: String,
    pub(crate) secret: String,
}

impl DataNames {
    /// From `USERS_TABLE: !Ref X` etc. (the Globals, or any function that sets them).
    pub(crate) fn from_template() -> Self {
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
            invites_table: one("INVITES_TABLE", "AWS::DynamoDB::Table"),
            files_table: one("FILES_TABLE", "AWS::DynamoDB::Table"),
            shares_table: one("SHARES_TABLE", "AWS::DynamoDB::Table"),
            activity_table: one("ACTIVITY_TABLE", "AWS::DynamoDB::Table"),
            attempts_table: one("ATTEMPTS_TABLE", "AWS::DynamoDB::Table"),
            tokens_table: one("TOKENS_TABLE", "AWS::DynamoDB::Table"),
            bucket: one("FILES_BUCKET", "AWS::S3::Bucket"),
            secret: one("JWT_SECRET_ARN", "AWS::SecretsManager::Secret"),
        }
    }
}

/// A policy Resource in the terms of [`EXPECTED_GRANTS`]; panics on anything else (a `*`,
/// a literal ARN, another resource).
pub(crate) fn describe_resource(v: &Value, names: &DataNames) -> String {
    if let Some((res, attr)) = getatt_target(v) {
        assert_eq!(attr, "Arn", "only !GetAtt X.Arn in policies");
        if res == names.users_table {
            return USERS.into();
        }
        if res == names.sessions_table {
            return SESSIONS.into();
        }
        if res == names.invites_table {
            return INVITES.into();
        }
        if res == names.files_table {
            return FILES.into();
        }
        if res == names.shares_table {
            return SHARES.into();
        }
        if res == names.activity_table {
            return ACTIVITY.into();
        }
        if res == names.attempts_table {
            return ATTEMPTS.into();
        }
        if res == names.tokens_table {
            return TOKENS.into();
        }
        if res == names.bucket {
            return BUCKET.into();
        }
    }
    if ref_target(v) == Some(names.secret.as_str()) {
        return SECRET.into();
    }
    if ref_target(v) == Some("KmsKeyArn") {
        return KMS_KEY.into();
    }
    if let Some(sub) = sub_string(v) {
        for (table, described) in [
            (&names.files_table, FILES),
            (&names.shares_table, SHARES),
            (&names.sessions_table, SESSIONS),
        ] {
            if let Some(index) = sub.strip_prefix(&format!("${{{table}.Arn}}/index/")) {
                assert!(!index.contains("${") && !index.contains('*'), "{sub}");
                return format!("{described} index {index}");
            }
        }
        // The one SES identity mail is sent with, and nothing else of SES.
        if sub
            == "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailIdentity}"
        {
            return SES_IDENTITY.into();
        }
        let bucket_arn = format!("${{{}.Arn}}", names.bucket);
        if let Some(rest) = sub.strip_prefix(&bucket_arn) {
            assert!(!rest.contains("${"), "one substitution only: {sub}");
            return format!("{BUCKET}{rest}");
        }
    }
    panic!("policy resource {v:?} is not one of the stack's tables, bucket or secret")
}

/// `StringLike s3:prefix=files/*` (operators and keys sorted).
pub(crate) fn describe_condition(v: &Value) -> String {
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
