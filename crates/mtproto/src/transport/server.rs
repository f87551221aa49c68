//! [`ServerTransport`]: everything between the socket and a server's
//! MTProto packets, for one accepted connection — from recognising the
//! client's transport to framing the replies.

use rand_core::{CryptoRng, RngCore};

use super::detect::{Detected, detect};
use super::error::{ErrorCode, TransportError};
use super::fake_tls::{
    MAX_RECORD_PAYLOAD, RecordReader, RecordWriter, TimeWindow, VerifiedClientHello,
    client_hello_record_len, server_hello, verify_client_hello,
};
use super::frame::{ClientPacket, QuickAckRequest};
use super::framing::{Framing, FramingOptions, ServerFramer};
use super::http::HttpServer;
use super::layers::Layers;
use super::obfuscated2::{HEADER_LEN, accept_header};
use super::read_buf::ReadBuf;
use super::secret::{ProxySecret, SecretKey};

/// FakeTLS settings of a server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeTlsConfig {
    /// The `ee` secret's key: checks the ClientHello and keys obfuscated2.
    pub key: SecretKey,
    /// How far the ClientHello's timestamp may be from `now`.
    pub time_window: TimeWindow,
}

/// Which transports a server accepts, and with which keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Limits and padding.
    pub framing: FramingOptions,
    /// Accept the unobfuscated framings and the HTTP transport (Telegram's
    /// servers do, MTProxy does not).
    pub allow_plain: bool,
    /// Accept obfuscated2 outside TLS.
    pub allow_obfuscated: bool,
    /// Key obfuscated2 (outside TLS) with this MTProxy secret; `None` as on
    /// Telegram's servers.
    pub obfuscation_secret: Option<SecretKey>,
    /// Accept FakeTLS with this key.
    pub fake_tls: Option<FakeTlsConfig>,
}

impl ServerConfig {
    /// A Telegram server: every plain framing and obfuscated2 without a
    /// secret; no FakeTLS.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            framing: FramingOptions::server(),
            allow_plain: true,
            allow_obfuscated: true,
            obfuscation_secret: None,
            fake_tls: None,
        }
    }

    /// An MTProxy with `secret`: obfuscated2 keyed with it for simple and
    /// `dd` secrets, only FakeTLS for `ee` secrets (as MTProxy does once a
    /// domain is configured); never the plain framings.
    #[must_use]
    pub fn mtproxy(secret: &ProxySecret) -> Self {
        let mut config = Self {
            allow_plain: false,
            ..Self::new()
        };
        match secret {
            ProxySecret::Simple(key) | ProxySecret::Padded(key) => {
                config.obfuscation_secret = Some(key.clone());
            }
            ProxySecret::FakeTls { key, .. } => {
                config.allow_obfuscated = false;
                config.fake_tls = Some(FakeTlsConfig {
                    key: key.clone(),
                    time_window: TimeWindow::default(),
                });
            }
        }
        config
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// How an accepted connection is wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Wrapping {
    /// No wrapping.
    Plain,
    /// obfuscated2.
    Obfuscated2,
    /// obfuscated2 inside FakeTLS.
    FakeTls,
    /// MTProto's HTTP transport (always plain).
    Http,
}

#[derive(Debug)]
enum State {
    Ready {
        framer: ServerFramer,
        /// Boxed: the AES key schedules make it large.
        layers: Box<Layers>,
    },
    /// FakeTLS: handshake answered, the obfuscated2 header (inside the
    /// client's first records) not yet complete.
    AwaitingHeader {
        key: SecretKey,
        reader: RecordReader,
        stream: ReadBuf,
    },
    /// The HTTP transport.
    Http(HttpServer),
}

/// The server's transport for one accepted connection.
///
/// Created by [`accept`](Self::accept) from the connection's first bytes;
/// sans-IO like [`ClientTransport`](super::ClientTransport).
#[derive(Debug)]
pub struct ServerTransport {
    options: FramingOptions,
    wrapping: Wrapping,
    dc_id: Option<i16>,
    hello: Option<VerifiedClientHello>,
    state: State,
}

impl ServerTransport {
    /// Recognise the transport from the first bytes in `input` and consume
    /// its opening (tag, obfuscated2 header, or ClientHello — answered into
    /// `out`). `Ok(None)`, with nothing consumed, while more bytes are
    /// needed: call again when more arrive. `now_unix` checks FakeTLS
    /// timestamps; `rng` draws the ServerHello's random parts.
    ///
    /// # Errors
    ///
    /// Unknown or disabled transports, HTTP other than `POST`, an obfuscated2 header with a
    /// wrong secret, a ClientHello with a wrong HMAC or stale timestamp. The
    /// connection should be closed (MTProxy forwards such clients to the
    /// real site of its domain; that is the caller's choice).
    pub fn accept<R: RngCore + CryptoRng + ?Sized>(
        config: &ServerConfig,
        input: &mut ReadBuf,
        now_unix: u64,
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<Option<Self>, TransportError> {
        let Some(detected) = detect(config, input.as_slice())? else {
            return Ok(None);
        };
        let plain = |framing: Framing, input: &mut ReadBuf| {
            if !config.allow_plain {
                return Err(TransportError::TransportDisabled(detected));
            }
            input.consume(framing.tag().len());
            Ok(Some(Self::ready(
                config,
                framing,
                Layers::none(),
                Wrapping::Plain,
                None,
            )))
        };
        match detected {
            Detected::Abridged => plain(Framing::Abridged, input),
            Detected::Intermediate => plain(Framing::Intermediate, input),
            Detected::PaddedIntermediate => plain(Framing::PaddedIntermediate, input),
            Detected::Full => plain(Framing::Full, input),
            Detected::Http => {
                if !config.allow_plain {
                    return Err(TransportError::TransportDisabled(detected));
                }
                // The request line is the first request's; nothing to consume.
                Ok(Some(Self {
                    options: config.framing,
                    wrapping: Wrapping::Http,
                    dc_id: None,
                    hello: None,
                    state: State::Http(HttpServer::new(config.framing.max_frame_len)),
                }))
            }
            Detected::Obfuscated2(_) => {
                if !config.allow_obfuscated {
                    return Err(TransportError::TransportDisabled(detected));
                }
                let mut header = [0u8; HEADER_LEN];
                match input.as_slice().get(..HEADER_LEN) {
                    Some(bytes) => header.copy_from_slice(bytes),
                    None => return Ok(None),
                }
                let accepted = accept_header(&header, config.obfuscation_secret.as_ref())?;
                input.consume(HEADER_LEN);
                Ok(Some(Self::ready(
                    config,
                    accepted.framing.framing(),
                    Layers::obfuscated(accepted.cipher),
                    Wrapping::Obfuscated2,
                    Some(accepted.dc_id),
                )))
            }
            Detected::FakeTls => {
                let Some(tls) = &config.fake_tls else {
                    return Err(TransportError::TransportDisabled(detected));
                };
                let buf = input.as_slice();
                let Some(hello) = client_hello_record_len(buf).and_then(|len| buf.get(..len))
                else {
                    return Ok(None);
                };
                let verified = verify_client_hello(&tls.key, hello, now_unix, tls.time_window)?;
                input.consume(hello.len());
                server_hello(&tls.key, &verified, rng, out);
                Ok(Some(Self {
                    options: config.framing,
                    wrapping: Wrapping::FakeTls,
                    dc_id: None,
                    hello: Some(verified),
                    state: State::AwaitingHeader {
                        key: tls.key.clone(),
                        reader: RecordReader::new(true),
                        stream: ReadBuf::new(),
                    },
                }))
            }
        }
    }

    fn ready(
        config: &ServerConfig,
        framing: Framing,
        layers: Layers,
        wrapping: Wrapping,
        dc_id: Option<i16>,
    ) -> Self {
        Self {
            options: config.framing,
            wrapping,
            dc_id,
            hello: None,
            state: State::Ready {
                framer: ServerFramer::new(framing, config.framing),
                layers: Box::new(layers),
            },
        }
    }

    /// How the connection is wrapped.
    #[must_use]
    pub const fn wrapping(&self) -> Wrapping {
        self.wrapping
    }

    /// The framing of the packets; `None` for HTTP and while a FakeTLS
    /// client's obfuscated2 header has not arrived.
    #[must_use]
    pub const fn framing(&self) -> Option<Framing> {
        match &self.state {
            State::Ready { framer, .. } => Some(framer.framing()),
            State::AwaitingHeader { .. } | State::Http(_) => None,
        }
    }

    /// Whether [`encode`](Self::encode) may send now. Always for the TCP
    /// transports; for HTTP only while a request waits for its response
    /// (one packet per request): keep what there is to send queued until
    /// the client's next request.
    #[must_use]
    pub const fn can_send(&self) -> bool {
        match &self.state {
            State::Http(http) => http.can_send(),
            State::Ready { .. } | State::AwaitingHeader { .. } => true,
        }
    }

    /// The DC id from the obfuscated2 header (possibly random: Telethon
    /// does not set it); `None` for plain transports and until the header
    /// arrived.
    #[must_use]
    pub const fn dc_id(&self) -> Option<i16> {
        self.dc_id
    }

    /// The verified FakeTLS ClientHello, whose `client_random` a replay
    /// cache should remember.
    #[must_use]
    pub const fn fake_tls_hello(&self) -> Option<&VerifiedClientHello> {
        self.hello.as_ref()
    }

    /// Consume received bytes from `input` and return the next packet, or
    /// `Ok(None)` when more bytes are needed. Call it until it returns
    /// `Ok(None)`.
    ///
    /// # Errors
    ///
    /// Anything malformed; the connection should then be closed.
    pub fn decode(&mut self, input: &mut ReadBuf) -> Result<Option<ClientPacket>, TransportError> {
        if let State::AwaitingHeader {
            key,
            reader,
            stream,
        } = &mut self.state
        {
            reader.read(input, stream)?;
            let mut header = [0u8; HEADER_LEN];
            match stream.as_slice().get(..HEADER_LEN) {
                Some(bytes) => header.copy_from_slice(bytes),
                None => return Ok(None),
            }
            let accepted = accept_header(&header, Some(key))?;
            stream.consume(HEADER_LEN);
            let mut layers = Layers::fake_tls(
                accepted.cipher,
                reader.clone(),
                RecordWriter::new(MAX_RECORD_PAYLOAD, false),
                Vec::new(),
            );
            layers.preload(stream.as_slice());
            self.dc_id = Some(accepted.dc_id);
            self.state = State::Ready {
                framer: ServerFramer::new(accepted.framing.framing(), self.options),
                layers: Box::new(layers),
            };
        }
        match &mut self.state {
            State::Ready { framer, layers } => framer.decode(layers.open(input)?),
            State::Http(http) => http.decode(input),
            State::AwaitingHeader { .. } => Ok(None),
        }
    }

    /// Append one packet, framed and wrapped, to `out`. `rng` is only used
    /// for padding.
    ///
    /// # Errors
    ///
    /// [`TransportError::HandshakeInProgress`] before the client's
    /// obfuscated2 header arrived; [`TransportError::HttpNoRequest`] when
    /// [`can_send`](Self::can_send) is false; otherwise as
    /// [`ServerFramer::encode`] or [`HttpServer::encode`].
    pub fn encode<R: RngCore + ?Sized>(
        &mut self,
        payload: &[u8],
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        if let State::Http(http) = &mut self.state {
            return http.encode(payload, out);
        }
        let (framer, layers) = self.ready_parts()?;
        let start = out.len();
        framer.encode(payload, rng, out)?;
        layers.seal(out, start);
        Ok(())
    }

    /// Append the quick acknowledgement the client asked for with
    /// `request`. `token` is computed by the session layer from the packet
    /// (the first 32 bits of its `msg_key_large`); bit 31 is set here.
    ///
    /// # Errors
    ///
    /// As [`ServerFramer::encode_quick_ack`] (HTTP asks for none, so no
    /// request can come from it).
    pub fn encode_quick_ack(
        &mut self,
        request: QuickAckRequest,
        token: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        if let State::Http(_) = self.state {
            return Err(TransportError::QuickAckUnsupported);
        }
        let (framer, layers) = self.ready_parts()?;
        let start = out.len();
        framer.encode_quick_ack(request, token, out)?;
        layers.seal(out, start);
        Ok(())
    }

    /// Append a transport error (e.g. [`ErrorCode::AUTH_KEY_NOT_FOUND`]);
    /// close the connection after sending it.
    ///
    /// # Errors
    ///
    /// [`TransportError::HandshakeInProgress`] before the client's
    /// obfuscated2 header arrived (there is no framing to send it in);
    /// [`TransportError::HttpNoRequest`] as for [`encode`](Self::encode).
    pub fn encode_error(
        &mut self,
        code: ErrorCode,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        if let State::Http(http) = &mut self.state {
            return http.encode_error(code, out);
        }
        let (framer, layers) = self.ready_parts()?;
        let start = out.len();
        framer.encode_error(code, out);
        layers.seal(out, start);
        Ok(())
    }

    fn ready_parts(&mut self) -> Result<(&mut ServerFramer, &mut Layers), TransportError> {
        match &mut self.state {
            State::Ready { framer, layers } => Ok((framer, layers)),
            State::AwaitingHeader { .. } => Err(TransportError::HandshakeInProgress),
            // Unreachable: the callers answer HTTP first.
            State::Http(_) => Err(TransportError::QuickAckUnsupported),
        }
    }
}
