//! Turns queued bodies into one encrypted packet: ids, seq_nos, acks and a
//! container when there is more than one message.

use paperplane_crypto::{AuthKey, Direction};
use rand_core::RngCore;

use super::container;
use super::envelope::{self, Header};
use super::ids::{IdKind, MsgIdGen, SeqNo};
use super::is_content_related;
use super::service::MSGS_ACK;

/// The most bytes of bodies packed into one packet.
pub const MAX_PACKET_BODIES: usize = 1 << 20;
/// Bodies larger than this are sent alone, never in a container.
const ALONE: usize = 512 << 10;

/// A body waiting to be sent.
#[derive(Clone, Debug)]
pub struct Queued<T> {
    /// The TL body.
    pub body: Vec<u8>,
    /// Response (server) or other.
    pub kind: IdKind,
    /// Caller data carried through, e.g. the request it belongs to.
    pub tag: T,
    /// The msg_id and seq_no it keeps: a message sent before goes out again
    /// as the same message, so the other side recognises a duplicate.
    pub resend: Option<(i64, i32)>,
}

impl<T> Queued<T> {
    /// A new message (its id is given when it is sent).
    pub fn new(body: Vec<u8>, kind: IdKind, tag: T) -> Self {
        Self {
            body,
            kind,
            tag,
            resend: None,
        }
    }
}

/// What one packet carried.
pub struct Sent<T> {
    /// The packet, ready for the transport.
    pub packet: Vec<u8>,
    /// `(msg_id, seq_no, tag)` of every queued body it carried.
    pub messages: Vec<(i64, i32, T)>,
    /// The container's msg_id, if one was used.
    pub container: Option<i64>,
}

/// The per-session state needed to build packets.
pub struct Outbox {
    pub ids: MsgIdGen,
    pub seq: SeqNo,
    pub acks: Vec<i64>,
}

impl Outbox {
    /// Takes bodies from the front of `queue` (and pending acks) into one
    /// packet; `None` if there is nothing to send.
    #[allow(clippy::too_many_arguments)]
    pub fn build<T>(
        &mut self,
        queue: &mut std::collections::VecDeque<Queued<T>>,
        auth_key: &AuthKey,
        direction: Direction,
        salt: i64,
        session_id: i64,
        now_ms: i64,
        rng: &mut impl RngCore,
    ) -> Option<Sent<T>> {
        let mut taken: Vec<Queued<T>> = Vec::new();
        let mut size = 0;
        while let Some(next) = queue.front() {
            let alone = next.body.len() > ALONE;
            if !taken.is_empty() && (alone || size + next.body.len() > MAX_PACKET_BODIES) {
                break;
            }
            if taken.len() >= container::MAX_CONTAINER_LEN - 1 {
                break;
            }
            size += next.body.len();
            taken.extend(queue.pop_front());
            if alone {
                break;
            }
        }
        let ack_body = (!self.acks.is_empty()).then(|| {
            let mut b = MSGS_ACK.to_le_bytes().to_vec();
            let ids: Vec<i64> = std::mem::take(&mut self.acks);
            paperplane_tl::Serializable::serialize(&ids, &mut b);
            b
        });
        if taken.is_empty() && ack_body.is_none() {
            return None;
        }

        let mut inner: Vec<(i64, i32, Vec<u8>)> = Vec::new();
        let mut messages = Vec::new();
        if let Some(ack) = ack_body {
            let msg_id = self.ids.next(now_ms, IdKind::Other);
            inner.push((msg_id, self.seq.next(false), ack));
        }
        for q in taken {
            let (msg_id, seq) = match q.resend {
                Some(old) => old,
                None => (
                    self.ids.next(now_ms, q.kind),
                    self.seq.next(is_content_related(&q.body)),
                ),
            };
            inner.push((msg_id, seq, q.body));
            messages.push((msg_id, seq, q.tag));
        }
        // A container's id must exceed those of its messages, which a
        // message sent before may not do if the clock went back.
        let newest = inner.iter().map(|(id, _, _)| *id).max().unwrap_or(0);
        let (header, body, container) = if inner.len() == 1 {
            let (msg_id, seq_no, body) = inner.pop().unwrap_or_default();
            (
                Header {
                    salt,
                    session_id,
                    msg_id,
                    seq_no,
                },
                body,
                None,
            )
        } else {
            // The container's id comes after those of its messages.
            let body = container::pack(inner.iter().map(|(id, seq, b)| (*id, *seq, b.as_slice())));
            self.ids.skip_past(newest);
            let msg_id = self.ids.next(now_ms, IdKind::Other);
            (
                Header {
                    salt,
                    session_id,
                    msg_id,
                    seq_no: self.seq.next(false),
                },
                body,
                Some(msg_id),
            )
        };
        let packet = envelope::encrypt(auth_key, direction, header, &body, rng);
        Some(Sent {
            packet,
            messages,
            container,
        })
    }
}
