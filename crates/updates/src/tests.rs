//! The engine's rules, one test each, driven with fixed inputs and times.

use paperplane_tl::{enums, types};

use crate::{Batch, Config, Engine, Incoming, Output, State};

/// An update on the account's pts: `updateDeleteMessages` of message `pts`.
fn on_pts(pts: i32) -> enums::Update {
    types::UpdateDeleteMessages {
        messages: vec![pts],
        pts,
        pts_count: 1,
    }
    .into()
}

/// An update on qts.
fn on_qts(qts: i32) -> enums::Update {
    types::UpdateBotStopped {
        user_id: i64::from(qts),
        date: 0,
        stopped: false,
        qts,
    }
    .into()
}

/// An update on channel `id`'s pts.
fn on_channel(id: i64, pts: i32) -> enums::Update {
    types::UpdateDeleteChannelMessages {
        channel_id: id,
        messages: vec![pts],
        pts,
        pts_count: 1,
    }
    .into()
}

/// An update on no counter.
fn unordered(user_id: i64) -> enums::Update {
    types::UpdateUserTyping {
        user_id,
        top_msg_id: None,
        action: enums::SendMessageAction::SendMessageTypingAction,
    }
    .into()
}

fn message(id: i32) -> enums::Message {
    types::MessageEmpty {
        id,
        peer_id: Some(types::PeerUser { user_id: 1 }.into()),
    }
    .into()
}

fn engine_at(pts: i32, qts: i32, seq: i32) -> Engine {
    let state = State {
        pts,
        qts,
        seq,
        date: 100,
        ..State::default()
    };
    Engine::new(Some(state), Config::default())
}

fn one(update: enums::Update) -> Incoming {
    Incoming::one(update, 0)
}

/// Everything the engine has to say, in order.
/// Nothing is due but the idle poll.
#[track_caller]
fn assert_only_idle(e: &Engine) {
    let idle = Config::default().idle_ms;
    let at = e.poll_timeout();
    assert!(at.is_none_or(|at| at >= idle), "a wait is pending: {at:?}");
}

fn drain(engine: &mut Engine) -> Vec<Output> {
    std::iter::from_fn(|| engine.poll_output()).collect()
}

/// The updates delivered, in order, ignoring the rest.
fn delivered(outputs: &[Output]) -> Vec<enums::Update> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Updates(b) => Some(b.updates.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn difference_requests(outputs: &[Output]) -> Vec<(i32, i32, i32)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::GetDifference(r) => Some((r.pts, r.qts, r.date)),
            _ => None,
        })
        .collect()
}

fn state(pts: i32, qts: i32, date: i32, seq: i32) -> enums::updates::State {
    types::updates::State {
        pts,
        qts,
        date,
        seq,
        unread_count: 0,
    }
    .into()
}

#[test]
fn in_order_updates_apply_and_duplicates_are_dropped() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_pts(11)), 0);
    e.handle_updates(one(on_pts(11)), 1);
    e.handle_updates(one(on_pts(12)), 2);
    let out = drain(&mut e);
    assert_eq!(delivered(&out), vec![on_pts(11), on_pts(12)]);
    assert!(matches!(out.last(), Some(Output::StateChanged)));
    assert_eq!(e.state().unwrap().pts, 12);
}

#[test]
fn an_early_update_waits_and_goes_out_when_the_gap_closes() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_pts(13)), 0);
    e.handle_updates(one(on_pts(12)), 100);
    assert!(delivered(&drain(&mut e)).is_empty(), "nothing before 11");
    assert_eq!(e.poll_timeout(), Some(500));
    e.handle_updates(one(on_pts(11)), 400);
    assert_eq!(
        delivered(&drain(&mut e)),
        vec![on_pts(11), on_pts(12), on_pts(13)]
    );
    assert_only_idle(&e);
    e.handle_timeout(10_000);
    assert!(difference_requests(&drain(&mut e)).is_empty());
}

#[test]
fn a_gap_that_stays_open_is_filled_with_get_difference() {
    let mut e = engine_at(10, 5, 0);
    e.handle_updates(one(on_pts(12)), 0);
    e.handle_timeout(499);
    assert!(difference_requests(&drain(&mut e)).is_empty(), "held 0.5 s");
    e.handle_timeout(500);
    assert_eq!(difference_requests(&drain(&mut e)), vec![(10, 5, 100)]);
    // Arriving while the difference is out: held, not applied.
    e.handle_updates(one(on_pts(13)), 600);
    assert!(delivered(&drain(&mut e)).is_empty());
    let difference = types::updates::Difference {
        new_messages: vec![message(11)],
        new_encrypted_messages: vec![],
        other_updates: vec![on_pts(12)],
        chats: vec![],
        users: vec![],
        state: state(12, 5, 200, 0),
    };
    e.handle_difference(difference.into(), 700);
    let got = delivered(&drain(&mut e));
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(matches!(&got[0], enums::Update::NewMessage(_)));
    assert_eq!(&got[1..], &[on_pts(12), on_pts(13)]);
    assert_eq!(e.state().unwrap().pts, 13);
    assert_only_idle(&e);
}

#[test]
fn difference_slices_are_followed_to_the_end() {
    let mut e = engine_at(10, 0, 0);
    e.catch_up(0);
    assert_eq!(difference_requests(&drain(&mut e)), vec![(10, 0, 100)]);
    let slice = types::updates::DifferenceSlice {
        new_messages: vec![message(1)],
        new_encrypted_messages: vec![],
        other_updates: vec![],
        chats: vec![],
        users: vec![],
        intermediate_state: state(50, 0, 150, 0),
    };
    e.handle_difference(slice.into(), 1);
    let out = drain(&mut e);
    assert_eq!(delivered(&out).len(), 1);
    assert_eq!(
        difference_requests(&out),
        vec![(50, 0, 150)],
        "the next slice"
    );
    // What a slice released goes out before the next is asked for, so a
    // caller short of room can put the request off.
    assert!(
        matches!(
            out.as_slice(),
            [Output::Updates(_), Output::GetDifference(_), ..]
        ),
        "{out:?}"
    );
    let rest = types::updates::Difference {
        new_messages: vec![message(2)],
        new_encrypted_messages: vec![],
        other_updates: vec![],
        chats: vec![],
        users: vec![],
        state: state(60, 0, 160, 0),
    };
    e.handle_difference(rest.into(), 2);
    let out = drain(&mut e);
    assert_eq!(delivered(&out).len(), 1);
    assert!(difference_requests(&out).is_empty());
    assert_eq!(e.state().unwrap().pts, 60);
}

#[test]
fn a_difference_too_long_is_told_and_the_rest_fetched() {
    let mut e = engine_at(10, 3, 0);
    e.catch_up(0);
    drain(&mut e);
    e.handle_difference(types::updates::DifferenceTooLong { pts: 90_000 }.into(), 1);
    let out = drain(&mut e);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::DifferenceTooLong { pts: 90_000 }))
    );
    assert_eq!(difference_requests(&out), vec![(90_000, 3, 100)]);
    e.handle_difference(
        types::updates::DifferenceEmpty { date: 300, seq: 0 }.into(),
        2,
    );
    drain(&mut e);
    assert_eq!(e.state().unwrap().pts, 90_000);
    assert_eq!(e.state().unwrap().date, 300);
}

#[test]
fn qts_updates_are_ordered_too() {
    let mut e = engine_at(0, 7, 0);
    e.handle_updates(one(on_qts(9)), 0);
    e.handle_updates(one(on_qts(8)), 1);
    e.handle_updates(one(on_qts(8)), 2);
    assert_eq!(delivered(&drain(&mut e)), vec![on_qts(8), on_qts(9)]);
    assert_eq!(e.state().unwrap().qts, 9);
}

fn container(seq_start: i32, seq: i32, updates: Vec<enums::Update>) -> Incoming {
    Incoming {
        updates,
        seq_start,
        seq,
        date: 0,
        ..Incoming::default()
    }
}

#[test]
fn containers_follow_seq() {
    let mut e = engine_at(0, 0, 4);
    // seq 6 before 5: held.
    e.handle_updates(container(6, 6, vec![unordered(6)]), 0);
    assert!(delivered(&drain(&mut e)).is_empty());
    e.handle_updates(container(5, 5, vec![unordered(5)]), 1);
    assert_eq!(delivered(&drain(&mut e)), vec![unordered(5), unordered(6)]);
    // A container seen before: its unordered updates are not repeated.
    e.handle_updates(container(5, 5, vec![unordered(5)]), 2);
    assert!(delivered(&drain(&mut e)).is_empty());
    // updatesCombined covering 7..=8.
    e.handle_updates(container(7, 8, vec![unordered(7)]), 3);
    assert_eq!(delivered(&drain(&mut e)), vec![unordered(7)]);
    assert_eq!(e.state().unwrap().seq, 8);
    // Unordered containers (seq 0) just apply.
    e.handle_updates(container(0, 0, vec![unordered(0)]), 4);
    assert_eq!(delivered(&drain(&mut e)), vec![unordered(0)]);
}

#[test]
fn a_seq_gap_that_stays_open_asks_for_the_difference() {
    let mut e = engine_at(0, 0, 4);
    e.handle_updates(container(7, 7, vec![unordered(7)]), 0);
    e.handle_timeout(500);
    assert_eq!(difference_requests(&drain(&mut e)).len(), 1);
    e.handle_difference(
        types::updates::DifferenceEmpty { date: 1, seq: 6 }.into(),
        600,
    );
    assert_eq!(delivered(&drain(&mut e)), vec![unordered(7)]);
    assert_eq!(e.state().unwrap().seq, 7);
}

#[test]
fn a_held_container_the_difference_passed_still_delivers_its_unordered_updates() {
    let mut e = engine_at(0, 0, 4);
    e.handle_updates(container(7, 7, vec![unordered(7)]), 0);
    e.handle_timeout(500);
    assert_eq!(difference_requests(&drain(&mut e)).len(), 1);
    // The difference covers seq 7 but replays nothing on no counter.
    e.handle_difference(
        types::updates::DifferenceEmpty { date: 1, seq: 7 }.into(),
        600,
    );
    assert_eq!(delivered(&drain(&mut e)), vec![unordered(7)]);
    assert_eq!(e.state().unwrap().seq, 7);
}

#[test]
fn channels_have_their_own_counters() {
    let mut e = engine_at(10, 0, 0);
    // A channel seen for the first time: its counter starts there.
    e.handle_updates(one(on_channel(77, 500)), 0);
    // The account's pts is untouched by it.
    e.handle_updates(one(on_pts(11)), 1);
    e.handle_updates(one(on_channel(77, 501)), 2);
    e.handle_updates(one(on_channel(77, 501)), 3);
    assert_eq!(
        delivered(&drain(&mut e)),
        vec![on_channel(77, 500), on_pts(11), on_channel(77, 501)]
    );
    let state = e.state().unwrap();
    assert_eq!((state.pts, state.channels.get(&77)), (11, Some(&501)));
}

fn channel_requests(outputs: &[Output]) -> Vec<(i64, i32, i32)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::GetChannelDifference {
                channel_id,
                pts,
                limit,
            } => Some((*channel_id, *pts, *limit)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_channel_gap_is_filled_with_get_channel_difference() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_channel(77, 500)), 0);
    drain(&mut e);
    e.handle_updates(one(on_channel(77, 503)), 10);
    e.handle_timeout(510);
    assert_eq!(channel_requests(&drain(&mut e)), vec![(77, 500, 100)]);
    let not_final = types::updates::ChannelDifference {
        r#final: false,
        pts: 502,
        timeout: None,
        new_messages: vec![],
        other_updates: vec![on_channel(77, 501), on_channel(77, 502)],
        chats: vec![],
        users: vec![],
    };
    e.handle_channel_difference(77, not_final.into(), 600);
    let out = drain(&mut e);
    assert_eq!(
        delivered(&out),
        vec![on_channel(77, 501), on_channel(77, 502)]
    );
    assert_eq!(
        channel_requests(&out),
        vec![(77, 502, 100)],
        "not final: again"
    );
    let done = types::updates::ChannelDifferenceEmpty {
        r#final: true,
        pts: 502,
        timeout: Some(30),
    };
    e.handle_channel_difference(77, done.into(), 700);
    assert_eq!(delivered(&drain(&mut e)), vec![on_channel(77, 503)]);
    assert_eq!(e.state().unwrap().channels[&77], 503);
}

#[test]
fn a_channel_too_long_hands_over_its_recent_history() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_channel(77, 500)), 0);
    drain(&mut e);
    let too_long: enums::Update = types::UpdateChannelTooLong {
        channel_id: 77,
        pts: Some(9_000),
    }
    .into();
    e.handle_updates(one(too_long), 1);
    assert_eq!(channel_requests(&drain(&mut e)), vec![(77, 500, 100)]);
    let dialog: enums::Dialog = types::Dialog {
        pinned: false,
        unread_mark: false,
        view_forum_as_messages: false,
        peer: types::PeerChannel { channel_id: 77 }.into(),
        top_message: 2,
        read_inbox_max_id: 0,
        read_outbox_max_id: 0,
        unread_count: 0,
        unread_mentions_count: 0,
        unread_reactions_count: 0,
        unread_poll_votes_count: 0,
        notify_settings: types::PeerNotifySettings::default().into(),
        pts: Some(9_000),
        draft: None,
        folder_id: None,
        ttl_period: None,
    }
    .into();
    let answer = types::updates::ChannelDifferenceTooLong {
        r#final: true,
        timeout: None,
        dialog,
        messages: vec![message(1), message(2)],
        chats: vec![],
        users: vec![],
    };
    e.handle_channel_difference(77, answer.into(), 2);
    let out = drain(&mut e);
    let recent = out.iter().find_map(|o| match o {
        Output::ChannelTooLong {
            channel_id: 77,
            recent,
        } => Some(recent),
        _ => None,
    });
    assert_eq!(recent.map(|r| r.updates.len()), Some(2));
    assert_eq!(e.state().unwrap().channels[&77], 9_000);
}

#[test]
fn an_inaccessible_channel_is_forgotten_and_others_retry() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_channel(77, 500)), 0);
    e.handle_updates(one(on_channel(88, 100)), 0);
    e.handle_updates(one(on_channel(77, 502)), 0);
    e.handle_updates(one(on_channel(88, 102)), 0);
    e.handle_timeout(500);
    assert_eq!(channel_requests(&drain(&mut e)).len(), 2);
    e.handle_channel_difference_failed(77, true, 600);
    assert!(
        drain(&mut e)
            .iter()
            .any(|o| matches!(o, Output::ChannelClosed { channel_id: 77 }))
    );
    assert!(!e.state().unwrap().channels.contains_key(&77));
    // A transient failure: asked again after a second, then two.
    e.handle_channel_difference_failed(88, false, 600);
    assert_eq!(e.poll_timeout(), Some(1_600));
    e.handle_timeout(1_600);
    assert_eq!(channel_requests(&drain(&mut e)), vec![(88, 100, 100)]);
    e.handle_channel_difference_failed(88, false, 1_700);
    assert_eq!(e.poll_timeout(), Some(3_700));
}

#[test]
fn a_failed_difference_is_retried_and_nothing_waiting_is_lost() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_pts(12)), 0);
    e.handle_timeout(500);
    drain(&mut e);
    e.handle_difference_failed(600);
    assert_eq!(e.poll_timeout(), Some(1_600));
    e.handle_timeout(1_600);
    assert_eq!(difference_requests(&drain(&mut e)).len(), 1);
    let difference = types::updates::Difference {
        new_messages: vec![],
        new_encrypted_messages: vec![],
        other_updates: vec![on_pts(11)],
        chats: vec![],
        users: vec![],
        state: state(11, 0, 100, 0),
    };
    e.handle_difference(difference.into(), 1_700);
    assert_eq!(delivered(&drain(&mut e)), vec![on_pts(11), on_pts(12)]);
}

#[test]
fn without_counters_the_state_is_fetched_first_and_early_updates_wait() {
    let mut e = Engine::new(None, Config::default());
    e.handle_updates(one(on_pts(20)), 0);
    e.handle_updates(one(on_pts(21)), 1);
    let out = drain(&mut e);
    assert!(matches!(out.as_slice(), [Output::GetState]), "{out:?}");
    e.handle_state(&state(20, 0, 100, 0), 2);
    // 20 is already counted by the state; 21 is next.
    assert_eq!(delivered(&drain(&mut e)), vec![on_pts(21)]);
}

#[test]
fn the_clients_own_actions_move_pts_without_a_gap() {
    let mut e = engine_at(10, 0, 0);
    // messages.deleteMessages answered affectedMessages(pts 11, count 1).
    e.handle_affected(11, 1, 0);
    // The same event pushed afterwards is a duplicate...
    e.handle_updates(one(on_pts(11)), 1);
    // ...and the next one applies directly.
    e.handle_updates(one(on_pts(12)), 2);
    assert_eq!(delivered(&drain(&mut e)), vec![on_pts(12)]);
    assert_only_idle(&e);
}

#[test]
fn an_affected_result_ahead_of_a_missing_update_waits_for_it() {
    let mut e = engine_at(10, 0, 0);
    e.handle_affected(12, 1, 0);
    assert!(e.poll_timeout().is_some(), "11 is missing");
    e.handle_updates(one(on_pts(11)), 1);
    assert_eq!(delivered(&drain(&mut e)), vec![on_pts(11)]);
    assert_eq!(e.state().unwrap().pts, 12);
    assert_only_idle(&e);
}

#[test]
fn too_much_waiting_lets_go_and_fetches_at_once() {
    let mut e = Engine::new(
        Some(State {
            pts: 10,
            ..State::default()
        }),
        Config {
            max_held: 5,
            ..Config::default()
        },
    );
    for pts in 20..30 {
        e.handle_updates(one(on_pts(pts)), 0);
    }
    e.handle_timeout(0);
    assert_eq!(difference_requests(&drain(&mut e)).len(), 1, "no hold");
}

#[test]
fn peers_travel_with_their_updates() {
    let mut e = engine_at(10, 0, 0);
    let user: enums::User = types::User {
        id: 5,
        ..Default::default()
    }
    .into();
    let incoming = Incoming {
        updates: vec![on_pts(12)],
        users: vec![user.clone()],
        ..Incoming::default()
    };
    e.handle_updates(incoming, 0);
    e.handle_updates(one(on_pts(11)), 1);
    let batches: Vec<Batch> = drain(&mut e)
        .into_iter()
        .filter_map(|o| match o {
            Output::Updates(b) => Some(b),
            _ => None,
        })
        .collect();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].users, vec![user]);
}

#[test]
fn an_update_arriving_while_the_difference_is_out_is_not_delivered_twice() {
    let mut e = engine_at(10, 0, 0);
    e.catch_up(0);
    drain(&mut e);
    // Next in line, but the difference asked from pts 10 will bring it too.
    e.handle_updates(one(on_pts(11)), 1);
    let difference = types::updates::Difference {
        new_messages: vec![],
        new_encrypted_messages: vec![],
        other_updates: vec![on_pts(11)],
        chats: vec![],
        users: vec![],
        state: state(11, 0, 100, 0),
    };
    e.handle_difference(difference.into(), 2);
    assert_eq!(delivered(&drain(&mut e)), vec![on_pts(11)]);
}

#[test]
fn a_failed_get_state_is_asked_again() {
    let mut e = Engine::new(None, Config::default());
    e.catch_up(0);
    assert!(matches!(drain(&mut e).as_slice(), [Output::GetState]));
    e.handle_difference_failed(10);
    e.handle_timeout(1_010);
    assert!(matches!(drain(&mut e).as_slice(), [Output::GetState]));
}

#[test]
fn a_silent_account_is_polled_after_the_idle_time() {
    let idle = Config::default().idle_ms;
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_pts(11)), 1_000);
    drain(&mut e);
    assert_eq!(e.poll_timeout(), Some(1_000 + idle));
    // Each push puts it off.
    e.handle_updates(one(on_pts(12)), 2_000);
    drain(&mut e);
    assert_eq!(e.poll_timeout(), Some(2_000 + idle));
    e.handle_timeout(2_000 + idle - 1);
    assert!(difference_requests(&drain(&mut e)).is_empty());
    e.handle_timeout(2_000 + idle);
    assert_eq!(difference_requests(&drain(&mut e)), vec![(12, 0, 100)]);
}

#[test]
fn a_silent_channel_is_polled_after_the_idle_time() {
    let idle = Config::default().idle_ms;
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_channel(7, 20)), 0);
    e.handle_updates(one(on_pts(11)), idle / 2);
    drain(&mut e);
    // The account was heard of later than the channel.
    e.handle_timeout(idle);
    let out = drain(&mut e);
    assert!(difference_requests(&out).is_empty(), "{out:?}");
    assert!(
        matches!(
            out.as_slice(),
            [Output::GetChannelDifference {
                channel_id: 7,
                pts: 20,
                ..
            }]
        ),
        "{out:?}"
    );
}

/// `updateChannel` with the chat it comes with.
fn channel_changed(id: i64, chat: enums::Chat) -> Incoming {
    Incoming {
        updates: vec![types::UpdateChannel { channel_id: id }.into()],
        chats: vec![chat],
        ..Incoming::default()
    }
}

#[test]
fn a_channel_the_account_was_removed_from_is_forgotten() {
    let mut e = engine_at(10, 0, 0);
    e.handle_updates(one(on_channel(7, 20)), 0);
    drain(&mut e);
    let forbidden = types::ChannelForbidden {
        broadcast: true,
        megagroup: false,
        monoforum: false,
        id: 7,
        access_hash: 1,
        title: "gone".into(),
        until_date: None,
    };
    e.handle_updates(channel_changed(7, forbidden.into()), 1);
    let out = drain(&mut e);
    assert!(
        out.iter()
            .any(|o| matches!(o, Output::ChannelClosed { channel_id: 7 })),
        "{out:?}"
    );
    assert!(e.state().unwrap().channels.is_empty());
}

#[test]
fn a_channel_without_a_counter_is_followed_from_its_state() {
    let mut e = engine_at(10, 0, 0);
    // Told there is news in a channel never followed: ask where it stands.
    e.handle_updates(
        one(types::UpdateChannelTooLong {
            channel_id: 9,
            pts: Some(40),
        }
        .into()),
        0,
    );
    let out = drain(&mut e);
    assert!(
        matches!(
            out.as_slice(),
            [Output::GetChannelState { channel_id: 9 }, ..]
        ),
        "{out:?}"
    );
    e.handle_channel_state(9, Some(40), 1);
    assert_eq!(e.state().unwrap().channels.get(&9), Some(&40));
    // From there, a missing update is a gap like any other.
    e.handle_updates(one(on_channel(9, 42)), 2);
    assert!(delivered(&drain(&mut e)).is_empty(), "41 is missing");
    e.handle_timeout(502);
    let out = drain(&mut e);
    assert!(
        matches!(
            out.as_slice(),
            [Output::GetChannelDifference {
                channel_id: 9,
                pts: 40,
                ..
            }]
        ),
        "{out:?}"
    );
}
