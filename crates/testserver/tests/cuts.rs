//! Connections cut by the server after so many bytes (mid-frame) or
//! messages: what the client receives before the close, byte for byte.

mod common;

use std::collections::VecDeque;

use common::{Client, WAIT};
use paperplane_testserver::{Options, TestServer};
use paperplane_tl::{Serializable, functions};
use tokio::io::AsyncReadExt;

/// Everything the server sends until it closes the connection.
async fn read_to_close(client: &mut Client) -> Vec<u8> {
    let mut got = Vec::new();
    tokio::time::timeout(WAIT, client.raw.stream.read_to_end(&mut got))
        .await
        .expect("the server closes the connection")
        .unwrap();
    got
}

/// Sends `help.getNearestDc` in the client's session without waiting.
async fn send_request(client: &mut Client) {
    client
        .session
        .request(functions::help::GetNearestDc {}.to_bytes());
    while let Some(packet) = client
        .session
        .poll_transmit(paperplane_testserver::unix_now_ms(), &mut client.raw.rng)
    {
        client.raw.send(&packet).await;
    }
}

#[tokio::test]
async fn a_byte_cut_ends_the_connection_mid_frame() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut client = Client::connect(&server, 2).await;
    // Another connection that has been sending does not take the cut first.
    let mut bystander = Client::connect(&server, 2).await;
    control.drop_connection_after_bytes(10);
    send_request(&mut client).await;
    let got = read_to_close(&mut client).await;
    assert_eq!(
        got.len(),
        10,
        "ten bytes of the answer's frame, then the close"
    );
    let declared = u32::from_le_bytes(got[..4].try_into().unwrap());
    assert!(declared as usize > 6, "the frame was longer: cut mid-frame");
    assert_eq!(control.connections_cut(), 1);
    // One connection only: the bystander is served as before.
    bystander
        .call(&functions::help::GetNearestDc {})
        .await
        .unwrap();
}

#[tokio::test]
async fn a_message_cut_ends_the_connection_between_frames() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut client = Client::connect(&server, 2).await;
    control.drop_connection_after_messages(1);
    // The first request's answer is the one frame let through.
    client
        .raw
        .invoke(
            &mut client.session,
            functions::help::GetNearestDc {}.to_bytes(),
            &mut VecDeque::new(),
        )
        .await
        .unwrap();
    send_request(&mut client).await;
    let mut rest = Vec::new();
    let n = tokio::time::timeout(WAIT, client.raw.stream.read_to_end(&mut rest))
        .await
        .expect("the server closes the connection")
        .unwrap();
    assert_eq!(n, 0, "nothing after the first frame");
    assert!(client.raw.input.is_empty(), "no partial frame either");
    assert_eq!(control.connections_cut(), 1);
    // A new connection is not cut.
    let mut again = client.reconnect().await;
    again.call(&functions::help::GetNearestDc {}).await.unwrap();
}
