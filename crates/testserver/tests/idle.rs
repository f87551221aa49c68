//! Thousands of idle connections on one DC: silent ones, ones that sent a
//! transport tag only, ones stuck in the key exchange. A normal client
//! still logs in and chats, and the server lets go of every idle one when
//! it closes.

mod common;

use std::time::Duration;

use common::{Client, RawClient, sign_in};
use paperplane_mtproto::session::envelope;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::transport::{ClientMode, Framing};
use paperplane_testserver::{Control, Options, TestServer, unix_now_ms};
use paperplane_tl::{Serializable, functions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How many idle connections to open.
const WANTED: usize = 2000;
/// Descriptors kept free for everything else the test process uses.
const SPARE_FDS: usize = 300;
/// Descriptors the test needs: both ends of every connection live in this
/// process.
const NEEDED_FDS: u64 = (WANTED * 2 + SPARE_FDS) as u64;

/// Raises this process's soft limit on open files to [`NEEDED_FDS`] (as
/// far as the hard limit allows: no privilege needed) and returns the soft
/// limit now in force. The usual default soft limit, 1,024, is too low,
/// and a test that skipped itself there would run nothing in CI.
fn raise_open_file_limit() -> u64 {
    rlimit::increase_nofile_limit(NEEDED_FDS).expect("cannot read or raise the open-file limit")
}

/// Waits until the server counts `n` open connections.
async fn wait_for_connections(control: &Control, n: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while control.connection_count() != n {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{} connections open, expected {n}",
            control.connection_count()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_idle_connections_do_not_get_in_the_way() {
    let limit = raise_open_file_limit();
    assert!(
        limit >= NEEDED_FDS,
        "the open-file hard limit allows only {limit} descriptors, and this test needs \
         {NEEDED_FDS} ({WANTED} idle connections, both ends in this process, and {SPARE_FDS} \
         spare): raise the hard limit (`ulimit -Hn {NEEDED_FDS}`) to run it"
    );
    eprintln!("open-file soft limit: {limit}; opening {WANTED} idle connections");
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let addr = server.dc(2).unwrap();

    let mut silent = Vec::new();
    let mut tagged = Vec::new();
    let mut handshaking = Vec::new();
    for i in 0..WANTED {
        match i % 10 {
            // Stuck after resPQ: the server holds a key exchange state.
            0 => {
                let mut raw =
                    RawClient::connect(addr, ClientMode::Plain(Framing::Intermediate)).await;
                let mut ids = MsgIdGen::new(Role::Client, 0);
                let req = functions::ReqPqMulti {
                    nonce: [i as u8; 16],
                }
                .to_bytes();
                raw.send(&envelope::plain(
                    ids.next(unix_now_ms(), IdKind::Other),
                    &req,
                ))
                .await;
                handshaking.push(raw);
            }
            // The intermediate transport's tag, then nothing.
            1..=4 => {
                let mut stream = TcpStream::connect(addr).await.unwrap();
                stream.write_all(&[0xee; 4]).await.unwrap();
                tagged.push(stream);
            }
            _ => silent.push(TcpStream::connect(addr).await.unwrap()),
        }
    }
    // Every key exchange got as far as resPQ.
    for raw in &mut handshaking {
        let packet = tokio::time::timeout(common::WAIT, raw.recv_packet())
            .await
            .expect("no resPQ in time");
        assert!(envelope::open_plain(&packet).is_ok());
    }
    wait_for_connections(&control, WANTED).await;

    // A normal client logs in and chats meanwhile.
    let mut client = Client::connect(&server, 2).await;
    let me = sign_in(&mut client, "9996621234").await.unwrap();
    let bob = control.add_user("9996625678", "Bob", None).unwrap();
    control
        .send_as(bob.id, &me.id.to_string(), "still here?")
        .unwrap();
    let (msg, _, _, _) = common::new_message(client.next_update().await);
    assert_eq!(msg.message, "still here?");
    client
        .call(&common::send_text(
            common::input_peer(bob.id, bob.access_hash),
            "yes",
            1,
        ))
        .await
        .unwrap();
    let reply = control
        .wait_message(bob.id, |m| !m.out, common::WAIT)
        .await
        .expect("bob got the reply");
    assert_eq!(reply.text, "yes");
    wait_for_connections(&control, WANTED + 1).await;

    // Closing the idle ones frees them on the server.
    drop(silent);
    drop(tagged);
    drop(handshaking);
    wait_for_connections(&control, 1).await;
    client
        .call(&functions::help::GetNearestDc {})
        .await
        .unwrap();
}
