//! `vigie user create|password|remove`: people and their console passwords, over a running
//! server's API with an administrator's token. The password is read from standard input, never
//! from the command line (where other users of the machine could see it).

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;

use crate::client::{Client, Connection};

#[derive(clap::Subcommand)]
pub(crate) enum UserCommand {
    /// Creates a person in an organisation, with a console login; the password comes on stdin.
    Create {
        /// The organisation (`org_...`).
        #[arg(long)]
        org: String,
        /// The person's name, as colleagues know them.
        #[arg(long)]
        name: String,
        /// The console login: 3 to 64 of a-z, 0-9, '.', '_', '@', '-'.
        #[arg(long)]
        login: String,
        /// Comma-separated: admin, reporter, moderator, integrator, senior (with moderator), viewer.
        #[arg(long, value_delimiter = ',')]
        roles: Vec<String>,
    },
    /// Sets (or resets) a person's login and password; the password comes on stdin.
    Password {
        /// The person (`usr_...`).
        user: String,
        #[arg(long)]
        login: String,
    },
    /// Removes a person: their tokens and console sessions stop working at once; what they did
    /// stays attributed to them.
    Remove {
        /// The person (`usr_...`).
        user: String,
    },
}

/// The password: standard input, without its final line break.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut raw = String::new();
    std::io::stdin().read_to_string(&mut raw).context("while reading the password from standard input")?;
    let password = raw.strip_suffix('\n').map(|p| p.strip_suffix('\r').unwrap_or(p)).unwrap_or(&raw).to_owned();
    if password.is_empty() {
        bail!("no password on standard input (e.g. `printf '%s' \"$PASSWORD\" | vigie user create ...`)");
    }
    Ok(password)
}

pub(crate) async fn run(conn: Connection, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let client = Client::new(&conn)?;
    let (user, login) = match cmd {
        UserCommand::Remove { user } => {
            let removed = client.call(reqwest::Method::DELETE, &format!("/api/v1/users/{user}"), None).await?;
            println!("{removed}");
            return Ok(ExitCode::SUCCESS);
        }
        UserCommand::Create { org, name, login, roles } => {
            let password = password_from_stdin()?;
            // One request: the person and the password exist together or not at all.
            let body = json!({ "name": name, "roles": roles, "login": login, "password": password });
            let created = client.call(reqwest::Method::POST, &format!("/api/v1/orgs/{org}/users"), Some(body)).await?;
            let id = created["id"].as_str().context("the server did not give the person's id")?.to_owned();
            (id, login)
        }
        UserCommand::Password { user, login } => {
            let password = password_from_stdin()?;
            let req = client
                .http
                .put(format!("{}/api/v1/users/{user}/password", client.base))
                .json(&json!({ "login": login, "password": password }));
            client.send(req).await?;
            (user, login)
        }
    };
    println!("{}", json!({ "user": user, "login": login }));
    Ok(ExitCode::SUCCESS)
}
