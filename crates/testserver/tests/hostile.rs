//! Broken and hostile byte streams: the offender's connection is closed,
//! everyone else is served, and nothing in the world is lost.

mod common;

use std::time::Duration;

use common::{Client, WAIT, input_peer, new_message, send_text, sign_in};
use paperplane_testserver::{Options, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Whether the server closes `stream` (possibly after a transport error
/// code) within a few seconds.
async fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return true,
                // A 4-byte transport error (such as -404 or -429) may come first.
                Ok(_) => continue,
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .unwrap_or(false)
}

#[tokio::test]
async fn hostile_frames_close_only_their_connection_and_lose_nothing() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let addr = server.dc(2).unwrap();
    let control = server.control();
    let alice = control
        .add_user("9996621001", "Alice", Some("alice_h"))
        .unwrap();
    let bob = control
        .add_user("9996621002", "Bob", Some("bob_h"))
        .unwrap();
    control.send_as(alice.id, "@bob_h", "before").unwrap();

    // A client logged in before the offenders come.
    let mut alice_client = Client::connect(&server, 2).await;
    assert_eq!(
        sign_in(&mut alice_client, "9996621001").await.unwrap().id,
        alice.id
    );

    let offenders: Vec<(&str, Vec<u8>)> = vec![
        // Abridged, a length of 64 MiB.
        (
            "abridged oversized",
            vec![0xef, 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4],
        ),
        // Intermediate, a negative length.
        (
            "intermediate negative length",
            vec![0xee, 0xee, 0xee, 0xee, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0],
        ),
        // Intermediate, a length that is not a multiple of four.
        (
            "intermediate misaligned",
            [&[0xee; 4][..], &7u32.to_le_bytes(), &[9; 7]].concat(),
        ),
        // Full framing, a wrong checksum.
        (
            "full bad crc",
            [
                &16u32.to_le_bytes()[..],
                &0u32.to_le_bytes(),
                &[1, 2, 3, 4],
                &0xdead_beefu32.to_le_bytes(),
            ]
            .concat(),
        ),
        // Abridged, a frame too short to be any MTProto message.
        ("abridged too short", vec![0xef, 0x01, 1, 2, 3, 4]),
    ];
    let mut streams = Vec::new();
    for (name, bytes) in &offenders {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(bytes).await.unwrap();
        streams.push((*name, s));
    }
    // Connections stalled part-way through a frame have broken no rule
    // yet: they stay open while everyone else is served.
    let stalls: [&[u8]; 3] = [
        // Half a transport tag.
        &[0xee, 0xee],
        // The intermediate tag and half a length.
        &[0xee, 0xee, 0xee, 0xee, 0x40, 0x00],
        // An abridged frame promising 64 bytes, with 3 sent.
        &[0xef, 0x10, 1, 2, 3],
    ];
    let mut stalled = Vec::new();
    for bytes in stalls {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(bytes).await.unwrap();
        stalled.push(s);
    }
    for (name, stream) in &mut streams {
        assert!(closed_by_server(stream).await, "{name}: still open");
    }

    // Everyone else is served, over live connections, while the stalled
    // ones are still open: the client connected before goes on...
    alice_client
        .call(&send_text(input_peer(bob.id, bob.access_hash), "after", 1))
        .await
        .expect("the client connected before the offenders was not served");
    // ...and a new one connects, makes a key, logs in and sends.
    tokio::time::timeout(3 * WAIT, async {
        let mut bob_client = Client::connect(&server, 2).await;
        assert_eq!(
            sign_in(&mut bob_client, "9996621002").await.unwrap().id,
            bob.id
        );
        bob_client
            .call(&send_text(
                input_peer(alice.id, alice.access_hash),
                "reply",
                2,
            ))
            .await
            .unwrap();
    })
    .await
    .expect("a new client was not served while hostile connections were open");
    // Pushed to the first client over its connection.
    let mut pushed = Vec::new();
    while !pushed.iter().any(|t| t == "reply") {
        assert!(pushed.len() < 4, "no push of the reply; got {pushed:?}");
        let (msg, _, _, _) = new_message(alice_client.next_update().await);
        pushed.push(msg.message);
    }

    // The world kept everything.
    let texts: Vec<String> = control
        .messages_of(bob.id)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["before", "after", "reply"]);
    assert_eq!(control.messages_of(alice.id).len(), 3);
    drop(stalled);
}
