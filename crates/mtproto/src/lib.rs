//! The sans-IO MTProto protocol core, for both the client and the server role.
//!
//! Everything here is a plain state machine over bytes: no sockets, no
//! clocks, no global random number generator. Time and randomness are passed
//! in, so every step can be driven with fixed values in tests, and the same
//! code runs on both ends of a connection (the local test server is built on
//! it).
//!
//! | module | what |
//! |---|---|
//! | [`transport`] | framing codecs (abridged, intermediate, padded intermediate, full), obfuscated2, FakeTLS, and the server's transport detector |
//! | [`handshake`] | creating an authorization key (permanent or temporary), client and server |
//! | [`session`] | the encrypted session: msg_ids, seq_nos, acks, containers, gzip, salts, service messages, every incoming check |
//!
//! # Example: a client and a server exchanging one packet
//!
//! ```
//! use paperplane_mtproto::transport::{
//!     ClientConfig, ClientMode, ClientTransport, Frame, ObfuscatedFraming, ReadBuf,
//!     ServerConfig, ServerTransport,
//! };
//! use rand_core::OsRng;
//!
//! # fn main() -> Result<(), paperplane_mtproto::transport::TransportError> {
//! let now = 1_700_000_000; // unix seconds, from the caller's clock
//! let mut rng = OsRng;
//!
//! // The client opens the connection: the obfuscated2 header goes first.
//! let mode = ClientMode::obfuscated(ObfuscatedFraming::Intermediate, Some(2));
//! let mut to_server = Vec::new();
//! let mut client = ClientTransport::new(&ClientConfig::new(mode), now, &mut rng, &mut to_server)?;
//! client.encode(&[1, 2, 3, 4, 5, 6, 7, 8], false, &mut rng, &mut to_server)?;
//!
//! // The server recognises the transport from the first bytes and decodes.
//! let mut input = ReadBuf::from(to_server);
//! let mut to_client = Vec::new();
//! let mut server = ServerTransport::accept(&ServerConfig::new(), &mut input, now, &mut rng, &mut to_client)?
//!     .expect("the whole header has arrived");
//! let packet = server.decode(&mut input)?.expect("the whole packet has arrived");
//! assert_eq!(packet.payload, [1, 2, 3, 4, 5, 6, 7, 8]);
//!
//! // And answers. (A body of exactly 4 bytes would be a transport error
//! // code: MTProto packets are longer.)
//! server.encode(&[9; 8], &mut rng, &mut to_client)?;
//! let mut input = ReadBuf::from(to_client);
//! assert_eq!(client.decode(&mut input)?, Some(Frame::Packet(vec![9; 8])));
//! # Ok(())
//! # }
//! ```
#![forbid(unsafe_code)]

pub mod handshake;
pub mod session;
pub mod transport;
