//! MTProto's HTTP transport, server side: [`HttpServer`].
//!
//! (core.telegram.org/mtproto/transports#http.) The client sends each
//! MTProto packet as the body of a `POST` request (`POST /api HTTP/1.1`,
//! `Content-Length`, keep-alive, possibly several requests pipelined on one
//! connection); the server sends each packet as the body of an
//! `HTTP/1.1 200 OK` response. There is no other envelope, no quick-ack and
//! no obfuscation.
//!
//! The server may only speak when asked: every response answers one
//! request, oldest first, so [`HttpServer::can_send`] tells the caller
//! whether a request is waiting for an answer. A request the server has
//! nothing for (a container of acks, say) is held — as Telegram holds one
//! carrying `http_wait` — until there is something to send, e.g. an update.
//! Nothing is ever answered with an empty body: Telethon 1.45
//! (`HttpPacketCodec`) hands every body to its decryption, which treats an
//! empty one as a broken connection and reconnects. Telethon does not match
//! responses to requests, so answering a later request's data in an
//! earlier request's response is fine for it, and it is what HTTP's
//! pipelining order demands anyway.
//!
//! Telethon finds the body by reading lines until one starting with
//! `content-length: ` (any case, exactly one space), then skips exactly two
//! bytes: `Content-Length` must therefore be the last header of a response,
//! which [`HttpServer::encode`] guarantees. (Telethon 1.45's reader also
//! checks `line[-1] != b'\n'`, which is always true on Python 3 — an int is
//! compared with bytes — so its stock `ConnectionHttp` fails on the first
//! response line from any server; with that check fixed it works here.)
//!
//! Hostile input is refused before anything is allocated for it: a request
//! head must end (`\r\n\r\n`) within [`MAX_HEAD_LEN`] bytes, the method must
//! be `POST`, `Content-Length` must be present, unique, decimal and within
//! [`FramingOptions::max_frame_len`](super::FramingOptions::max_frame_len),
//! and `Transfer-Encoding` (chunked bodies) is not accepted.

use super::error::{ErrorCode, TransportError};
use super::frame::ClientPacket;
use super::read_buf::ReadBuf;

/// The longest request head (request line and headers, with the blank line
/// that ends them) accepted.
pub const MAX_HEAD_LEN: usize = 8 * 1024;

const END_OF_HEAD: &[u8; 4] = b"\r\n\r\n";
const METHOD: &[u8; 5] = b"POST ";

/// The server side of the HTTP transport for one connection: parses
/// requests, counts those still owed a response, writes responses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpServer {
    max_body: usize,
    /// Requests received and not yet answered.
    pending: u64,
}

impl HttpServer {
    /// A connection whose request bodies may be at most `max_body` bytes.
    #[must_use]
    pub const fn new(max_body: usize) -> Self {
        Self {
            max_body,
            pending: 0,
        }
    }

    /// Whether a request is waiting for a response, so [`encode`](Self::encode)
    /// can send one.
    #[must_use]
    pub const fn can_send(&self) -> bool {
        self.pending > 0
    }

    /// How many requests are waiting for a response.
    #[must_use]
    pub const fn pending(&self) -> u64 {
        self.pending
    }

    /// Consume the next whole request from `input` and return its body;
    /// `Ok(None)` (nothing consumed) until the whole request is there.
    ///
    /// # Errors
    ///
    /// [`TransportError::HttpMalformed`] for anything that is not a
    /// well-formed `POST` with a `Content-Length` (including a head longer
    /// than [`MAX_HEAD_LEN`]), [`TransportError::FrameTooLarge`],
    /// [`TransportError::EmptyFrame`] or [`TransportError::Unaligned`] for
    /// a body no MTProto packet can be. The connection should be closed.
    pub fn decode(&mut self, input: &mut ReadBuf) -> Result<Option<ClientPacket>, TransportError> {
        let buf = input.as_slice();
        // Refuse garbage as soon as it shows, not only at the head limit.
        let shown = buf.len().min(METHOD.len());
        if buf.get(..shown) != METHOD.get(..shown) {
            return Err(malformed("not a POST request"));
        }
        let window = buf.get(..MAX_HEAD_LEN).unwrap_or(buf);
        let Some(head_len) = window
            .windows(END_OF_HEAD.len())
            .position(|w| w == END_OF_HEAD)
            .map(|at| at + END_OF_HEAD.len())
        else {
            return if buf.len() >= MAX_HEAD_LEN {
                Err(malformed("request head too long"))
            } else {
                Ok(None)
            };
        };
        let head = buf.get(..head_len).unwrap_or_default();
        let body_len = parse_head(head)?;
        if body_len == 0 {
            return Err(TransportError::EmptyFrame);
        }
        if body_len > self.max_body as u64 {
            return Err(TransportError::FrameTooLarge {
                len: body_len,
                max: self.max_body,
            });
        }
        if body_len % 4 != 0 {
            return Err(TransportError::Unaligned { len: body_len });
        }
        // Fits: at most max_body, a usize.
        let end = head_len.saturating_add(usize::try_from(body_len).unwrap_or(usize::MAX));
        let Some(payload) = input.take_range(head_len, end) else {
            return Ok(None);
        };
        self.pending = self.pending.saturating_add(1);
        Ok(Some(ClientPacket {
            payload,
            quick_ack: None,
        }))
    }

    /// Answer the oldest waiting request with `payload` (one MTProto
    /// packet), appending the response to `out`.
    ///
    /// # Errors
    ///
    /// [`TransportError::HttpNoRequest`] when no request is waiting (check
    /// [`can_send`](Self::can_send) first); [`TransportError::EmptyFrame`]
    /// or [`TransportError::FrameTooLarge`] for a payload that cannot be
    /// sent. Nothing is appended then.
    pub fn encode(&mut self, payload: &[u8], out: &mut Vec<u8>) -> Result<(), TransportError> {
        if payload.is_empty() {
            return Err(TransportError::EmptyFrame);
        }
        if payload.len() > self.max_body {
            return Err(TransportError::FrameTooLarge {
                len: payload.len() as u64,
                max: self.max_body,
            });
        }
        self.respond("200 OK", payload, out)
    }

    /// Answer the oldest waiting request with a transport error: its code
    /// as the 4-byte body (which is how Telethon reads it), under a
    /// matching HTTP status. Close the connection after sending it.
    ///
    /// # Errors
    ///
    /// [`TransportError::HttpNoRequest`] when no request is waiting.
    pub fn encode_error(
        &mut self,
        code: ErrorCode,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        let status = match code.code() {
            -404 => "404 Not Found",
            -429 => "429 Too Many Requests",
            _ => "400 Bad Request",
        };
        self.respond(status, &code.code().to_le_bytes(), out)
    }

    fn respond(
        &mut self,
        status: &str,
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        if self.pending == 0 {
            return Err(TransportError::HttpNoRequest);
        }
        self.pending -= 1;
        out.extend_from_slice(b"HTTP/1.1 ");
        out.extend_from_slice(status.as_bytes());
        out.extend_from_slice(
            b"\r\nConnection: keep-alive\r\n\
              Content-Type: application/octet-stream\r\n\
              Access-Control-Allow-Origin: *\r\n\
              Cache-Control: no-store\r\n\
              Content-Length: ",
        );
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(END_OF_HEAD);
        out.extend_from_slice(body);
        Ok(())
    }
}

fn malformed(what: &'static str) -> TransportError {
    TransportError::HttpMalformed(what)
}

/// Checks a request head (ending with the blank line) and returns its
/// `Content-Length`.
fn parse_head(head: &[u8]) -> Result<u64, TransportError> {
    // Without the blank line, every line ends with CRLF.
    let head = head
        .strip_suffix(b"\r\n")
        .ok_or_else(|| malformed("unterminated head"))?;
    let mut lines = head.split_inclusive(|&b| b == b'\n').map(|line| {
        line.strip_suffix(b"\r\n")
            .ok_or_else(|| malformed("bare LF in head"))
    });
    let request_line = lines.next().ok_or_else(|| malformed("empty head"))??;
    check_request_line(request_line)?;
    let mut content_length = None;
    for line in lines {
        let line = line?;
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or_else(|| malformed("header without a colon"))?;
        let (name, value) = line.split_at(colon);
        let value = value.get(1..).unwrap_or_default().trim_ascii();
        if name.is_empty() || !name.iter().all(|&b| is_token(b)) {
            return Err(malformed("bad header name"));
        }
        if value.iter().any(|&b| b.is_ascii_control() && b != b'\t') {
            return Err(malformed("control character in header"));
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let len = parse_length(value)?;
            if content_length.is_some_and(|old| old != len) {
                return Err(malformed("conflicting Content-Length headers"));
            }
            content_length = Some(len);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Err(malformed("Transfer-Encoding is not supported"));
        }
    }
    content_length.ok_or_else(|| malformed("no Content-Length"))
}

/// `POST <target> HTTP/1.x`, single spaces.
fn check_request_line(line: &[u8]) -> Result<(), TransportError> {
    let rest = line
        .strip_prefix(METHOD)
        .ok_or_else(|| malformed("not a POST request"))?;
    let mut parts = rest.split(|&b| b == b' ');
    let target = parts.next().unwrap_or_default();
    let version = parts.next().unwrap_or_default();
    if parts.next().is_some() || target.is_empty() {
        return Err(malformed("bad request line"));
    }
    if target.iter().any(|&b| !b.is_ascii_graphic()) {
        return Err(malformed("bad request target"));
    }
    if version != b"HTTP/1.1" && version != b"HTTP/1.0" {
        return Err(malformed("unsupported HTTP version"));
    }
    Ok(())
}

/// A decimal length: digits only, no sign, no overflow.
fn parse_length(value: &[u8]) -> Result<u64, TransportError> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return Err(malformed("bad Content-Length"));
    }
    Ok(value
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')))
}

/// RFC 9110 `tchar`.
const fn is_token(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: usize = 1024;

    fn request(body: &[u8]) -> Vec<u8> {
        // Exactly what Telethon 1.45's HttpPacketCodec sends.
        let mut out = format!(
            "POST /api HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\
             Content-Type: application/x-www-form-urlencoded\r\n\
             Connection: keep-alive\r\nKeep-Alive: timeout=100000, max=10000000\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    }

    fn decode_all(bytes: &[u8]) -> Result<Option<ClientPacket>, TransportError> {
        HttpServer::new(MAX).decode(&mut ReadBuf::from(bytes))
    }

    #[test]
    fn telethon_requests_bytewise_and_pipelined() {
        let mut wire = request(&[1; 8]);
        wire.extend(request(&[2; 12]));
        let mut http = HttpServer::new(MAX);
        let mut input = ReadBuf::new();
        let mut got = Vec::new();
        for &b in &wire {
            input.extend_from_slice(&[b]);
            while let Some(packet) = http.decode(&mut input).unwrap() {
                assert!(packet.quick_ack.is_none());
                got.push(packet.payload);
            }
        }
        assert_eq!(got, vec![vec![1; 8], vec![2; 12]]);
        assert!(input.is_empty());
        assert_eq!(http.pending(), 2);

        // Both in one read.
        let mut input = ReadBuf::from(wire);
        let mut http = HttpServer::new(MAX);
        assert_eq!(
            http.decode(&mut input).unwrap().unwrap().payload,
            vec![1; 8]
        );
        assert_eq!(
            http.decode(&mut input).unwrap().unwrap().payload,
            vec![2; 12]
        );
        assert_eq!(http.decode(&mut input).unwrap(), None);
    }

    #[test]
    fn minimal_and_case_insensitive_heads() {
        let wire = b"POST http://host:80/api HTTP/1.0\r\ncOnTeNt-LeNgTh:4\r\n\r\nabcd";
        assert_eq!(decode_all(wire).unwrap().unwrap().payload, b"abcd");
        let dup = b"POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd";
        assert!(decode_all(dup).unwrap().is_some());
    }

    #[test]
    fn responses_answer_requests_one_each() {
        let mut http = HttpServer::new(MAX);
        let mut out = Vec::new();
        assert_eq!(
            http.encode(&[9; 8], &mut out),
            Err(TransportError::HttpNoRequest)
        );
        assert!(out.is_empty() && !http.can_send());
        let mut input = ReadBuf::from(request(&[1; 4]));
        http.decode(&mut input).unwrap().unwrap();
        assert!(http.can_send());
        http.encode(&[9; 8], &mut out).unwrap();
        assert!(!http.can_send());
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        // Telethon: Content-Length is the last header, then the body.
        let tail = b"\r\nContent-Length: 8\r\n\r\n\x09\x09\x09\x09\x09\x09\x09\x09";
        assert!(out.ends_with(tail), "{text}");
        assert_eq!(
            http.encode(&[9; 8], &mut out),
            Err(TransportError::HttpNoRequest)
        );
        assert_eq!(http.encode(&[], &mut out), Err(TransportError::EmptyFrame));
        assert!(matches!(
            http.encode(&[0; MAX + 4], &mut out),
            Err(TransportError::FrameTooLarge { .. })
        ));
    }

    #[test]
    fn error_codes_are_the_body() {
        let mut http = HttpServer::new(MAX);
        http.decode(&mut ReadBuf::from(request(&[1; 4])))
            .unwrap()
            .unwrap();
        let mut out = Vec::new();
        http.encode_error(ErrorCode::AUTH_KEY_NOT_FOUND, &mut out)
            .unwrap();
        assert!(out.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
        assert!(out.ends_with(b"Content-Length: 4\r\n\r\n\x6c\xfe\xff\xff"));
    }

    #[test]
    fn hostile_requests_are_refused() {
        let cases: &[(&[u8], TransportError)] = &[
            (b"GET / HTTP/1.1\r\n\r\n", malformed("not a POST request")),
            (b"POSX", malformed("not a POST request")),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                malformed("bad Content-Length"),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 4096\r\n\r\n",
                TransportError::FrameTooLarge {
                    len: 4096,
                    max: MAX,
                },
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n",
                malformed("bad Content-Length"),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: -4\r\n\r\n",
                malformed("bad Content-Length"),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: +4\r\n\r\n",
                malformed("bad Content-Length"),
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
                TransportError::EmptyFrame,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
                TransportError::Unaligned { len: 5 },
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 4\r\nContent-Length: 8\r\n\r\n",
                malformed("conflicting Content-Length headers"),
            ),
            (
                b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n",
                malformed("Transfer-Encoding is not supported"),
            ),
            (
                b"POST / HTTP/1.1\r\nHost: x\r\n\r\n",
                malformed("no Content-Length"),
            ),
            (
                b"POST / HTTP/1.1\r\ngarbage\r\n\r\n",
                malformed("header without a colon"),
            ),
            (
                b"POST / HTTP/1.1\r\n: 4\r\n\r\n",
                malformed("bad header name"),
            ),
            (
                b"POST / HTTP/1.1\r\nBad Name: 4\r\n\r\n",
                malformed("bad header name"),
            ),
            (
                b"POST / HTTP/1.1\r\nX: a\x00b\r\n\r\n",
                malformed("control character in header"),
            ),
            (
                b"POST / HTTP/1.1\nContent-Length: 4\r\n\r\n",
                malformed("bare LF in head"),
            ),
            (b"POST  HTTP/1.1\r\n\r\n", malformed("bad request line")),
            (
                b"POST / HTTP/2\r\n\r\n",
                malformed("unsupported HTTP version"),
            ),
            (b"POST / HTTP/1.1 x\r\n\r\n", malformed("bad request line")),
        ];
        for (wire, expected) in cases {
            assert_eq!(
                decode_all(wire).as_ref(),
                Err(expected),
                "{}",
                String::from_utf8_lossy(wire)
            );
        }
    }

    #[test]
    fn endless_head_is_refused_at_the_limit() {
        let mut http = HttpServer::new(MAX);
        let mut input = ReadBuf::from(&b"POST / HTTP/1.1\r\n"[..]);
        let filler = [b'a'; 1000];
        let mut result = Ok(None);
        for _ in 0..20 {
            input.extend_from_slice(&filler);
            result = http.decode(&mut input);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(result, Err(malformed("request head too long")));
        assert!(input.len() < MAX_HEAD_LEN + filler.len());
    }

    #[test]
    fn body_is_awaited_without_allocating_for_it() {
        let mut http = HttpServer::new(MAX);
        let mut input = ReadBuf::from(&b"POST / HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"[..]);
        assert_eq!(http.decode(&mut input), Ok(None));
        assert_eq!(http.pending(), 0);
        input.extend_from_slice(&[7; 999]);
        assert_eq!(http.decode(&mut input), Ok(None));
        input.extend_from_slice(&[7; 5]);
        assert_eq!(
            http.decode(&mut input).unwrap().unwrap().payload,
            vec![7; 1000]
        );
        // The start of the next request is kept.
        assert_eq!(input.as_slice(), &[7; 4]);
        assert!(http.decode(&mut input).is_err());
    }
}
