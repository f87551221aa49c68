//! Client and server sessions against each other in memory, and one test
//! per check with a message that violates it.

use paperplane_crypto::{AuthKey, Direction};
use paperplane_tl::{Deserializable, Serializable, enums, functions, types};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::envelope::{self, Header};
use super::*;

const T0: i64 = 1_700_000_000_000;
const SALT: i64 = 0x1234_5678;
/// `updatesTooLong`, the smallest update.
const UPDATES_TOO_LONG: [u8; 4] = 0xe317af7e_u32.to_le_bytes();

fn key(seed: u8) -> AuthKey {
    AuthKey::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(31) ^ seed))
}

fn pair() -> (ClientSession, ServerSession, ChaCha20Rng) {
    let client = ClientSession::new(key(1), 0x5e55_1011, SALT, 0);
    let server = ServerSession::new(key(1), SALT);
    (client, server, ChaCha20Rng::seed_from_u64(1))
}

/// Moves every packet both ways until both sides are idle; returns what
/// the client learnt and the requests the server saw (answered with
/// `answer`).
fn pump(
    client: &mut ClientSession,
    server: &mut ServerSession,
    rng: &mut ChaCha20Rng,
    now: i64,
    answer: &mut dyn FnMut(&mut ServerSession, i64, &[u8]),
) -> Vec<ClientEvent> {
    pump_at(client, server, rng, now, now, answer)
}

/// [`pump`] with the client's clock at `client_now` and the server's at
/// `server_now`. Packets the client refuses are skipped, as the network
/// layer skips them.
fn pump_at(
    client: &mut ClientSession,
    server: &mut ServerSession,
    rng: &mut ChaCha20Rng,
    client_now: i64,
    server_now: i64,
    answer: &mut dyn FnMut(&mut ServerSession, i64, &[u8]),
) -> Vec<ClientEvent> {
    let mut events = Vec::new();
    for _ in 0..50 {
        let mut idle = true;
        while let Some(packet) = client.poll_transmit(client_now, rng) {
            idle = false;
            for e in server.handle_packet(&packet, server_now, rng).unwrap() {
                if let ServerEvent::Request { msg_id, body } = e {
                    answer(server, msg_id, &body);
                }
            }
        }
        while let Some(packet) = server.poll_transmit(server_now, rng) {
            idle = false;
            let got = client.handle_packet(&packet, client_now);
            if std::env::var("PUMP_DEBUG").is_ok() {
                let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &packet).unwrap();
                let ids: Vec<_> = match container::unpack(&msg.body) {
                    Ok(inner) => inner
                        .iter()
                        .map(|m| (m.msg_id, m.seq_no, container::id_of(m.body)))
                        .collect(),
                    Err(_) => vec![(msg.msg_id, msg.seq_no, container::id_of(&msg.body))],
                };
                eprintln!("server -> {ids:x?}: {got:?}");
            }
            if let Ok(got) = got {
                events.extend(got);
            }
        }
        if idle {
            return events;
        }
    }
    panic!("sessions never went idle");
}

fn echo(server: &mut ServerSession, msg_id: i64, body: &[u8]) {
    server.respond(msg_id, body);
}

fn results(events: &[ClientEvent]) -> Vec<(RequestId, Vec<u8>)> {
    events
        .iter()
        .filter_map(|e| match e {
            ClientEvent::Result {
                request,
                result: Ok(body),
            } => Some((*request, body.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn thousands_of_round_trips_with_containers_gzip_and_acks() {
    let (mut client, mut server, mut rng) = pair();
    let mut now = T0;
    let mut answered = 0;
    for round in 0..300 {
        let mut sent = Vec::new();
        for i in 0..10 {
            // Some bodies big and compressible, some small.
            let len = if (round + i) % 7 == 0 {
                4096
            } else {
                8 + 4 * i
            };
            let body: Vec<u8> = (0..len).map(|b| (b % 13) as u8).collect();
            sent.push((client.request(body.clone()), body));
        }
        now += 50;
        let events = pump(&mut client, &mut server, &mut rng, now, &mut echo);
        let got = results(&events);
        assert_eq!(got.len(), sent.len(), "round {round}");
        for (id, body) in sent {
            assert!(
                got.contains(&(id, body)),
                "round {round}: request {id:?} answered wrongly"
            );
        }
        answered += got.len();
    }
    assert_eq!(answered, 3000);
    assert_eq!(client.pending().count(), 0);
}

#[test]
fn rpc_errors_reach_the_caller() {
    let (mut client, mut server, mut rng) = pair();
    let req = client.request(
        0xc4f9186b_u32.to_le_bytes().to_vec(), /* help.getConfig */
    );
    let events = pump(&mut client, &mut server, &mut rng, T0, &mut |s, id, _| {
        s.respond_error(id, 420, "FLOOD_WAIT_3")
    });
    assert!(events.contains(&ClientEvent::Result {
        request: req,
        result: Err(RpcError {
            code: 420,
            message: "FLOOD_WAIT_3".into()
        }),
    }));
}

#[test]
fn new_session_is_announced_and_salt_learnt() {
    let client = ClientSession::new(key(1), 77, 0, 0);
    let mut server = ServerSession::new(key(1), SALT);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let mut client = client;
    // Telethon starts with salt 0: the server answers bad_server_salt and
    // new_session_created; the client adopts the salt and resends.
    let req = client.request(
        0x1fb33026_u32.to_le_bytes().to_vec(), /* help.getNearestDc */
    );
    let events = pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::NewSession { .. }))
    );
    assert_eq!(client.salt(), SALT);
    assert_eq!(results(&events).len(), 1);
    assert_eq!(results(&events)[0].0, req);
}

#[test]
fn salt_changes_make_the_client_resend() {
    let (mut client, mut server, mut rng) = pair();
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    server.set_salt(999);
    let req = client.request(vec![1, 2, 3, 4]);
    let events = pump(&mut client, &mut server, &mut rng, T0 + 10, &mut echo);
    assert_eq!(client.salt(), 999);
    assert_eq!(results(&events), vec![(req, vec![1, 2, 3, 4])]);
}

/// The client's clock is `skew_ms` off the server's, and its session
/// starts from an offset of 0 (as if saved when the clock was right): the
/// client never sees the server's clock except through messages.
fn skewed_round_trips(skew_ms: i64) {
    let mut client = ClientSession::new(key(1), 5, SALT, 0);
    let mut server = ServerSession::new(key(1), SALT);
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut server_now = T0;
    for round in 0..3u8 {
        let req = client.request(vec![round; 8]);
        let events = pump_at(
            &mut client,
            &mut server,
            &mut rng,
            server_now + skew_ms,
            server_now,
            &mut echo,
        );
        assert_eq!(
            results(&events),
            vec![(req, vec![round; 8])],
            "round {round} with the clock {skew_ms} ms off"
        );
        server_now += 5_000;
    }
    let corrected = i64::from(client.time_offset()) * 1000;
    assert!(
        (corrected + skew_ms).abs() <= 1000,
        "offset {corrected} ms for a skew of {skew_ms} ms"
    );
    assert!(client.time_synced());
}

#[test]
fn a_skewed_client_clock_is_corrected_by_bad_msg_notification() {
    skewed_round_trips(-10 * 60 * 1000);
}

#[test]
fn a_client_clock_an_hour_ahead_is_corrected() {
    skewed_round_trips(60 * 60 * 1000);
}

#[test]
fn small_skews_that_the_server_accepts_are_corrected_too() {
    // 60 s behind: the server accepts the client's ids (up to 300 s old),
    // but the server's ids look 60 s in the future to the client.
    skewed_round_trips(-60 * 1000);
    skewed_round_trips(20 * 1000);
    skewed_round_trips(120 * 1000);
}

#[test]
fn a_clock_that_jumps_mid_session_is_followed() {
    let (mut client, mut server, mut rng) = pair();
    let req = client.request(vec![1; 4]);
    let events = pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    assert_eq!(results(&events).len(), 1, "{req:?}");
    // The machine's clock is set back by 10 minutes while the session lives.
    let jump = -600_000;
    let req = client.request(vec![2; 4]);
    let events = pump_at(
        &mut client,
        &mut server,
        &mut rng,
        T0 + 1000 + jump,
        T0 + 1000,
        &mut echo,
    );
    assert_eq!(results(&events), vec![(req, vec![2; 4])]);
}

#[test]
fn a_server_clock_that_steps_back_mid_session_is_followed() {
    let (mut client, mut server, mut rng) = pair();
    // The server's clock is an hour ahead: the client learns it.
    let ahead = T0 + 3_600_000;
    let req = client.request(vec![1; 4]);
    let events = pump_at(&mut client, &mut server, &mut rng, T0, ahead, &mut echo);
    assert_eq!(results(&events), vec![(req, vec![1; 4])]);
    assert!((i64::from(client.time_offset()) - 3600).abs() <= 1);
    // Then it steps back ten minutes. The session keeps its time, so the
    // client's ids (synchronised with it) are still accepted, and the
    // server's ids keep growing.
    let last = server.poll_transmit(ahead, &mut rng);
    assert!(last.is_none());
    for round in 2..5u8 {
        let req = client.request(vec![round; 4]);
        let events = pump_at(
            &mut client,
            &mut server,
            &mut rng,
            T0 + 1000 * i64::from(round),
            ahead - 600_000 + 1000 * i64::from(round),
            &mut echo,
        );
        assert_eq!(
            results(&events),
            vec![(req, vec![round; 4])],
            "round {round}"
        );
    }
}

#[test]
fn a_server_that_lost_the_session_with_its_clock_stepped_back_is_followed() {
    let (mut client, mut server, mut rng) = pair();
    // The server's clock is an hour ahead: the client learns it, and its
    // window remembers the server's ids from an hour ahead.
    let ahead = T0 + 3_600_000;
    let req = client.request(vec![1; 4]);
    let events = pump_at(&mut client, &mut server, &mut rng, T0, ahead, &mut echo);
    assert_eq!(results(&events), vec![(req, vec![1; 4])]);
    // Then the server forgets the session and its clock is put right: the
    // new session's ids are an hour below everything the client has seen.
    // Its new_session_created (naming an id the client sent) must still be
    // taken, or every packet after it is refused as a replay, for ever.
    let mut server = ServerSession::new(key(1), SALT);
    for round in 2..5u8 {
        let req = client.request(vec![round; 4]);
        let now = T0 + 1000 * i64::from(round);
        let events = pump_at(&mut client, &mut server, &mut rng, now, now, &mut echo);
        assert_eq!(
            results(&events),
            vec![(req, vec![round; 4])],
            "round {round}"
        );
    }
    assert!(client.time_offset().abs() <= 1, "{}", client.time_offset());
}

#[test]
fn a_replayed_new_session_created_does_not_reopen_the_window() {
    let (mut client, mut server, mut rng) = pair();
    // Round trips, keeping what the server sent: the first packets carry
    // new_session_created; by the end the window has forgotten the early
    // ones (refusing everything at or below them).
    let mut sent_by_server = Vec::new();
    for round in 0..1200i64 {
        client.request(round.to_le_bytes().to_vec());
        let now = T0 + round;
        while let Some(packet) = client.poll_transmit(now, &mut rng) {
            for e in server.handle_packet(&packet, now, &mut rng).unwrap() {
                if let ServerEvent::Request { msg_id, body } = e {
                    server.respond(msg_id, &body);
                }
            }
        }
        while let Some(packet) = server.poll_transmit(now, &mut rng) {
            client.handle_packet(&packet, now).unwrap();
            sent_by_server.push(packet);
        }
    }
    // The announcement replayed is refused, and must not make the client
    // forget what it has seen: an early packet is refused after it too.
    let now = T0 + 1300;
    for packet in [&sent_by_server[0], &sent_by_server[20]] {
        assert!(
            matches!(
                client.handle_packet(packet, now),
                Err(SessionError::Replay { .. })
            ),
            "a replayed packet was taken"
        );
    }
}

#[test]
fn an_update_from_the_future_is_dropped_and_the_clock_probed() {
    let (mut client, mut server, mut rng) = pair();
    client.request(vec![1; 4]);
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    // The client's clock jumps back 2 minutes; the server pushes an update
    // whose id looks 2 minutes ahead: refused, not trusted for time...
    let client_now = T0 + 1000 - 120_000;
    server.push_update(UPDATES_TOO_LONG.to_vec());
    let packet = server.poll_transmit(T0 + 1000, &mut rng).unwrap();
    assert!(matches!(
        client.handle_packet(&packet, client_now),
        Err(SessionError::BadMsgIdTime { .. })
    ));
    // ...but a ping goes out at once, and its answer fixes the clock.
    assert!(client.has_queued(), "no clock probe");
    pump_at(
        &mut client,
        &mut server,
        &mut rng,
        client_now,
        T0 + 1000,
        &mut echo,
    );
    assert!((i64::from(client.time_offset()) - 120).abs() <= 1);
    server.push_update(UPDATES_TOO_LONG.to_vec());
    let events = pump_at(
        &mut client,
        &mut server,
        &mut rng,
        client_now + 10,
        T0 + 1010,
        &mut echo,
    );
    assert!(events.contains(&ClientEvent::Update(UPDATES_TOO_LONG.to_vec())));
}

#[test]
fn unanswered_requests_are_resent_after_reconnect() {
    let (mut client, mut server, mut rng) = pair();
    let req = client.request(vec![5; 12]);
    // Sent, but the connection dies before the server reads it.
    let _lost = client.poll_transmit(T0, &mut rng).unwrap();
    client.resend_unanswered(T0 + 1000);
    let mut executed = 0;
    let events = pump(
        &mut client,
        &mut server,
        &mut rng,
        T0 + 1000,
        &mut |s, id, b| {
            executed += 1;
            s.respond(id, b)
        },
    );
    assert_eq!(results(&events), vec![(req, vec![5; 12])]);
    assert_eq!(executed, 1);
}

/// Sends one request, lets the server execute it, and loses the answer.
fn executed_then_cut(
    answer_len: usize,
) -> (ClientSession, ServerSession, ChaCha20Rng, RequestId, u32) {
    let (mut client, mut server, mut rng) = pair();
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    let req = client.request(vec![7; 8]);
    let packet = client.poll_transmit(T0, &mut rng).unwrap();
    let mut executed = 0;
    for e in server.handle_packet(&packet, T0, &mut rng).unwrap() {
        if let ServerEvent::Request { msg_id, .. } = e {
            executed += 1;
            server.respond(msg_id, &vec![9; answer_len]);
        }
    }
    // The answer is sent, and lost with the connection.
    while server.poll_transmit(T0, &mut rng).is_some() {}
    (client, server, rng, req, executed)
}

#[test]
fn a_request_executed_before_the_connection_broke_is_answered_not_run_again() {
    let (mut client, mut server, mut rng, req, mut executed) = executed_then_cut(16);
    client.resend_unanswered(T0 + 2000);
    server.attach_connection();
    let events = pump(
        &mut client,
        &mut server,
        &mut rng,
        T0 + 2000,
        &mut |s, id, b| {
            executed += 1;
            s.respond(id, b)
        },
    );
    assert_eq!(executed, 1, "executed again");
    assert_eq!(results(&events), vec![(req, vec![9; 16])]);
}

#[test]
fn a_large_answer_goes_through_msg_detailed_info() {
    let (mut client, mut server, mut rng) = pair();
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    let big: Vec<u8> = (0..20_000u32)
        .flat_map(|i| (i * 7919).to_le_bytes())
        .collect();
    let req = client.request(vec![3; 8]);
    let packet = client.poll_transmit(T0, &mut rng).unwrap();
    let mut executed = 0;
    for e in server.handle_packet(&packet, T0, &mut rng).unwrap() {
        if let ServerEvent::Request { msg_id, .. } = e {
            executed += 1;
            server.respond(msg_id, &big);
        }
    }
    while server.poll_transmit(T0, &mut rng).is_some() {}
    client.resend_unanswered(T0 + 1000);
    let mut infos = 0;
    let mut answered = None;
    for _ in 0..10 {
        while let Some(p) = client.poll_transmit(T0 + 1000, &mut rng) {
            for e in server.handle_packet(&p, T0 + 1000, &mut rng).unwrap() {
                if matches!(e, ServerEvent::Request { .. }) {
                    executed += 1;
                }
            }
        }
        while let Some(p) = server.poll_transmit(T0 + 1000, &mut rng) {
            let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &p).unwrap();
            infos += usize::from(contains(&msg.body, service::MSG_DETAILED_INFO));
            for (id, body) in results(&client.handle_packet(&p, T0 + 1000).unwrap()) {
                answered = Some((id, body));
            }
        }
    }
    assert_eq!(infos, 1, "the repeat is announced, not answered whole");
    assert_eq!(answered, Some((req, big)));
    assert_eq!(executed, 1);
}

/// Whether a message body (or a container's messages) starts with `id`.
fn contains(body: &[u8], id: u32) -> bool {
    match container::unpack(body) {
        Ok(inner) => inner.iter().any(|m| container::id_of(m.body) == Some(id)),
        Err(_) => container::id_of(body) == Some(id),
    }
}

#[test]
fn ping_is_answered_by_the_session_itself() {
    let (mut client, mut server, mut rng) = pair();
    let req = client.request(functions::Ping { ping_id: 42 }.to_bytes());
    let events = pump(&mut client, &mut server, &mut rng, T0, &mut |_, _, _| {
        panic!("ping reached the app")
    });
    let got = results(&events);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, req);
    let enums::Pong::Pong(pong) = enums::Pong::from_bytes(&got[0].1).unwrap();
    assert_eq!(pong.ping_id, 42);
}

#[test]
fn service_requests_are_answered() {
    let (mut client, mut server, mut rng) = pair();
    let salts = client.request(functions::GetFutureSalts { num: 3 }.to_bytes());
    let destroy = client.request(functions::DestroySession { session_id: 1 }.to_bytes());
    let events = pump(&mut client, &mut server, &mut rng, T0, &mut |_, _, _| {
        panic!("reached the app")
    });
    let got = results(&events);
    let salts = got.iter().find(|(id, _)| *id == salts).unwrap();
    let enums::FutureSalts::FutureSalts(s) = enums::FutureSalts::from_bytes(&salts.1).unwrap();
    assert_eq!(s.salts.len(), 3);
    let destroy = got.iter().find(|(id, _)| *id == destroy).unwrap();
    assert!(matches!(
        enums::DestroySessionRes::from_bytes(&destroy.1).unwrap(),
        enums::DestroySessionRes::DestroySessionOk(_)
    ));
}

#[test]
fn updates_pushed_by_the_server_reach_the_client() {
    let (mut client, mut server, mut rng) = pair();
    // The server learns the session from the client's first message.
    client.request(vec![1; 4]);
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    let update = UPDATES_TOO_LONG.to_vec();
    server.push_update(update.clone());
    let events = pump(&mut client, &mut server, &mut rng, T0 + 5, &mut echo);
    assert!(events.contains(&ClientEvent::Update(update)), "{events:?}");
}

// ---- every incoming check, violated ------------------------------------

fn server_packet(header: Header, body: &[u8]) -> Vec<u8> {
    envelope::encrypt(
        &key(1),
        Direction::ServerToClient,
        header,
        body,
        &mut ChaCha20Rng::seed_from_u64(9),
    )
}

fn good_header(msg_id: i64) -> Header {
    Header {
        salt: SALT,
        session_id: 0x5e55_1011,
        msg_id,
        seq_no: 1,
    }
}

fn server_id(now_ms: i64) -> i64 {
    ((now_ms / 1000) << 32) | 1
}

#[test]
fn client_checks_every_incoming_packet() {
    let (mut client, _, _) = pair();
    let body = UPDATES_TOO_LONG.to_vec();
    let ok = server_packet(good_header(server_id(T0)), &body);
    assert!(client.handle_packet(&ok, T0).is_ok());

    // Replayed.
    assert!(matches!(
        client.handle_packet(&ok, T0),
        Err(SessionError::Replay { .. })
    ));
    // Another key.
    let other = envelope::encrypt(
        &key(2),
        Direction::ServerToClient,
        good_header(server_id(T0) + 4),
        &body,
        &mut ChaCha20Rng::seed_from_u64(1),
    );
    assert!(matches!(
        client.handle_packet(&other, T0),
        Err(SessionError::WrongAuthKey { .. })
    ));
    // A flipped ciphertext bit: msg_key no longer matches.
    let mut flipped = server_packet(good_header(server_id(T0) + 8), &body);
    let n = flipped.len();
    flipped[n - 5] ^= 1;
    assert!(matches!(
        client.handle_packet(&flipped, T0),
        Err(SessionError::MsgKeyMismatch)
    ));
    // Wrong direction (a client-to-server key derivation).
    let wrong_way = envelope::encrypt(
        &key(1),
        Direction::ClientToServer,
        good_header(server_id(T0) + 12),
        &body,
        &mut ChaCha20Rng::seed_from_u64(1),
    );
    assert!(matches!(
        client.handle_packet(&wrong_way, T0),
        Err(SessionError::MsgKeyMismatch)
    ));
    // Another session.
    let mut h = good_header(server_id(T0) + 16);
    h.session_id = 1;
    assert!(matches!(
        client.handle_packet(&server_packet(h, &body), T0),
        Err(SessionError::WrongSession { .. })
    ));
    // Even msg_id: a client's, not a server's.
    let h = good_header(server_id(T0) + 19);
    assert!(matches!(
        client.handle_packet(&server_packet(h, &body), T0),
        Err(SessionError::BadMsgIdParity { .. })
    ));
    // Too old and too far in the future.
    let h = good_header(server_id(T0 - 301_000));
    assert!(matches!(
        client.handle_packet(&server_packet(h, &body), T0),
        Err(SessionError::BadMsgIdTime { .. })
    ));
    let h = good_header(server_id(T0 + 31_000));
    assert!(matches!(
        client.handle_packet(&server_packet(h, &body), T0),
        Err(SessionError::BadMsgIdTime { .. })
    ));
    // Truncated, misaligned.
    assert!(matches!(
        client.handle_packet(&ok[..40], T0),
        Err(SessionError::TooShort { .. })
    ));
    assert!(matches!(
        client.handle_packet(&ok[..ok.len() - 3], T0),
        Err(SessionError::NotAligned { .. })
    ));
}

/// Builds a packet by hand with a chosen declared length and padding.
fn raw_packet(declared_len: u32, body: &[u8], padding: usize) -> Vec<u8> {
    let k = key(1);
    let mut plain = Vec::new();
    plain.extend(SALT.to_le_bytes());
    plain.extend(0x5e55_1011i64.to_le_bytes());
    plain.extend(server_id(T0).to_le_bytes());
    plain.extend(1i32.to_le_bytes());
    plain.extend(declared_len.to_le_bytes());
    plain.extend(body);
    plain.extend(vec![0u8; padding]);
    let msg_key = paperplane_crypto::auth_key::encrypt_message_data_in_place(
        &k,
        Direction::ServerToClient,
        &mut plain,
    )
    .unwrap();
    let mut out = k.key_id_bytes().to_vec();
    out.extend(msg_key);
    out.extend(plain);
    out
}

#[test]
fn padding_and_length_bounds_are_enforced() {
    let body = [0u8; 16];
    let (mut client, _, _) = pair();
    // 8 bytes of padding: below the minimum of 12.
    let short_pad = raw_packet(24, &[0u8; 24], 8);
    assert!(matches!(
        client.handle_packet(&short_pad, T0),
        Err(SessionError::BadPadding { padding: 8 })
    ));
    // 1040 bytes: above 1024.
    let long_pad = raw_packet(16, &body, 1040);
    assert!(matches!(
        client.handle_packet(&long_pad, T0),
        Err(SessionError::BadPadding { padding: 1040 })
    ));
    // A declared length past the end.
    let lying = raw_packet(10_000, &body, 16);
    assert!(matches!(
        client.handle_packet(&lying, T0),
        Err(SessionError::BadLength { len: 10_000 })
    ));
    // Not a multiple of four.
    let odd = raw_packet(14, &body, 16);
    assert!(matches!(
        client.handle_packet(&odd, T0),
        Err(SessionError::BadLength { len: 14 })
    ));
}

#[test]
fn server_answers_bad_msg_ids_like_telegram() {
    let (mut client, mut server, mut rng) = pair();
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    let send = |server: &mut ServerSession, msg_id: i64, rng: &mut ChaCha20Rng| {
        let h = Header {
            salt: SALT,
            session_id: 0x5e55_1011,
            msg_id,
            seq_no: 1,
        };
        let p = envelope::encrypt(&key(1), Direction::ClientToServer, h, &[1, 2, 3, 4], rng);
        server.handle_packet(&p, T0, rng)
    };
    let base = (T0 / 1000) << 32;
    for (msg_id, code) in [
        (base + 1, 18),
        (base - (400 << 32), 16),
        (base + (60 << 32), 17),
    ] {
        assert_eq!(
            send(&mut server, msg_id, &mut rng).unwrap(),
            vec![],
            "code {code}"
        );
        let notice = server.poll_transmit(T0, &mut rng).unwrap();
        let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &notice).unwrap();
        let mut found = None;
        let bodies: Vec<Vec<u8>> = if container::id_of(&msg.body) == Some(container::MSG_CONTAINER)
        {
            container::unpack(&msg.body)
                .unwrap()
                .into_iter()
                .map(|m| m.body.to_vec())
                .collect()
        } else {
            vec![msg.body]
        };
        for b in bodies {
            if let Ok(enums::BadMsgNotification::BadMsgNotification(n)) =
                enums::BadMsgNotification::from_bytes(&b)
            {
                found = Some(n.error_code);
            }
        }
        assert_eq!(found, Some(code));
    }
    // A replay is never handed up twice.
    let id = base + 4000;
    assert_eq!(send(&mut server, id, &mut rng).unwrap().len(), 1);
    assert_eq!(send(&mut server, id, &mut rng).unwrap(), vec![]);
}

#[test]
fn random_garbage_never_panics() {
    let (mut client, mut server, mut rng) = pair();
    let mut buf = vec![0u8; 200];
    for len in [0usize, 7, 24, 56, 64, 72, 200] {
        for _ in 0..50 {
            rng.fill_bytes(&mut buf);
            let _ = client.handle_packet(&buf[..len], T0);
            let _ = server.handle_packet(&buf[..len], T0, &mut rng);
            // With the right key id in front too.
            buf[..8].copy_from_slice(&key(1).key_id_bytes());
            let _ = client.handle_packet(&buf[..len.max(8)], T0);
            let _ = server.handle_packet(&buf[..len.max(8)], T0, &mut rng);
        }
    }
    let _ = types::Pong {
        msg_id: 0,
        ping_id: 0,
    };
}

#[test]
fn msgs_state_req_is_answered_from_what_the_server_knows() {
    let (mut client, mut server, mut rng) = pair();
    let answered = client.request(vec![1; 4]);
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    let running = client.request(vec![2; 4]);
    // Handed up but not answered yet.
    pump(
        &mut client,
        &mut server,
        &mut rng,
        T0 + 1,
        &mut |_, _, _| {},
    );
    let running_id = client.msg_id_of(running).unwrap();
    let never_sent = running_id - 4;
    let ahead = running_id + (10 << 32);
    let ancient = running_id - (1000 << 32);
    let _ = answered;
    let ids = vec![running_id, never_sent, ahead, ancient];
    let req = client.request(
        enums::MsgsStateReq::MsgsStateReq(types::MsgsStateReq {
            msg_ids: ids.clone(),
        })
        .to_bytes(),
    );
    let events = pump(
        &mut client,
        &mut server,
        &mut rng,
        T0 + 2,
        &mut |_, _, _| panic!("reached the app"),
    );
    let (_, body) = results(&events)
        .into_iter()
        .find(|(id, _)| *id == req)
        .expect("msgs_state_info answers the request");
    let enums::MsgsStateInfo::MsgsStateInfo(info) =
        enums::MsgsStateInfo::from_bytes(&body).unwrap();
    assert_eq!(info.info.len(), ids.len());
    assert_eq!(info.info[0], 4 | 32, "received, being processed");
    assert_eq!(info.info[1], 2, "never received, inside the window");
    assert_eq!(info.info[2], 3, "newer than anything received");
    assert_eq!(info.info[3], 1, "older than the time window: unknown");
}

#[test]
fn answered_requests_report_their_answer_in_msgs_state_info() {
    let (mut client, mut server, mut rng, first, _) = executed_then_cut(4);
    let first_id = client.msg_id_of(first).unwrap();
    // The client asks about its request.
    let req = client.request(
        enums::MsgsStateReq::MsgsStateReq(types::MsgsStateReq {
            msg_ids: vec![first_id],
        })
        .to_bytes(),
    );
    let events = pump(&mut client, &mut server, &mut rng, T0 + 1, &mut echo);
    let (_, body) = results(&events)
        .into_iter()
        .find(|(id, _)| *id == req)
        .unwrap();
    let enums::MsgsStateInfo::MsgsStateInfo(info) =
        enums::MsgsStateInfo::from_bytes(&body).unwrap();
    assert_eq!(info.info, vec![4 | 32 | 64]);
}

#[test]
fn msg_resend_ans_req_brings_a_lost_answer_back() {
    let (mut client, mut server, mut rng, first, _) = executed_then_cut(8);
    let first_id = client.msg_id_of(first).unwrap();
    client.request(
        enums::MsgResendReq::MsgResendAnsReq(types::MsgResendAnsReq {
            msg_ids: vec![first_id],
        })
        .to_bytes(),
    );
    let mut executed = 0;
    let events = pump(
        &mut client,
        &mut server,
        &mut rng,
        T0 + 1,
        &mut |_, _, _| {
            executed += 1;
        },
    );
    assert!(
        results(&events).contains(&(first, vec![9; 8])),
        "{events:?}"
    );
    assert_eq!(executed, 0);
}

// ---- rotating salts ----------------------------------------------------

/// A schedule of 10-second windows whose salt is the window number.
fn ten_second_salts() -> Box<dyn Fn(i64) -> types::FutureSalt + Send> {
    Box::new(|now| {
        let epoch = now.div_euclid(10);
        types::FutureSalt {
            valid_since: (epoch * 10) as i32,
            valid_until: (epoch * 10 + 10) as i32,
            salt: epoch,
        }
    })
}

/// Sends `body` with `salt` at `now_ms`; returns whether it reached the
/// app, and the `bad_server_salt` answer's new salt if there was one.
fn send_with_salt(
    server: &mut ServerSession,
    salt: i64,
    msg_id: i64,
    now_ms: i64,
) -> (bool, Option<i64>) {
    let mut rng = ChaCha20Rng::seed_from_u64(msg_id as u64);
    // Content-related seq_nos that grow with the ids.
    let seq_no = ((msg_id & 0xffff) / 4 * 2 + 1) as i32;
    let header = Header {
        salt,
        session_id: 0x5e55_1011,
        msg_id,
        seq_no,
    };
    let packet = envelope::encrypt(
        &key(1),
        Direction::ClientToServer,
        header,
        &[7; 8],
        &mut rng,
    );
    let reached = !server
        .handle_packet(&packet, now_ms, &mut rng)
        .unwrap()
        .is_empty();
    let mut new_salt = None;
    while let Some(out) = server.poll_transmit(now_ms, &mut rng) {
        let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &out).unwrap();
        let bodies = match container::id_of(&msg.body) {
            Some(container::MSG_CONTAINER) => container::unpack(&msg.body)
                .unwrap()
                .into_iter()
                .map(|m| m.body.to_vec())
                .collect(),
            _ => vec![msg.body],
        };
        for body in bodies {
            if let Ok(enums::BadMsgNotification::BadServerSalt(bad)) =
                enums::BadMsgNotification::from_bytes(&body)
            {
                new_salt = Some(bad.new_server_salt);
            }
        }
    }
    (reached, new_salt)
}

#[test]
fn the_current_and_the_previous_salt_are_accepted() {
    let mut server = ServerSession::with_salts(key(1), ten_second_salts());
    let now = 1_700_000_005_000; // window 170_000_000
    let epoch = 170_000_000;
    let id = |n: i64| ((now / 1000) << 32) + n * 4;
    assert_eq!(server.salt(now), epoch);
    assert_eq!(send_with_salt(&mut server, epoch, id(1), now), (true, None));
    assert_eq!(
        send_with_salt(&mut server, epoch - 1, id(2), now),
        (true, None)
    );
    // Two windows old, a future one, or garbage: refused with the current.
    for (n, salt) in [(3, epoch - 2), (4, epoch + 1), (5, 0)] {
        assert_eq!(
            send_with_salt(&mut server, salt, id(n), now),
            (false, Some(epoch))
        );
    }
}

#[test]
fn future_salts_follow_the_schedule() {
    let (mut client, _, mut rng) = pair();
    let mut server = ServerSession::with_salts(key(1), ten_second_salts());
    let now = 1_700_000_005_000;
    client.request(vec![1; 4]);
    pump(&mut client, &mut server, &mut rng, now, &mut echo);
    let req = client.request(functions::GetFutureSalts { num: 4 }.to_bytes());
    let events = pump(&mut client, &mut server, &mut rng, now, &mut echo);
    let got = results(&events);
    let (_, body) = got.iter().find(|(id, _)| *id == req).unwrap();
    let enums::FutureSalts::FutureSalts(s) = enums::FutureSalts::from_bytes(body).unwrap();
    assert_eq!(s.now, 1_700_000_005);
    let windows: Vec<(i32, i32, i64)> = s
        .salts
        .iter()
        .map(|f| (f.valid_since, f.valid_until, f.salt))
        .collect();
    assert_eq!(
        windows,
        (0..4)
            .map(|i| (
                1_700_000_000 + 10 * i,
                1_700_000_010 + 10 * i,
                170_000_000 + i as i64
            ))
            .collect::<Vec<_>>()
    );
    // Each announced salt is accepted in its window.
    for (n, (since, _, salt)) in windows.into_iter().enumerate() {
        let mut server = ServerSession::with_salts(key(1), ten_second_salts());
        let at = i64::from(since) * 1000 + 500;
        let msg_id = (i64::from(since) << 32) + 4 * (n as i64 + 1);
        assert_eq!(send_with_salt(&mut server, salt, msg_id, at).1, None);
    }
}

#[test]
fn the_client_follows_rotating_salts() {
    let (mut client, _, mut rng) = pair();
    let mut server = ServerSession::with_salts(key(1), ten_second_salts());
    let mut now = 1_700_000_000_000;
    for round in 0..6u8 {
        let req = client.request(vec![round; 4]);
        let events = pump(&mut client, &mut server, &mut rng, now, &mut echo);
        assert_eq!(results(&events), vec![(req, vec![round; 4])]);
        // Two windows later the client's salt is too old.
        now += 20_000;
    }
}

#[test]
fn unanswered_requests_can_move_to_another_session() {
    let (mut client, _server, mut rng) = pair();
    let first = client.request(functions::Ping { ping_id: 1 }.to_bytes());
    assert!(client.poll_transmit(T0, &mut rng).is_some());
    let second = client.request(functions::Ping { ping_id: 2 }.to_bytes());
    let taken = client.take_unanswered();
    assert_eq!(
        taken,
        vec![
            (first, functions::Ping { ping_id: 1 }.to_bytes()),
            (second, functions::Ping { ping_id: 2 }.to_bytes()),
        ]
    );
    assert_eq!(client.pending().count(), 0);
    assert!(!client.has_queued());
}

// ---- one bad message never poisons its neighbours --------------------

/// Two requests sent; returns their ids and msg_ids.
fn two_sent(client: &mut ClientSession, rng: &mut ChaCha20Rng) -> [(RequestId, i64); 2] {
    let a = client.request(vec![1; 4]);
    let b = client.request(vec![2; 4]);
    client.poll_transmit(T0, rng).unwrap();
    [a, b].map(|r| (r, client.msg_id_of(r).unwrap()))
}

fn container_packet(container_id: i64, seq: i32, inner: &[(i64, i32, Vec<u8>)]) -> Vec<u8> {
    let body = container::pack(inner.iter().map(|(id, seq, b)| (*id, *seq, b.as_slice())));
    let mut h = good_header(container_id);
    h.seq_no = seq;
    server_packet(h, &body)
}

#[test]
fn an_undecodable_answer_fails_alone_and_its_neighbours_are_delivered() {
    let (mut client, _, mut rng) = pair();
    let [(a, a_id), (b, b_id)] = two_sent(&mut client, &mut rng);
    // A gzip_packed that does not inflate, for the first request.
    let mut broken_gzip = container::GZIP_PACKED.to_le_bytes().to_vec();
    paperplane_tl::serialize::write_bytes(&[1, 2, 3, 4, 5, 6, 7], &mut broken_gzip);
    let base = server_id(T0);
    let packet = container_packet(
        base + 16,
        6,
        &[
            (base, 1, container::rpc_result(a_id, &broken_gzip)),
            (base + 4, 3, container::rpc_result(b_id, &[7; 8])),
        ],
    );
    let events = client.handle_packet(&packet, T0).unwrap();
    assert!(
        events.contains(&ClientEvent::Result {
            request: b,
            result: Ok(vec![7; 8])
        }),
        "{events:?}"
    );
    assert!(events.iter().any(|e| matches!(
        e,
        ClientEvent::Malformed { request, constructor: Some(container::GZIP_PACKED), error: SessionError::BadGzip }
            if *request == a
    )));
    assert_eq!(client.pending().count(), 0, "nobody waits forever");
}

#[test]
fn an_undecodable_rpc_error_fails_its_request_with_a_decode_error() {
    let (mut client, _, mut rng) = pair();
    let [(a, a_id), (b, b_id)] = two_sent(&mut client, &mut rng);
    let mut truncated_error = service::RPC_ERROR.to_le_bytes().to_vec();
    truncated_error.extend([0x90, 0x01, 0, 0]); // the code, and no message
    let base = server_id(T0);
    let packet = container_packet(
        base + 16,
        6,
        &[
            (base, 1, container::rpc_result(a_id, &truncated_error)),
            (base + 4, 3, container::rpc_result(b_id, &[8; 4])),
            // A service message that does not decode.
            (base + 8, 5, service::PONG.to_le_bytes().to_vec()),
        ],
    );
    let events = client.handle_packet(&packet, T0).unwrap();
    assert!(events.iter().any(|e| matches!(
        e,
        ClientEvent::Malformed { request, constructor: Some(service::RPC_ERROR), error: SessionError::Decode(_) }
            if *request == a
    )));
    assert!(events.contains(&ClientEvent::Result {
        request: b,
        result: Ok(vec![8; 4])
    }));
    assert!(events.iter().any(|e| matches!(
        e,
        ClientEvent::Skipped { msg_id, error: SessionError::Decode(_) } if *msg_id == base + 8
    )));
}

#[test]
fn inner_ids_must_be_below_the_container_and_seq_nos_consistent() {
    let (mut client, _, mut rng) = pair();
    let [(a, a_id), (b, b_id)] = two_sent(&mut client, &mut rng);
    let base = server_id(T0);
    let packet = container_packet(
        base + 8,
        6,
        &[
            // Newer than its container.
            (base + 12, 1, container::rpc_result(a_id, &[1; 4])),
            // An answer must carry an odd seq_no.
            (base + 4, 2, container::rpc_result(b_id, &[2; 4])),
        ],
    );
    let events = client.handle_packet(&packet, T0).unwrap();
    assert!(results(&events).is_empty(), "{events:?}");
    assert!(events.contains(&ClientEvent::Skipped {
        msg_id: base + 12,
        error: SessionError::InnerIdNotBelowContainer {
            msg_id: base + 12,
            container: base + 8
        }
    }));
    assert!(events.contains(&ClientEvent::Skipped {
        msg_id: base + 4,
        error: SessionError::BadSeqNo {
            msg_id: base + 4,
            seq_no: 2
        }
    }));
    // A seq_no lower than an earlier message's.
    let later = server_packet(
        Header {
            seq_no: 7,
            ..good_header(base + 20)
        },
        &container::rpc_result(a_id, &[1; 4]),
    );
    assert_eq!(results(&client.handle_packet(&later, T0).unwrap()).len(), 1);
    let earlier_higher = server_packet(
        Header {
            seq_no: 9,
            ..good_header(base + 16)
        },
        &container::rpc_result(b_id, &[2; 4]),
    );
    let events = client.handle_packet(&earlier_higher, T0).unwrap();
    assert!(matches!(
        events.as_slice(),
        [ClientEvent::Skipped {
            error: SessionError::BadSeqNo { .. },
            ..
        }]
    ));
    let _ = (a, b);
}

// ---- the server's checks of the client's messages ---------------------

/// Sends `inner` (one message, or several in a container with id
/// `container`) to `server` and returns the codes of the
/// `bad_msg_notification`s it answers with, and the requests handed up.
fn server_verdict(
    server: &mut ServerSession,
    container: Option<(i64, i32)>,
    inner: &[(i64, i32, Vec<u8>)],
) -> (Vec<i32>, usize) {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let (header, body) = match container {
        Some((id, seq)) => (
            Header {
                salt: SALT,
                session_id: 0x5e55_1011,
                msg_id: id,
                seq_no: seq,
            },
            container::pack(inner.iter().map(|(id, seq, b)| (*id, *seq, b.as_slice()))),
        ),
        None => (
            Header {
                salt: SALT,
                session_id: 0x5e55_1011,
                msg_id: inner[0].0,
                seq_no: inner[0].1,
            },
            inner[0].2.clone(),
        ),
    };
    let packet = envelope::encrypt(&key(1), Direction::ClientToServer, header, &body, &mut rng);
    let requests = server
        .handle_packet(&packet, T0, &mut rng)
        .unwrap()
        .into_iter()
        .filter(|e| matches!(e, ServerEvent::Request { .. }))
        .count();
    let mut codes = Vec::new();
    while let Some(out) = server.poll_transmit(T0, &mut rng) {
        let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &out).unwrap();
        let bodies = match container::unpack(&msg.body) {
            Ok(inner) => inner.into_iter().map(|m| m.body.to_vec()).collect(),
            Err(_) => vec![msg.body],
        };
        for b in bodies {
            if let Ok(enums::BadMsgNotification::BadMsgNotification(n)) =
                enums::BadMsgNotification::from_bytes(&b)
            {
                codes.push(n.error_code);
            }
        }
    }
    (codes, requests)
}

#[test]
fn the_server_answers_seq_no_and_container_errors_like_telegram() {
    let mut server = ServerSession::new(key(1), SALT);
    let base = (T0 / 1000) << 32;
    let request = vec![1, 2, 3, 4];
    let ack = enums::MsgsAck::MsgsAck(types::MsgsAck { msg_ids: vec![1] }).to_bytes();
    assert_eq!(
        server_verdict(&mut server, None, &[(base + 400, 5, request.clone())]),
        (vec![], 1)
    );
    // 32: lower than an earlier message's seq_no; 33: higher than a later's.
    for (id, seq, code) in [
        (base + 800, 3, 32),
        (base + 200, 7, 33),
        (base + 800, 5, 32),
    ] {
        assert_eq!(
            server_verdict(&mut server, None, &[(id, seq, request.clone())]),
            (vec![code], 0),
            "{id:#x} {seq}"
        );
    }
    // 34: an ack with an odd seq_no; 35: a request with an even one.
    assert_eq!(
        server_verdict(&mut server, None, &[(base + 900, 7, ack.clone())]),
        (vec![34], 0)
    );
    assert_eq!(
        server_verdict(&mut server, None, &[(base + 904, 8, request.clone())]),
        (vec![35], 0)
    );
    // 64: a message inside a container newer than the container.
    assert_eq!(
        server_verdict(
            &mut server,
            Some((base + 1000, 8)),
            &[(base + 1004, 7, request.clone())]
        ),
        (vec![64], 0)
    );
    // A good container still works, and nothing above was executed.
    assert_eq!(
        server_verdict(
            &mut server,
            Some((base + 1100, 10)),
            &[(base + 1096, 9, request.clone()), (base + 1092, 8, ack)]
        ),
        (vec![], 1)
    );
}

#[test]
fn a_bad_message_in_a_clients_container_does_not_stop_its_neighbours() {
    let mut server = ServerSession::new(key(1), SALT);
    let base = (T0 / 1000) << 32;
    // A ping cut short, between two requests.
    let (codes, requests) = server_verdict(
        &mut server,
        Some((base + 100, 6)),
        &[
            (base + 4, 1, vec![1, 2, 3, 4]),
            (base + 8, 3, service::PING.to_le_bytes().to_vec()),
            (base + 12, 5, vec![5, 6, 7, 8]),
        ],
    );
    assert_eq!((codes, requests), (vec![], 2));
}

/// Every number a peer (or a clock) controls, at its extremes: nothing
/// overflows (tests run in debug builds, where overflow panics).
#[test]
fn extreme_values_from_the_peer_never_overflow() {
    let (mut client, mut server, mut rng) = pair();
    let [(_, a_id), (_, b_id)] = two_sent(&mut client, &mut rng);
    let base = server_id(T0);
    let notices: Vec<Vec<u8>> = [
        (a_id, i32::MAX, 32),
        (b_id, i32::MIN, 32),
        (a_id, i32::MAX, 33),
    ]
    .into_iter()
    .map(|(bad_msg_id, bad_msg_seqno, error_code)| {
        enums::BadMsgNotification::BadMsgNotification(types::BadMsgNotification {
            bad_msg_id,
            bad_msg_seqno,
            error_code,
        })
        .to_bytes()
    })
    .collect();
    for (n, notice) in notices.iter().enumerate() {
        let h = Header {
            seq_no: 2 * n as i32 + 1,
            ..good_header(base + 4 * n as i64)
        };
        let _ = client.handle_packet(&server_packet(h, notice), T0);
    }
    for now in [i64::MIN, -1, 0, i64::MAX] {
        let _ = client.poll_transmit(now, &mut rng);
        let _ = client.handle_packet(
            &server_packet(good_header(i64::MAX), &UPDATES_TOO_LONG),
            now,
        );
        let _ = client.handle_packet(
            &server_packet(good_header(i64::MIN | 1), &UPDATES_TOO_LONG),
            now,
        );
        client.resend_unanswered(now);
    }
    // A server told to hand out salts and pongs for absurd inputs.
    for num in [i32::MIN, -1, 0, i32::MAX] {
        client.request(functions::GetFutureSalts { num }.to_bytes());
    }
    client.request(
        functions::PingDelayDisconnect {
            ping_id: i64::MIN,
            disconnect_delay: i32::MIN,
        }
        .to_bytes(),
    );
    let mut fresh = ClientSession::new(key(1), 0x5e55_1011, SALT, 0);
    fresh.request(functions::GetFutureSalts { num: i32::MAX }.to_bytes());
    pump(&mut fresh, &mut server, &mut rng, T0, &mut echo);
    for now in [i64::MIN, 0, i64::MAX] {
        let _ = server.poll_transmit(now, &mut rng);
        let _ = server.salt(now);
    }
}

#[test]
fn an_update_lost_with_its_connection_is_offered_again_and_fetched() {
    let (mut client, mut server, mut rng) = pair();
    client.request(vec![1; 4]);
    pump(&mut client, &mut server, &mut rng, T0, &mut echo);
    server.push_update(UPDATES_TOO_LONG.to_vec());
    // Sent, never received, never acknowledged.
    let lost = server.poll_transmit(T0 + 1, &mut rng).unwrap();
    // The client comes back on a new connection, in the same session.
    server.attach_connection();
    let mut offered = false;
    let mut got = Vec::new();
    for _ in 0..5 {
        while let Some(p) = server.poll_transmit(T0 + 2, &mut rng) {
            let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &p).unwrap();
            offered |= contains(&msg.body, service::MSG_NEW_DETAILED_INFO);
            got.extend(client.handle_packet(&p, T0 + 2).unwrap());
        }
        while let Some(p) = client.poll_transmit(T0 + 2, &mut rng) {
            server.handle_packet(&p, T0 + 2, &mut rng).unwrap();
        }
    }
    assert!(offered, "msg_new_detailed_info was not sent");
    assert!(
        got.contains(&ClientEvent::Update(UPDATES_TOO_LONG.to_vec())),
        "{got:?}"
    );
    // Had it arrived after all, it is a duplicate now.
    assert!(matches!(
        client.handle_packet(&lost, T0 + 3),
        Err(SessionError::Replay { .. })
    ));
    // Acknowledged: nothing more is offered on the next connection.
    server.attach_connection();
    let mut again = false;
    while let Some(p) = server.poll_transmit(T0 + 4, &mut rng) {
        let msg = envelope::decrypt(&key(1), Direction::ServerToClient, &p).unwrap();
        again |= contains(&msg.body, service::MSG_NEW_DETAILED_INFO);
    }
    assert!(!again, "offered again after the client acknowledged it");
}

#[test]
fn the_answer_cache_is_bounded_emptied_by_acks_and_expires() {
    let (mut client, mut server, mut rng) = pair();
    // Answers the client never acknowledges: at most MAX_ANSWERS are kept.
    for round in 0..3 {
        for _ in 0..500 {
            client.request(vec![round; 64]);
        }
        let now = T0 + i64::from(round);
        while let Some(p) = client.poll_transmit(now, &mut rng) {
            for e in server.handle_packet(&p, now, &mut rng).unwrap() {
                if let ServerEvent::Request { msg_id, body } = e {
                    server.respond(msg_id, &body);
                }
            }
        }
        while server.poll_transmit(now, &mut rng).is_some() {}
    }
    let (count, bytes) = server.cached_answers();
    assert_eq!(count, 1024);
    assert!(bytes < 1024 * 200, "{bytes}");
    // Past the time a client may resend, they are dropped.
    let late = T0 + (MAX_PAST + MAX_FUTURE + 5) * 1000;
    client.request(vec![1; 4]);
    client.resend_unanswered(late);
    pump(&mut client, &mut server, &mut rng, late, &mut echo);
    assert_eq!(server.cached_answers().0, 0, "acked or expired");
}

#[test]
fn a_server_that_lost_the_session_is_followed() {
    let (mut client, mut server, mut rng) = pair();
    for i in 0..20u8 {
        let req = client.request(vec![i; 4]);
        let events = pump(
            &mut client,
            &mut server,
            &mut rng,
            T0 + i64::from(i),
            &mut echo,
        );
        assert_eq!(results(&events), vec![(req, vec![i; 4])]);
    }
    // The server restarts: a new session object, seq_nos from zero.
    let mut restarted = ServerSession::new(key(1), SALT);
    let req = client.request(vec![99; 4]);
    let events = pump(&mut client, &mut restarted, &mut rng, T0 + 100, &mut echo);
    assert_eq!(results(&events), vec![(req, vec![99; 4])]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, ClientEvent::NewSession { .. }))
    );
}
