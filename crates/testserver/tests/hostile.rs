//! Broken and hostile byte streams: the offender's connection is closed,
//! everyone else is served, and nothing in the world is lost.

use std::time::Duration;

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
    for (name, stream) in &mut streams {
        assert!(closed_by_server(stream).await, "{name}: still open");
    }

    // Everyone else is served, and the world kept everything.
    control.send_as(bob.id, "@alice_h", "after").unwrap();
    let texts: Vec<String> = control
        .messages_of(bob.id)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts, ["before", "after"]);
    assert_eq!(control.messages_of(alice.id).len(), 2);
}
