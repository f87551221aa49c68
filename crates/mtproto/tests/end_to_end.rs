//! The whole protocol core in memory, both roles: a transport connection,
//! the key exchange over unencrypted messages, then thousands of encrypted
//! round trips through containers, acks, gzip, a salt change and a lost
//! connection whose unanswered requests are resent and answered once.

use std::collections::HashMap;

use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_mtproto::handshake::{
    ClientConfig, ClientHandshake, ClientStep, KeyKind, Negotiated, ServerConfig, ServerHandshake,
    ServerStep,
};
use paperplane_mtproto::session::envelope;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::{
    ClientEvent, ClientSession, RequestId, ServerEvent, ServerSession,
};
use paperplane_mtproto::transport::{
    self, ClientMode, ClientTransport, Frame, ObfuscatedFraming, ReadBuf, ServerTransport,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const NOW_MS: i64 = 1_700_000_000_000;

/// One TCP connection's worth of transport state on both ends.
struct Link {
    client: ClientTransport,
    server: Option<ServerTransport>,
    to_server: ReadBuf,
    to_client: ReadBuf,
}

impl Link {
    fn open(rng: &mut ChaCha20Rng) -> Self {
        let mode = ClientMode::obfuscated(ObfuscatedFraming::PaddedIntermediate, Some(2));
        let mut out = Vec::new();
        let client = ClientTransport::new(
            &transport::ClientConfig::new(mode),
            (NOW_MS / 1000) as u64,
            rng,
            &mut out,
        )
        .unwrap();
        Self {
            client,
            server: None,
            to_server: ReadBuf::from(out),
            to_client: ReadBuf::new(),
        }
    }

    fn send_to_server(&mut self, packet: &[u8], rng: &mut ChaCha20Rng) {
        let mut out = Vec::new();
        self.client.encode(packet, false, rng, &mut out).unwrap();
        self.to_server.extend_from_slice(&out);
    }

    fn receive_at_server(&mut self, rng: &mut ChaCha20Rng) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if self.server.is_none() {
            let mut reply = Vec::new();
            self.server = ServerTransport::accept(
                &transport::ServerConfig::new(),
                &mut self.to_server,
                (NOW_MS / 1000) as u64,
                rng,
                &mut reply,
            )
            .unwrap();
            self.to_client.extend_from_slice(&reply);
        }
        let Some(server) = self.server.as_mut() else {
            return out;
        };
        while let Some(packet) = server.decode(&mut self.to_server).unwrap() {
            out.push(packet.payload);
        }
        out
    }

    fn send_to_client(&mut self, packet: &[u8], rng: &mut ChaCha20Rng) {
        let mut out = Vec::new();
        self.server
            .as_mut()
            .unwrap()
            .encode(packet, rng, &mut out)
            .unwrap();
        self.to_client.extend_from_slice(&out);
    }

    fn receive_at_client(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(frame) = self.client.decode(&mut self.to_client).unwrap() {
            match frame {
                Frame::Packet(p) => out.push(p),
                other => panic!("unexpected {other:?}"),
            }
        }
        out
    }
}

/// Runs the key exchange over `link`; returns both sides' results.
fn exchange(link: &mut Link, rng: &mut ChaCha20Rng, kind: KeyKind) -> (Negotiated, Negotiated) {
    let rsa = RsaPrivateKey::generate(rng, 2048).unwrap();
    let client_config = ClientConfig {
        dc_id: 2,
        kind,
        keys: vec![rsa.public_key().clone()],
    };
    let server_config = ServerConfig::new(rsa);
    let mut client_ids = MsgIdGen::new(Role::Client, 0);
    let mut server_ids = MsgIdGen::new(Role::Server, 0);
    let (mut client, mut body) = ClientHandshake::start(client_config, rng);
    let mut server = ServerHandshake::new();
    let mut server_done = None;
    loop {
        let msg = envelope::plain(client_ids.next(NOW_MS, IdKind::Other), &body);
        link.send_to_server(&msg, rng);
        for packet in link.receive_at_server(rng) {
            let (_, request) = envelope::open_plain(&packet).unwrap();
            let reply = match server
                .handle(
                    &server_config,
                    request,
                    (NOW_MS / 1000) as i32,
                    &|_| false,
                    rng,
                )
                .unwrap()
            {
                ServerStep::Send(reply) => reply,
                ServerStep::Done { reply, negotiated } => {
                    server_done = Some(*negotiated);
                    reply
                }
            };
            let msg = envelope::plain(server_ids.next(NOW_MS, IdKind::Response), &reply);
            link.send_to_client(&msg, rng);
        }
        for packet in link.receive_at_client() {
            let (_, answer) = envelope::open_plain(&packet).unwrap();
            match client.handle(answer, (NOW_MS / 1000) as i32, rng).unwrap() {
                ClientStep::Send(next) => body = next,
                ClientStep::Done(done) => return (*done, server_done.take().unwrap()),
            }
        }
    }
}

/// Moves encrypted packets until both sessions are idle; the server echoes
/// each request reversed. Returns the client's events.
fn pump(
    link: &mut Link,
    client: &mut ClientSession,
    server: &mut ServerSession,
    now: i64,
    rng: &mut ChaCha20Rng,
) -> Vec<ClientEvent> {
    let mut events = Vec::new();
    loop {
        let mut moved = false;
        while let Some(p) = client.poll_transmit(now, rng) {
            link.send_to_server(&p, rng);
            moved = true;
        }
        for p in link.receive_at_server(rng) {
            for e in server.handle_packet(&p, now, rng).unwrap() {
                if let ServerEvent::Request { msg_id, body } = e {
                    let answer: Vec<u8> = body.iter().rev().copied().collect();
                    server.respond(msg_id, &answer);
                }
            }
        }
        while let Some(p) = server.poll_transmit(now, rng) {
            link.send_to_client(&p, rng);
            moved = true;
        }
        for p in link.receive_at_client() {
            events.extend(client.handle_packet(&p, now).unwrap());
        }
        if !moved {
            return events;
        }
    }
}

fn body(i: u32) -> Vec<u8> {
    // Every seventh request is large and compressible (sent gzipped).
    let len = if i % 7 == 0 {
        2048
    } else {
        4 + 4 * (i % 16) as usize
    };
    (0..len).map(|b| (b as u32 ^ i) as u8).collect()
}

#[test]
fn handshake_then_thousands_of_round_trips_with_salt_change_and_reconnect() {
    for kind in [KeyKind::Permanent, KeyKind::Temporary { expires_in: 3600 }] {
        let mut rng = ChaCha20Rng::seed_from_u64(2026);
        let mut link = Link::open(&mut rng);
        let (c, s) = exchange(&mut link, &mut rng, kind);
        assert_eq!(c.auth_key.as_bytes(), s.auth_key.as_bytes());
        assert_eq!(s.kind, kind);

        let mut client = ClientSession::new(
            c.auth_key,
            rng.next_u64() as i64,
            c.first_salt,
            c.time_offset,
        );
        let mut server = ServerSession::new(s.auth_key, s.first_salt);
        let mut expected: HashMap<RequestId, Vec<u8>> = HashMap::new();
        let mut answered: HashMap<RequestId, usize> = HashMap::new();
        let mut now = NOW_MS;

        let mut record = |events: Vec<ClientEvent>, expected: &HashMap<RequestId, Vec<u8>>| {
            for e in events {
                if let ClientEvent::Result { request, result } = e {
                    let want: Vec<u8> = expected[&request].iter().rev().copied().collect();
                    assert_eq!(result.unwrap(), want);
                    *answered.entry(request).or_default() += 1;
                }
            }
        };

        for i in 0..2000u32 {
            let b = body(i);
            expected.insert(client.request(b.clone()), b);
            if i % 25 == 24 {
                now += 100;
                let events = pump(&mut link, &mut client, &mut server, now, &mut rng);
                record(events, &expected);
            }
            if i == 1000 {
                // The server rotates its salt: the client learns it from
                // bad_server_salt and resends.
                server.set_salt(0x5a17);
            }
            if i == 1500 {
                // The connection dies with requests in flight.
                for _ in 0..5 {
                    let b = body(90_000 + i);
                    expected.insert(client.request(b.clone()), b);
                }
                while let Some(p) = client.poll_transmit(now, &mut rng) {
                    link.send_to_server(&p, &mut rng);
                }
                link = Link::open(&mut rng);
                client.resend_unanswered(now);
            }
        }
        now += 100;
        record(
            pump(&mut link, &mut client, &mut server, now, &mut rng),
            &expected,
        );

        assert_eq!(client.salt(), 0x5a17);
        assert_eq!(answered.len(), expected.len(), "every request answered");
        assert!(
            answered.values().all(|&n| n == 1),
            "and answered exactly once"
        );
        assert_eq!(client.pending().count(), 0);
    }
}
