#!/usr/bin/env python3
"""Independent known-answer vectors for paperplane-crypto's tests.

Everything here is written from the protocol documents with Python's own
hashlib, pow() and the `cryptography` package's AES-ECB block function (IGE is
built on it below); none of it shares code with the Rust crate. Run
`python3 gen_vectors.py` and paste the output into tests/known_answers.rs.
Inputs are fixed byte patterns so the vectors are reproducible.
"""
import hashlib
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.serialization import load_pem_public_key


def sha1(*parts): return hashlib.sha1(b"".join(parts)).digest()
def sha256(*parts): return hashlib.sha256(b"".join(parts)).digest()
def xor(a, b): return bytes(x ^ y for x, y in zip(a, b))


def pattern(tag, n):
    """n deterministic bytes: SHA-256 counter mode over a tag."""
    out = b""
    i = 0
    while len(out) < n:
        out += sha256(tag.encode(), i.to_bytes(4, "big"))
        i += 1
    return out[:n]


def aes_ige_encrypt(data, key, iv):
    ecb = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    y_prev, x_prev = iv[:16], iv[16:]
    out = b""
    for i in range(0, len(data), 16):
        x = data[i:i + 16]
        y = xor(ecb.update(xor(x, y_prev)), x_prev)
        out += y
        y_prev, x_prev = y, x
    return out


def emit(name, value):
    if isinstance(value, int):
        print(f'const {name}: &str = "{value:x}";')
    else:
        print(f'const {name}: &str = "{value.hex()}";')


# 1. AES-256-IGE.
key, iv, plain = pattern("ige key", 32), pattern("ige iv", 32), pattern("ige plain", 96)
emit("IGE_KEY", key); emit("IGE_IV", iv); emit("IGE_PLAIN", plain)
emit("IGE_CIPHER", aes_ige_encrypt(plain, key, iv))

# 2. MTProto 2.0 message encryption (core.telegram.org/mtproto/description).
auth_key = pattern("auth key", 256)
plaintext = pattern("mtproto plaintext", 80)
emit("AUTH_KEY", auth_key); emit("MT_PLAIN", plaintext)
emit("AUTH_KEY_ID", sha1(auth_key)[12:20])
emit("AUX_HASH", sha1(auth_key)[:8])
for label, x in (("C2S", 0), ("S2C", 8)):
    msg_key = sha256(auth_key[88 + x:88 + x + 32], plaintext)[8:24]
    a = sha256(msg_key, auth_key[x:x + 36])
    b = sha256(auth_key[40 + x:40 + x + 36], msg_key)
    aes_key = a[:8] + b[8:24] + a[24:32]
    aes_iv = b[:8] + a[8:24] + b[24:32]
    emit(f"{label}_MSG_KEY", msg_key); emit(f"{label}_AES_KEY", aes_key)
    emit(f"{label}_AES_IV", aes_iv); emit(f"{label}_CIPHER", aes_ige_encrypt(plaintext, aes_key, aes_iv))

# 3. RSA with Telegram's production key (core.telegram.org/mtproto/auth_key).
PROD = open(__file__.replace("gen_vectors.py", "telegram_production_key.pem")).read()
pub = load_pem_public_key(PROD.encode()).public_numbers()
n, e = pub.n, pub.e
data = pattern("p_q_inner_data", 100)
padding = pattern("rsa pad padding", 192 - len(data))
emit("RSA_DATA", data); emit("RSA_PAD_PADDING", padding)
def rsa_pad_block(temp_key):
    data_with_padding = data + padding                                 # 192 bytes
    data_pad_reversed = data_with_padding[::-1]
    data_with_hash = data_pad_reversed + sha256(temp_key, data_with_padding)  # 224
    aes_encrypted = aes_ige_encrypt(data_with_hash, temp_key, bytes(32))
    temp_key_xor = xor(temp_key, sha256(aes_encrypted))
    return temp_key_xor + aes_encrypted                               # 256


temp_keys = [pattern(f"temp key {i}", 32) for i in range(400)]
below = next(t for t in temp_keys if int.from_bytes(rsa_pad_block(t), "big") < n)
above = next(t for t in temp_keys if int.from_bytes(rsa_pad_block(t), "big") >= n)
emit("RSA_PAD_TEMP_KEY", below)
emit("RSA_PAD_KEY_AES_ENCRYPTED", rsa_pad_block(below))
emit("RSA_PAD_ENCRYPTED", pow(int.from_bytes(rsa_pad_block(below), "big"), e, n).to_bytes(256, "big"))
# A temp_key whose block is >= n: RSA_PAD must retry with another temp_key.
emit("RSA_PAD_TEMP_KEY_ABOVE_N", above)
old_padding = pattern("sha1 padding", 235 - len(data))
block = sha1(data) + data + old_padding  # 255 bytes
emit("SHA1_PAD_PADDING", old_padding)
emit("SHA1_PAD_ENCRYPTED", pow(int.from_bytes(block, "big"), e, n).to_bytes(256, "big"))

# 4. SRP (core.telegram.org/api/srp) over Telegram's prime with g = 3.
p_bytes = bytes.fromhex(
    "c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f"
    "48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c37"
    "20fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f64"
    "2477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4"
    "a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754"
    "fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4"
    "e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f"
    "0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b")
p, g = int.from_bytes(p_bytes, "big"), 3
salt1, salt2 = pattern("srp salt1", 40), pattern("srp salt2", 16)
password = "correct horse battery staple".encode()
def SH(data, salt): return sha256(salt, data, salt)
ph1 = SH(SH(password, salt1), salt2)
ph2 = SH(hashlib.pbkdf2_hmac("sha512", ph1, salt1, 100000), salt2)
x = int.from_bytes(ph2, "big")
v = pow(g, x, p)
def pad(i): return i.to_bytes(256, "big")
k = int.from_bytes(sha256(pad(p), pad(g)), "big")
a = int.from_bytes(pattern("srp a", 256), "big")
b = int.from_bytes(pattern("srp b", 256), "big")
g_a = pow(g, a, p)
B = (k * v + pow(g, b, p)) % p
u = int.from_bytes(sha256(pad(g_a), pad(B)), "big")
s_client = pow((B - k * v) % p, a + u * x, p)
s_server = pow(g_a * pow(v, u, p), b, p)
assert s_client == s_server
k_a = sha256(pad(s_client))
m1 = sha256(xor(sha256(pad(p)), sha256(pad(g))), sha256(salt1), sha256(salt2), pad(g_a), pad(B), k_a)
emit("SRP_SALT1", salt1); emit("SRP_SALT2", salt2)
emit("SRP_PH1", ph1); emit("SRP_X", ph2); emit("SRP_V", pad(v))
emit("SRP_A_SECRET", pad(a)); emit("SRP_B_SECRET", pad(b))
emit("SRP_A", pad(g_a)); emit("SRP_B", pad(B)); emit("SRP_M1", m1)
emit("SRP_K", k_a)
