//! What the client's end-to-end tests share: a local server, a builder
//! pointed at it, and a login on a test number.

#![allow(dead_code)]

use std::time::Duration;

use paperplane::{Client, ClientBuilder};
use paperplane_testserver::{Options, TestServer};

/// How long a test waits for anything.
pub const WAIT: Duration = Duration::from_secs(20);

pub async fn server() -> TestServer {
    server_with(Options::default()).await
}

pub async fn server_with(options: Options) -> TestServer {
    TestServer::start(options).await.expect("server starts")
}

/// A client of `server`'s DC 2 that keeps its session in memory (later
/// calls to `session(…)` replace that).
pub fn builder(server: &TestServer) -> ClientBuilder {
    Client::builder()
        .api_id(1)
        .api_hash("0123456789abcdef0123456789abcdef")
        .dc_addr(server.dc(2).expect("dc 2").to_string())
        .server_key(server.public_key().to_pkcs1_pem())
        .in_memory()
}

/// Signs in with a test number (`99966XYYYY`, code X five times).
pub async fn login(client: &Client, phone: &str) -> paperplane::User {
    let token = client.request_login_code(phone).await.expect("code sent");
    let dc = &phone[5..6];
    client
        .sign_in(&token, &dc.repeat(5))
        .await
        .expect("signed in")
}
