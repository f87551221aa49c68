//! A server whose clock is skewed ([`Control::skew_clock`]) shows it in
//! everything time-based it emits: the key exchange's `server_time`, its
//! msg_ids, `help.getConfig`, `future_salts`, `updates.state`.
//!
//! [`Control::skew_clock`]: paperplane_testserver::Control::skew_clock

mod common;

use common::{Client, sign_in};
use paperplane_testserver::{Options, TestServer, unix_now};
use paperplane_tl::{enums, functions};

/// Asserts `time` is the machine's time plus `skew` seconds, give or take
/// a few.
fn assert_skewed(time: i64, skew: i64, what: &str) {
    let off = time - unix_now();
    assert!(
        (off - skew).abs() <= 5,
        "{what} is {off} s from now, the server's clock {skew} s"
    );
}

async fn emits_its_skewed_time(skew: i64) {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    control.skew_clock(skew);
    assert_skewed(control.server_time(), skew, "server_time");
    let mut client = Client::connect(&server, 2).await;
    // The key exchange told the client the server's time.
    assert_skewed(
        unix_now() + i64::from(client.key.time_offset),
        skew,
        "server_DH_inner_data.server_time",
    );
    let enums::Config::Config(config) = client.call(&functions::help::GetConfig {}).await.unwrap();
    assert_skewed(i64::from(config.date), skew, "config.date");
    assert_eq!(config.expires - config.date, 3600);

    let future = client
        .raw
        .invoke(
            &mut client.session,
            paperplane_tl::Serializable::to_bytes(&functions::GetFutureSalts { num: 2 }),
            &mut std::collections::VecDeque::new(),
        )
        .await
        .unwrap();
    let enums::FutureSalts::FutureSalts(future) =
        paperplane_tl::Deserializable::from_bytes(&future).unwrap();
    assert_skewed(i64::from(future.now), skew, "future_salts.now");
    let first = &future.salts[0];
    assert!(
        first.valid_since <= future.now && future.now < first.valid_until,
        "the current salt's window holds the server's time: {first:?} at {}",
        future.now
    );
    // The answers' msg_ids carried that time too: the client's session
    // kept its offset (no correction needed).
    assert_skewed(
        unix_now() + i64::from(client.session.time_offset()),
        skew,
        "msg_id time",
    );

    sign_in(&mut client, "9996627331").await.unwrap();
    let enums::updates::State::State(state) =
        client.call(&functions::updates::GetState {}).await.unwrap();
    assert_skewed(i64::from(state.date), skew, "updates.state.date");

    control.clear_clock_skew();
    assert_skewed(control.server_time(), 0, "server_time after clearing");
    let enums::Config::Config(config) = client.call(&functions::help::GetConfig {}).await.unwrap();
    assert_skewed(i64::from(config.date), 0, "config.date after clearing");
}

#[tokio::test]
async fn a_server_an_hour_ahead_says_so() {
    emits_its_skewed_time(3600).await;
}

#[tokio::test]
async fn a_server_ten_minutes_behind_says_so() {
    emits_its_skewed_time(-600).await;
}
