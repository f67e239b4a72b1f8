//! `ezshare login` and `ezshare logout`.

use std::io::BufRead;

use crate::api::Api;
use crate::args::{LoginArgs, LogoutArgs};
use crate::credentials::{self, Credentials};
use crate::{ClientError, logged_in};

pub async fn login(args: LoginArgs) -> Result<(), ClientError> {
    let path = credentials::credentials_path()?;
    let server = match args.server {
        Some(server) => server,
        None => credentials::load(&path)?
            .map(|stored| stored.server)
            .ok_or_else(|| {
                ClientError::Usage(
                    "which server? pass --server https://… (once; it is remembered)".into(),
                )
            })?,
    };
    let user_type = if args.ops { "ops" } else { "client" };
    let password = read_password(args.password_stdin, &args.username)?;
    let api = Api::new(&server, None)?;
    let token = api.login(user_type, &args.username, &password).await?;
    credentials::save(
        &path,
        &Credentials {
            server: server.clone(),
            token,
            user_type: Some(user_type.into()),
            username: Some(args.username.clone()),
        },
    )?;
    eprintln!(
        "logged in to {server} as {user_type} user {}",
        args.username
    );
    Ok(())
}

fn read_password(from_stdin: bool, username: &str) -> Result<String, ClientError> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(ClientError::io("read the password from stdin"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        rpassword::prompt_password(format!("password for {username}: ")).map_err(
            ClientError::io("read the password (no terminal? use --password-stdin)"),
        )?
    };
    if password.is_empty() {
        return Err(ClientError::Usage("the password is empty".into()));
    }
    Ok(password)
}

pub async fn logout(args: LogoutArgs) -> Result<(), ClientError> {
    let (api, _) = logged_in()?;
    let ended = api.logout(args.all).await;
    // A session the server no longer knows is as good as ended: forget it either way.
    let path = credentials::credentials_path()?;
    credentials::remove(&path)?;
    match ended {
        Ok(()) | Err(ClientError::Auth { status: 401, .. }) => {
            eprintln!("logged out{}", if args.all { " everywhere" } else { "" });
            Ok(())
        }
        Err(e) => Err(e),
    }
}
