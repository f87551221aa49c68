#!/usr/bin/env python3
"""Independent known answers for crates/mtproto/tests/transport_vectors.rs.

Written from the protocol descriptions (core.telegram.org/mtproto/mtproto-transports,
MTProxy's FakeTLS behaviour), not from the Rust code. Needs `cryptography`
(`pip install cryptography`) for AES-CTR; zlib, hmac and hashlib are stdlib.

    python3 crates/mtproto/tests/transport_vectors/make_vectors.py

prints the constants pasted into transport_vectors.rs.
"""
import hashlib
import hmac
import struct
import zlib

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def ctr(key, iv):
    # AES-256-CTR, the whole 16-byte IV as a big-endian counter.
    return Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()


def show(name, data):
    print(f'const {name}: &str = "{data.hex()}";')


# --- obfuscated2 -----------------------------------------------------------
RANDOM = bytes((i * 7 + 3) % 256 for i in range(64))
show("OBF_RANDOM", RANDOM)


def obfuscated(tag, dc_id, secret, client_frame, server_frame):
    header = bytearray(RANDOM)
    header[56:60] = tag
    header[60:62] = struct.pack("<h", dc_id)
    c2s_key, c2s_iv = bytes(header[8:40]), bytes(header[40:56])
    rev = bytes(header[8:56])[::-1]
    s2c_key, s2c_iv = rev[:32], rev[32:48]
    if secret is not None:
        c2s_key = hashlib.sha256(c2s_key + secret).digest()
        s2c_key = hashlib.sha256(s2c_key + secret).digest()
    enc = ctr(c2s_key, c2s_iv)
    encrypted = enc.update(bytes(header))
    wire_header = bytes(header[:56]) + encrypted[56:64]
    client_wire = enc.update(client_frame)  # the stream continues after the header
    server_wire = ctr(s2c_key, s2c_iv).update(server_frame)
    return wire_header, client_wire, server_wire


# Case A: abridged, DC 2, no secret. Client sends a 16-byte packet, server an 8-byte one.
PAYLOAD_A = bytes(range(16))
REPLY_A = b"\xaa" * 8
h, c, s = obfuscated(b"\xef" * 4, 2, None, bytes([len(PAYLOAD_A) // 4]) + PAYLOAD_A,
                     bytes([len(REPLY_A) // 4]) + REPLY_A)
show("OBF_A_HEADER", h)
show("OBF_A_CLIENT_WIRE", c)
show("OBF_A_SERVER_WIRE", s)

# Case B: intermediate, DC -2, MTProxy secret 00..0f.
SECRET_B = bytes(range(16))
PAYLOAD_B = bytes(range(100, 124))
REPLY_B = b"\x55" * 12
h, c, s = obfuscated(b"\xee" * 4, -2, SECRET_B, struct.pack("<I", len(PAYLOAD_B)) + PAYLOAD_B,
                     struct.pack("<I", len(REPLY_B)) + REPLY_B)
show("OBF_B_HEADER", h)
show("OBF_B_CLIENT_WIRE", c)
show("OBF_B_SERVER_WIRE", s)

# --- full transport CRC ----------------------------------------------------
def full(seq, payload):
    head = struct.pack("<II", len(payload) + 12, seq) + payload
    return head + struct.pack("<I", zlib.crc32(head))


show("FULL_SEQ0", full(0, bytes(range(1, 21))))
show("FULL_SEQ1", full(1, b"\xfe" * 8))

# --- FakeTLS ---------------------------------------------------------------
TLS_KEY = bytes.fromhex("0123456789abcdef0123456789abcdef")
TLS_TIME = 1_700_000_000
DOMAIN = b"example.com"


def u16(n):
    return struct.pack(">H", n)


def ext(kind, body):
    return u16(kind) + u16(len(body)) + body


# A minimal TLS 1.3-shaped ClientHello padded to 517 bytes (tdlib's size).
sni = ext(0x0000, u16(len(DOMAIN) + 3) + b"\x00" + u16(len(DOMAIN)) + DOMAIN)
versions = ext(0x002B, b"\x02\x03\x04")
body_head = b"\x03\x03" + b"\x00" * 32 + b"\x20" + b"\x11" * 32 + u16(2) + b"\x13\x01" + b"\x01\x00"
exts = sni + versions
pad = 517 - (5 + 4 + len(body_head) + 2 + len(exts) + 4)
exts += ext(0x0015, b"\x00" * pad)
body = body_head + u16(len(exts)) + exts
hello = bytearray(b"\x16\x03\x01" + u16(len(body) + 4) + b"\x01" + struct.pack(">I", len(body))[1:] + body)
assert len(hello) == 517
digest = bytearray(hmac.new(TLS_KEY, bytes(hello), hashlib.sha256).digest())
stamp = struct.pack("<I", TLS_TIME)
for i in range(4):
    digest[28 + i] ^= stamp[i]
hello[11:43] = digest
client_random = bytes(digest)
show("TLS_CLIENT_HELLO", hello)
show("TLS_CLIENT_RANDOM", client_random)

# The server's answer, MTProxy's layout, fixed "random" parts.
answer = bytearray(b"\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03" + b"\x00" * 32)
answer += b"\x20" + b"\x11" * 32
answer += b"\x13\x01\x00\x00\x2e"
answer += b"\x00\x33\x00\x24\x00\x1d\x00\x20" + b"\x22" * 32
answer += b"\x00\x2b\x00\x02\x03\x04"
answer += b"\x14\x03\x03\x00\x01\x01" + b"\x17\x03\x03" + u16(100) + b"\x33" * 100
answer[11:43] = hmac.new(TLS_KEY, client_random + bytes(answer), hashlib.sha256).digest()
show("TLS_SERVER_ANSWER", answer)
