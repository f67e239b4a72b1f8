//! Account security routes:
//! - `POST /account/password`: change the caller's password (`current_password`,
//!   `new_password`), ending every other session of the account;
//! - `GET|POST /client/verify-email`, `POST /client/verify-email/resend`: email
//!   verification of CLIENT accounts (`EMAIL_VERIFICATION=required`);
//! - `POST /account/password-reset`, `POST /account/password-reset/confirm`: a new password
//!   through a token mailed to the account's verified address.

mod password;
mod reset;
mod verify_email;

use axum::Router;
use ezshare_api::{AppState, Endpoint, Route, RouterExt, Secrets};

const CHANGE_PASSWORD: Route = Route::post("/account/password");
const VERIFY_EMAIL_PAGE: Route = Route::get("/client/verify-email");
const VERIFY_EMAIL: Route = Route::post("/client/verify-email");
const RESEND_VERIFICATION: Route = Route::post("/client/verify-email/resend");
const RESET_PASSWORD: Route = Route::post("/account/password-reset");
const CONFIRM_RESET: Route = Route::post("/account/password-reset/confirm");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "account",
    package: env!("CARGO_PKG_NAME"),
    routes: &[
        CHANGE_PASSWORD,
        VERIFY_EMAIL_PAGE,
        VERIFY_EMAIL,
        RESEND_VERIFICATION,
        RESET_PASSWORD,
        CONFIRM_RESET,
    ],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(CHANGE_PASSWORD, password::change_password)
        .serve(VERIFY_EMAIL_PAGE, verify_email::page)
        .serve(VERIFY_EMAIL, verify_email::verify)
        .serve(RESEND_VERIFICATION, verify_email::resend)
        .serve(RESET_PASSWORD, reset::request)
        .serve(CONFIRM_RESET, reset::confirm)
}
