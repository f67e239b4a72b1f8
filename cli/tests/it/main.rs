//! The `ezshare` command's integration tests, in one test binary (linked once, with the AWS
//! SDK when `--features aws`), one module per concern.

mod support;

mod client;
mod client_resume;
mod direct_upload;
mod e2e_embedded;
mod e2e_throttle;
mod lambda_events;
mod openapi;
mod pipeline;
mod readme_walkthrough;
mod registry;
mod template;

#[cfg(feature = "aws")]
mod e2e_aws;
#[cfg(feature = "aws")]
mod faults;
#[cfg(feature = "aws")]
mod lambda_invoke;
