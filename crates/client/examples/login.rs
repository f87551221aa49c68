//! The user-account quick-start: log in with a code (and a two-step
//! password if the account has one), then write to Saved Messages.
//!
//! With `API_ID` and `API_HASH` set it logs in to Telegram, asking for the
//! phone, code and password on the terminal. Without them it starts the
//! local test server, whose test numbers (`99966XYYYY`) take the code
//! "X five times", and answers the questions itself.
//!
//! ```text
//! cargo run --release --example login
//! ```

use std::io::Write;

use anyhow::Context;
use paperplane::{Client, ClientBuilder, SignInError};
use paperplane_testserver::TestServer;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match (std::env::var("API_ID"), std::env::var("API_HASH")) {
        (Ok(api_id), Ok(api_hash)) => {
            let builder = Client::builder()
                .api_id(api_id.parse().context("API_ID must be a number")?)
                .api_hash(api_hash)
                .session("my.session");
            log_in_and_greet(builder, &mut Terminal).await
        }
        _ => {
            println!("No API_ID / API_HASH set: using the built-in local Telegram server.");
            let server = TestServer::start(Default::default()).await?;
            let user = server.control().add_user("9996621234", "Demo", None)?;
            server
                .control()
                .set_password(user.id, "hunter2", Some("the classic"))?;
            let builder = Client::builder()
                .api_id(1)
                .api_hash("local")
                .in_memory()
                .dc_addr(server.dc(2).context("no DC 2")?.to_string())
                .server_key(server.public_key().to_pkcs1_pem());
            let answers = ["+9996621234", "22222", "hunter2"];
            log_in_and_greet(builder, &mut Scripted(answers.iter())).await?;
            let saved = server.control().messages_of(user.id);
            println!(
                "Saved Messages on the server: {:?}",
                saved.iter().map(|m| &m.text).collect::<Vec<_>>()
            );
            Ok(())
        }
    }
}

/// The quick-start itself.
async fn log_in_and_greet(builder: ClientBuilder, input: &mut dyn Ask) -> anyhow::Result<()> {
    let (client, _) = builder.connect().await?;

    if !client.is_authorized().await? {
        let token = client.request_login_code(&input.ask("Phone")?).await?;
        match client.sign_in(&token, &input.ask("Code")?).await {
            Ok(_) => {}
            Err(SignInError::PasswordRequired(t)) => {
                client.check_password(*t, &input.ask("Password")?).await?;
            }
            Err(e) => return Err(e.into()),
        }
        client.save_session().await?;
    }

    client.send_message("me", "Hello from paperplane!").await?;
    println!("Sent \"Hello from paperplane!\" to Saved Messages.");
    Ok(())
}

trait Ask {
    fn ask(&mut self, what: &str) -> anyhow::Result<String>;
}

struct Terminal;

impl Ask for Terminal {
    fn ask(&mut self, what: &str) -> anyhow::Result<String> {
        print!("{what}: ");
        std::io::stdout().flush()?;
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        Ok(line.trim().to_owned())
    }
}

struct Scripted<'a>(std::slice::Iter<'a, &'static str>);

impl Ask for Scripted<'_> {
    fn ask(&mut self, what: &str) -> anyhow::Result<String> {
        let answer = self.0.next().context("no scripted answer left")?;
        println!("{what}: {answer}");
        Ok((*answer).to_owned())
    }
}
