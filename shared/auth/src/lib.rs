//! ezshare's auth crate.
//!
//! - [`password`]: argon2id hashing at no less than the OWASP minimum, off the async executor,
//!   through a bounded number of slots with reused memory (503 `busy` past a 2 s wait), with a
//!   dummy verification for unknown users so timing does not reveal which names exist.
//! - [`token`]: HS256 JWTs with every claim required and the algorithm pinned.
//! - [`Authenticator`]: login (session + token), bearer verification against the server-side
//!   session (one consistent read), logout.
//! - [`extract`]: axum extractors for an authenticated OPS, CLIENT or any caller.

mod authenticator;
mod error;
pub mod extract;
pub mod password;
pub mod token;

pub use authenticator::{Authenticator, Caller, IssuedToken};
pub use error::{AuthError, Unauthenticated};
pub use token::{JwtSecret, TokenSettings};
