//! MTProto's HTTP transport against the server over real TCP: each packet
//! a `POST` body (as Telethon's `ConnectionHttp` sends it), each answer an
//! `HTTP/1.1 200 OK` body, one response per request; hostile requests
//! close the connection.

mod common;

use common::{WAIT, wrapped};
use paperplane_mtproto::handshake::{ClientConfig, ClientHandshake, ClientStep, KeyKind};
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::{ClientEvent, ClientSession, envelope};
use paperplane_testserver::{Options, TestServer, unix_now, unix_now_ms};
use paperplane_tl::{Deserializable, enums, functions};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

struct HttpClient {
    stream: TcpStream,
    input: Vec<u8>,
    /// Requests sent and not yet answered.
    pending: usize,
}

impl HttpClient {
    async fn connect(server: &TestServer) -> Self {
        Self {
            stream: TcpStream::connect(server.dc(2).unwrap()).await.unwrap(),
            input: Vec::new(),
            pending: 0,
        }
    }

    async fn post(&mut self, body: &[u8]) {
        let mut wire = format!(
            "POST /api HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=100000, max=10000000\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        wire.extend_from_slice(body);
        self.stream.write_all(&wire).await.unwrap();
        self.pending += 1;
    }

    /// The next response's body; `None` if the server closed instead.
    async fn response(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(end) = self.input.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8(self.input[..end].to_vec()).unwrap();
                assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
                // Telethon reads the body right after Content-Length.
                let last = head.lines().last().unwrap();
                let len: usize = last
                    .strip_prefix("Content-Length: ")
                    .unwrap()
                    .parse()
                    .unwrap();
                if self.input.len() >= end + 4 + len {
                    let body = self.input[end + 4..end + 4 + len].to_vec();
                    self.input.drain(..end + 4 + len);
                    self.pending -= 1;
                    return Some(body);
                }
            }
            let mut buf = [0u8; 4096];
            let n = tokio::time::timeout(WAIT, self.stream.read(&mut buf))
                .await
                .expect("server answered in time")
                .unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.input.extend_from_slice(&buf[..n]);
        }
    }

    /// Whether the server sends nothing for a moment.
    async fn quiet(&mut self) -> bool {
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(
            std::time::Duration::from_millis(300),
            self.stream.read(&mut buf),
        );
        read.await.is_err()
    }
}

#[tokio::test]
async fn key_exchange_and_rpcs_over_http() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut client = HttpClient::connect(&server).await;
    let mut rng = ChaCha20Rng::seed_from_u64(7);

    let config = ClientConfig::telegram(2, KeyKind::Permanent).trust(server.public_key().clone());
    let (mut hs, mut body) = ClientHandshake::start(config, &mut rng);
    let mut ids = MsgIdGen::new(Role::Client, 0);
    let done = loop {
        client
            .post(&envelope::plain(
                ids.next(unix_now_ms(), IdKind::Other),
                &body,
            ))
            .await;
        let packet = client.response().await.unwrap();
        let (_, answer) = envelope::open_plain(&packet).unwrap();
        match hs.handle(answer, unix_now() as i32, &mut rng).unwrap() {
            ClientStep::Send(next) => body = next,
            ClientStep::Done(done) => break *done,
        }
    };

    let mut session = ClientSession::new(done.auth_key, 0x5e55, done.first_salt, done.time_offset);
    for query in [
        wrapped(functions::help::GetConfig {}),
        paperplane_tl::Serializable::to_bytes(&functions::help::GetNearestDc {}),
    ] {
        let request = session.request(query);
        let mut answer = None;
        while answer.is_none() {
            while let Some(p) = session.poll_transmit(unix_now_ms(), &mut rng) {
                client.post(&p).await;
            }
            assert!(client.pending > 0, "no request left to answer");
            let packet = client.response().await.unwrap();
            for event in session.handle_packet(&packet, unix_now_ms()).unwrap() {
                if let ClientEvent::Result { request: r, result } = event {
                    if r == request {
                        answer = Some(result.unwrap());
                    }
                }
            }
        }
        let answer = answer.unwrap();
        if let Ok(enums::Config::Config(config)) = enums::Config::from_bytes(&answer) {
            assert_eq!(config.this_dc, 2);
        } else {
            let enums::NearestDc::NearestDc(nearest) =
                enums::NearestDc::from_bytes(&answer).unwrap();
            assert_eq!(nearest.this_dc, 2);
        }
    }
    // Requests the server had nothing for (acks) are held, not answered
    // empty.
    assert!(client.quiet().await);
    assert_eq!(server.auth_key_count(), 1);
}

#[tokio::test]
async fn hostile_http_requests_close_the_connection() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let cases: [&[u8]; 5] = [
        b"POST /api HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
        b"POST /api HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 8\r\n\r\n",
        b"POST /api HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /api HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET /api HTTP/1.1\r\n\r\n",
    ];
    for wire in cases {
        let mut client = HttpClient::connect(&server).await;
        client.stream.write_all(wire).await.unwrap();
        assert_eq!(
            client.response().await,
            None,
            "{}",
            String::from_utf8_lossy(wire)
        );
    }
    // A head that never ends is cut off at the limit.
    let mut client = HttpClient::connect(&server).await;
    client
        .stream
        .write_all(b"POST /api HTTP/1.1\r\n")
        .await
        .unwrap();
    let filler = [b'a'; 1024];
    let mut closed = false;
    for _ in 0..64 {
        if client.stream.write_all(&filler).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    closed = closed || client.response().await.is_none();
    assert!(closed);
}
