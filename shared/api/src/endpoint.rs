//! What an endpoint crate exports: its routes, its router and what its Lambda needs, as one
//! [`Endpoint`] value. The local server, the Lambda entry point and every check of
//! `template.yaml` and `events/` derive from the table of these values (`ezshare::ENDPOINTS`),
//! so a path is written once, in the [`Route`] constant that serves it.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};

use crate::AppState;

/// One route: a method and a path in the syntax axum and API Gateway share
/// (`/client/files/{ops_username}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
}

/// The methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Self::Get => MethodFilter::GET,
            Self::Post => MethodFilter::POST,
            Self::Put => MethodFilter::PUT,
            Self::Patch => MethodFilter::PATCH,
            Self::Delete => MethodFilter::DELETE,
        }
    }
}

impl Route {
    pub const fn get(path: &'static str) -> Self {
        Self {
            method: Method::Get,
            path,
        }
    }

    pub const fn post(path: &'static str) -> Self {
        Self {
            method: Method::Post,
            path,
        }
    }

    pub const fn put(path: &'static str) -> Self {
        Self {
            method: Method::Put,
            path,
        }
    }

    pub const fn patch(path: &'static str) -> Self {
        Self {
            method: Method::Patch,
            path,
        }
    }

    pub const fn delete(path: &'static str) -> Self {
        Self {
            method: Method::Delete,
            path,
        }
    }

    /// API Gateway's route key: `POST /ops/signup`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method.as_str(), self.path)
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}

/// Serving a [`Route`] with a handler, so neither its method nor its path is written again.
pub trait RouterExt<S> {
    fn serve<H, T>(self, route: Route, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static;
}

impl<S: Clone + Send + Sync + 'static> RouterExt<S> for Router<S> {
    fn serve<H, T>(self, route: Route, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        // A second method on a path already routed is merged into its method router.
        self.route(route.path, on(route.method.filter(), handler))
    }
}

/// Which secrets an endpoint's Lambda reads at cold start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// Issues or verifies tokens: the JWT secret is read once per cold start.
    JwtSecret,
    /// Never touches tokens (signup): no secret is read, and its role may not read it.
    None,
}

/// An endpoint crate, as the rest of the system sees it.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    /// The function's name: its Lambda binary, its folder under `functions/`, its event
    /// fixture `events/<name>.json` and the template's `BuildProperties.Binary`.
    pub name: &'static str,
    /// The Cargo package that builds it (`env!("CARGO_PKG_NAME")`).
    pub package: &'static str,
    pub routes: &'static [Route],
    /// Its routes, served.
    pub router: fn() -> Router<AppState>,
    pub secrets: Secrets,
}

impl Endpoint {
    pub fn router(&self) -> Router<AppState> {
        (self.router)()
    }
}
