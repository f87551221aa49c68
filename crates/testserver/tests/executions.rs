//! The control API's execution counter, over a real connection: each call
//! the server carries out counts once under its TL method name; a call
//! answered by an injected flood wait, and a message received twice, do
//! not count again.

mod common;

use common::Client;
use paperplane_testserver::{Options, TestServer, unix_now_ms};
use paperplane_tl::{Serializable, enums, functions};

#[tokio::test]
async fn executions_count_the_calls_the_server_carried_out() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    assert_eq!(control.executions("help.getConfig"), 0);

    // The connection's first call comes wrapped: it counts under the
    // innermost function's name, the wrappers not at all.
    let mut client = Client::connect(&server, 2).await;
    assert_eq!(control.executions("help.getNearestDc"), 1);
    assert_eq!(control.executions("invokeWithLayer"), 0);
    assert_eq!(control.executions("initConnection"), 0);

    client.call(&functions::help::GetConfig {}).await.unwrap();
    client.call(&functions::help::GetConfig {}).await.unwrap();
    assert_eq!(control.executions("help.getConfig"), 2);
    assert_eq!(control.executions("help.getNearestDc"), 1);

    // A flood wait is answered instead of carrying the call out.
    control.inject_flood_wait("help.getConfig", 1, 1);
    let (code, message) = client.call_err(&functions::help::GetConfig {}).await;
    assert_eq!((code, message.as_str()), (420, "FLOOD_WAIT_1"));
    assert_eq!(control.executions("help.getConfig"), 2);

    // A call its handler refuses was carried out all the same.
    let (code, _) = client
        .call_err(&functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        })
        .await;
    assert_eq!(code, 401);
    assert_eq!(control.executions("users.getUsers"), 1);

    // The same message received twice is carried out once.
    let request = client
        .session
        .request(functions::help::GetConfig {}.to_bytes());
    let packet = client
        .session
        .poll_transmit(unix_now_ms(), &mut client.raw.rng)
        .expect("the request is sent");
    client.raw.send(&packet).await;
    client.raw.send(&packet).await;
    tokio::time::timeout(
        common::WAIT,
        client
            .raw
            .await_answer(&mut client.session, request, None, &mut client.updates),
    )
    .await
    .expect("no answer in time")
    .unwrap();
    // A later call on the same connection: the copy was handled before it.
    client
        .call(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    assert_eq!(control.executions("help.getConfig"), 3);

    // A call whose answer is lost was carried out.
    control.inject_drop_after_request("help.getConfig", 1);
    client
        .session
        .request(functions::help::GetConfig {}.to_bytes());
    while let Some(packet) = client
        .session
        .poll_transmit(unix_now_ms(), &mut client.raw.rng)
    {
        client.raw.send(&packet).await;
    }
    assert!(client.closed_by_server().await);
    assert_eq!(control.executions("help.getConfig"), 4);
}
