//! MTProxy: where the proxy is and its secret, from a proxy link.
//!
//! Telegram shares proxies as `https://t.me/proxy?server=HOST&port=PORT&secret=SECRET`
//! or `tg://proxy?server=…&port=…&secret=…` (MTProxy's README). The secret
//! is hexadecimal or, as tdlib also accepts (and writes for FakeTLS
//! secrets), base64url or base64 (tdlib's `ProxySecret::from_link`): 16
//! bytes, `dd` + 16 bytes, or `ee` + 16 bytes + domain
//! ([`ProxySecret`]).
//!
//! With an [`MtProxy`] in the pool's configuration, every DC connection
//! goes to the proxy, naming the DC in the obfuscated2 header
//! ([`ClientMode::mtproxy`](paperplane_mtproto::transport::ClientMode::mtproxy)).

use std::str::FromStr;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use paperplane_mtproto::transport::{ProxySecret, TransportError};
use zeroize::Zeroize;

/// Why a proxy link could not be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProxyLinkError {
    /// Not a `t.me/proxy` or `tg://proxy` link (SOCKS5 links, `t.me/socks`,
    /// are a different thing).
    #[error("not an MTProxy link (expected https://t.me/proxy?… or tg://proxy?…)")]
    NotAProxyLink,
    /// A required parameter is missing or empty.
    #[error("proxy link has no `{0}`")]
    Missing(&'static str),
    /// The server is not a host name or IP address.
    #[error("proxy link has an invalid server {0:?}")]
    InvalidServer(String),
    /// The port is not a number from 1 to 65535.
    #[error("proxy link has an invalid port {0:?}")]
    InvalidPort(String),
    /// The secret is neither hexadecimal nor base64, or not a valid
    /// MTProxy secret.
    #[error("proxy link has an invalid secret: {0}")]
    InvalidSecret(String),
}

/// An MTProxy: its address and secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MtProxy {
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The secret, which also picks the transport (obfuscated2, padded
    /// intermediate, FakeTLS).
    pub secret: ProxySecret,
}

impl MtProxy {
    /// A proxy at `host:port` with `secret`.
    pub fn new(host: impl Into<String>, port: u16, secret: ProxySecret) -> Self {
        Self {
            host: host.into(),
            port,
            secret,
        }
    }

    /// Parses `https://t.me/proxy?server=HOST&port=PORT&secret=SECRET`
    /// (also `http://`, no scheme, `telegram.me`, `telegram.dog`) or
    /// `tg://proxy?server=…&port=…&secret=…`. Parameters may come in any
    /// order and be percent-encoded; unknown ones are ignored.
    ///
    /// # Errors
    ///
    /// Another kind of link, a missing parameter, or an invalid server,
    /// port or secret ([`ProxyLinkError`]).
    pub fn from_link(link: &str) -> Result<Self, ProxyLinkError> {
        let query = proxy_query(link.trim()).ok_or(ProxyLinkError::NotAProxyLink)?;
        let (mut server, mut port, mut secret) = (None, None, None);
        for pair in query.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let (slot, invalid): (_, fn(&str) -> ProxyLinkError) = match name {
                "server" => (&mut server, |v| ProxyLinkError::InvalidServer(v.into())),
                "port" => (&mut port, |v| ProxyLinkError::InvalidPort(v.into())),
                "secret" => (&mut secret, |_| {
                    ProxyLinkError::InvalidSecret("bad percent-encoding".into())
                }),
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(percent_decode(value).ok_or_else(|| invalid(value))?);
            }
        }
        let present = |value: Option<String>, name| {
            value
                .filter(|v| !v.is_empty())
                .ok_or(ProxyLinkError::Missing(name))
        };
        let server = present(server, "server")?;
        let port = present(port, "port")?;
        let mut secret = present(secret, "secret")?;
        let parsed = parse_secret(&secret);
        secret.zeroize();
        Ok(Self {
            host: parse_host(&server)?,
            port: match port.parse::<u16>() {
                Ok(port) if port != 0 => port,
                _ => return Err(ProxyLinkError::InvalidPort(port)),
            },
            secret: parsed?,
        })
    }
}

impl FromStr for MtProxy {
    type Err = ProxyLinkError;

    fn from_str(link: &str) -> Result<Self, Self::Err> {
        Self::from_link(link)
    }
}

/// `text` without `prefix`, compared ignoring ASCII case.
fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    match head.eq_ignore_ascii_case(prefix) {
        true => text.get(prefix.len()..),
        false => None,
    }
}

/// The query of a proxy link, or `None` for any other text.
fn proxy_query(link: &str) -> Option<&str> {
    if let Some(query) =
        strip_prefix_ci(link, "tg://proxy?").or_else(|| strip_prefix_ci(link, "tg:proxy?"))
    {
        return Some(query);
    }
    let rest = strip_prefix_ci(link, "https://")
        .or_else(|| strip_prefix_ci(link, "http://"))
        .unwrap_or(link);
    let (host, path) = rest.split_once('/')?;
    let host = strip_prefix_ci(host, "www.").unwrap_or(host);
    let known = ["t.me", "telegram.me", "telegram.dog"];
    if !known.iter().any(|k| k.eq_ignore_ascii_case(host)) {
        return None;
    }
    let (path, query) = path.split_once('?')?;
    matches!(path, "proxy" | "proxy/").then_some(query)
}

/// Decodes `%XX` escapes and `+` (a space in query strings); `None` for
/// a broken escape or bytes that are not UTF-8.
fn percent_decode(value: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(value.len());
    let mut rest = value.bytes();
    while let Some(b) = rest.next() {
        match b {
            b'%' => {
                let hi = rest.next().and_then(|c| char::from(c).to_digit(16));
                let lo = rest.next().and_then(|c| char::from(c).to_digit(16));
                bytes.push(u8::try_from(hi? * 16 + lo?).ok()?);
            }
            b'+' => bytes.push(b' '),
            _ => bytes.push(b),
        }
    }
    String::from_utf8(bytes).ok()
}

/// A host name or IP address; brackets around IPv6 are removed.
fn parse_host(server: &str) -> Result<String, ProxyLinkError> {
    let host = server
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(server);
    let valid = host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':'));
    match valid && !host.is_empty() {
        true => Ok(host.to_owned()),
        false => Err(ProxyLinkError::InvalidServer(server.to_owned())),
    }
}

/// Hexadecimal first, then base64url, then base64 (tdlib's order).
fn parse_secret(text: &str) -> Result<ProxySecret, ProxyLinkError> {
    let invalid = |e: TransportError| ProxyLinkError::InvalidSecret(e.to_string());
    if text.len() % 2 == 0 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return ProxySecret::from_hex(text).map_err(invalid);
    }
    let config =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let url = GeneralPurpose::new(&base64::alphabet::URL_SAFE, config);
    let standard = GeneralPurpose::new(&base64::alphabet::STANDARD, config);
    let mut bytes = url
        .decode(text)
        .or_else(|_| standard.decode(text))
        .map_err(|_| ProxyLinkError::InvalidSecret("neither hexadecimal nor base64".into()))?;
    let secret = ProxySecret::from_bytes(&bytes).map_err(invalid);
    bytes.zeroize();
    secret
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "00112233445566778899aabbccddeeff";

    fn key_bytes() -> [u8; 16] {
        core::array::from_fn(|i| (i as u8) * 0x11)
    }

    #[test]
    fn parses_telegrams_link_forms() {
        for link in [
            format!("https://t.me/proxy?server=proxy.example&port=443&secret={KEY_HEX}"),
            format!("http://t.me/proxy?port=443&secret={KEY_HEX}&server=proxy.example"),
            format!("t.me/proxy?server=proxy.example&port=443&secret={KEY_HEX}"),
            format!("https://telegram.me/proxy?server=proxy.example&port=443&secret={KEY_HEX}"),
            format!("https://www.t.me/proxy/?server=proxy.example&port=443&secret={KEY_HEX}"),
            format!("tg://proxy?server=proxy.example&port=443&secret={KEY_HEX}&extra=1"),
            format!("TG://proxy?server=proxy.example&port=443&secret={KEY_HEX}"),
            format!("  tg:proxy?server=proxy.example&port=443&secret={KEY_HEX}\n"),
        ] {
            let proxy = MtProxy::from_link(&link).unwrap_or_else(|e| panic!("{link}: {e}"));
            assert_eq!(proxy.host, "proxy.example", "{link}");
            assert_eq!(proxy.port, 443);
            assert_eq!(proxy.secret.key().expose(), &key_bytes());
            assert!(matches!(proxy.secret, ProxySecret::Simple(_)));
        }
        let parsed: MtProxy = format!("tg://proxy?server=[::1]&port=8443&secret=dd{KEY_HEX}")
            .parse()
            .unwrap();
        assert_eq!(parsed, MtProxy::new("::1", 8443, parsed.secret.clone()));
        assert!(matches!(parsed.secret, ProxySecret::Padded(_)));
    }

    #[test]
    fn secrets_in_hex_base64url_and_base64() {
        // ee + key + "example.com", as tdlib writes FakeTLS secrets.
        let mut raw = vec![0xee];
        raw.extend_from_slice(&key_bytes());
        raw.extend_from_slice(b"example.com");
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        let standard = base64::engine::general_purpose::STANDARD.encode(&raw);
        let escaped = standard
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        for secret in [hex.clone(), hex.to_uppercase(), url, escaped] {
            let link = format!("https://t.me/proxy?server=1.2.3.4&port=443&secret={secret}");
            let proxy = MtProxy::from_link(&link).unwrap_or_else(|e| panic!("{secret}: {e}"));
            let ProxySecret::FakeTls { key, domain } = &proxy.secret else {
                panic!("not FakeTLS: {:?}", proxy.secret);
            };
            assert_eq!(domain, "example.com");
            assert_eq!(key.expose(), &key_bytes());
        }
        // The key of a simple secret in base64url.
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key_bytes());
        let link = format!("tg://proxy?server=h&port=1&secret={url}");
        assert!(matches!(
            MtProxy::from_link(&link).map(|p| p.secret),
            Ok(ProxySecret::Simple(_))
        ));
    }

    #[test]
    fn rejects_bad_links() {
        let ok_secret = format!("secret={KEY_HEX}");
        let cases: Vec<(String, ProxyLinkError)> = vec![
            (
                format!("https://t.me/socks?server=h&port=1&{ok_secret}"),
                ProxyLinkError::NotAProxyLink,
            ),
            (
                format!("https://example.com/proxy?server=h&port=1&{ok_secret}"),
                ProxyLinkError::NotAProxyLink,
            ),
            ("https://t.me/proxy".into(), ProxyLinkError::NotAProxyLink),
            (
                format!("ftp://t.me/proxy?server=h&port=1&{ok_secret}"),
                ProxyLinkError::NotAProxyLink,
            ),
            ("".into(), ProxyLinkError::NotAProxyLink),
            (
                "tg://socks?server=h&port=1".into(),
                ProxyLinkError::NotAProxyLink,
            ),
            (
                format!("tg://proxy?port=1&{ok_secret}"),
                ProxyLinkError::Missing("server"),
            ),
            (
                format!("tg://proxy?server=&port=1&{ok_secret}"),
                ProxyLinkError::Missing("server"),
            ),
            (
                format!("tg://proxy?server=h&{ok_secret}"),
                ProxyLinkError::Missing("port"),
            ),
            (
                "tg://proxy?server=h&port=1".into(),
                ProxyLinkError::Missing("secret"),
            ),
            (
                format!("tg://proxy?server=h&port=0&{ok_secret}"),
                ProxyLinkError::InvalidPort("0".into()),
            ),
            (
                format!("tg://proxy?server=h&port=65536&{ok_secret}"),
                ProxyLinkError::InvalidPort("65536".into()),
            ),
            (
                format!("tg://proxy?server=h&port=-1&{ok_secret}"),
                ProxyLinkError::InvalidPort("-1".into()),
            ),
            (
                format!("tg://proxy?server=a%20b&port=1&{ok_secret}"),
                ProxyLinkError::InvalidServer("a b".into()),
            ),
            (
                format!("tg://proxy?server=a/b&port=1&{ok_secret}"),
                ProxyLinkError::InvalidServer("a/b".into()),
            ),
        ];
        for (link, expected) in cases {
            assert_eq!(MtProxy::from_link(&link), Err(expected), "{link}");
        }
        for secret in [
            "00112233",
            "ab00112233445566778899aabbccddeeff",
            "dd00112233445566778899aabbccddeeff00",
            "ee00112233445566778899aabbccddeeff",
            "not base64!",
            "%zz",
            "%C3%28",
        ] {
            let link = format!("tg://proxy?server=h&port=1&secret={secret}");
            assert!(
                matches!(
                    MtProxy::from_link(&link),
                    Err(ProxyLinkError::InvalidSecret(_))
                ),
                "{secret}"
            );
        }
    }

    #[test]
    fn debug_does_not_show_the_key() {
        let link = format!("tg://proxy?server=h&port=1&secret={KEY_HEX}");
        let proxy = MtProxy::from_link(&link).unwrap();
        let debug = format!("{proxy:?}");
        assert!(!debug.contains("0x11") && !debug.contains("17"), "{debug}");
        assert!(debug.contains("ProxySecret::Simple(..)"), "{debug}");
    }
}
