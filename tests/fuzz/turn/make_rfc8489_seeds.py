#!/usr/bin/env python3
"""RFC 8489 seeds for turn_dispatch_fuzz and stun_message_fuzz (issue 15 part 5).

Every nonce iceway issues starts with the security-feature cookie "obMatJos2wAAA" (RFC 8489
§9.2, turn/security_features.hpp); a nonce without it is refused with 438. The committed
dispatch seeds carry the fuzzer's nonce (its fixed key and clock) without the cookie, so this
script prefixes the cookie and re-signs them (MESSAGE-INTEGRITY under the static user
fuzz:fuzz, FINGERPRINT), and adds seeds that take the RFC 8489 path: PASSWORD-ALGORITHMS
echoed, PASSWORD-ALGORITHM SHA-256, USERHASH, MESSAGE-INTEGRITY-SHA256, and the bid-down
refusals. Assembled with Python's hashlib and zlib, independent of our codec.
Run from the repository root, once: python3 tests/fuzz/turn/make_rfc8489_seeds.py
(it is idempotent: a nonce that already has the cookie is left as it is).
"""
import hashlib
import hmac
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(__file__), "..", "corpus")
DISPATCH = os.path.join(ROOT, "turn_dispatch_fuzz")
COOKIE = 0x2112A442
NONCE_COOKIE = b"obMatJos2wAAA"
REALM = b"iceway"
USERNAME = b"fuzz"
PASSWORD = b"fuzz"
MD5_KEY = hashlib.md5(USERNAME + b":" + REALM + b":" + PASSWORD).digest()
SHA256_KEY = hashlib.sha256(USERNAME + b":" + REALM + b":" + PASSWORD).digest()
USERHASH = hashlib.sha256(USERNAME + b":" + REALM).digest()
OFFERED = bytes.fromhex("0002000000010000")


def attr(kind, value):
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * ((-len(value)) % 4)


def attributes(data):
    offset = 20
    while offset + 4 <= len(data):
        kind, length = struct.unpack_from("!HH", data, offset)
        yield kind, data[offset + 4:offset + 4 + length]
        offset += 4 + length + ((-length) % 4)


def message(mtype, tid, attrs, sha1_key=None, sha256_key=None, sha256_length=32):
    body = b"".join(attrs)
    if sha1_key is not None:
        header = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
        body += attr(0x0008, hmac.new(sha1_key, header + body, hashlib.sha1).digest())
    if sha256_key is not None:
        header = struct.pack("!HHI", mtype, len(body) + 4 + sha256_length, COOKIE) + tid
        body += attr(0x001C, hmac.new(sha256_key, header + body, hashlib.sha256).digest()[:sha256_length])
    header = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tid
    body += attr(0x8028, struct.pack("!I", (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF))
    return struct.pack("!HHI", mtype, len(body), COOKIE) + tid + body


def cookied(data):
    """The seed with the cookie before its nonce, re-signed; None if it has no nonce."""
    mtype = struct.unpack_from("!H", data, 0)[0]
    tid = data[8:20]
    attrs, nonce = [], None
    for kind, value in attributes(data):
        if kind in (0x0008, 0x8028):
            continue
        if kind == 0x0015:
            nonce = value if value.startswith(NONCE_COOKIE) else NONCE_COOKIE + value
            value = nonce
        attrs.append(attr(kind, value))
    if nonce is None:
        return None, None
    return message(mtype, tid, attrs, sha1_key=MD5_KEY), nonce


def main():
    nonce = None
    for name in sorted(os.listdir(DISPATCH)):
        path = os.path.join(DISPATCH, name)
        with open(path, "rb") as f:
            data = f.read()
        if len(data) < 20 or data[0] & 0xC0:
            continue  # ChannelData
        rewritten, seed_nonce = cookied(data)
        if rewritten is not None:
            with open(path, "wb") as f:
                f.write(rewritten)
            nonce = nonce or seed_nonce
    assert nonce is not None, "no dispatch seed with a nonce"

    tid = bytes.fromhex("0a0b0c0d0e0f101112131415")
    udp = attr(0x0019, bytes.fromhex("11000000"))
    common = [attr(0x0014, REALM), attr(0x0015, nonce)]
    algorithms = attr(0x8002, OFFERED)
    sha256 = attr(0x001D, bytes.fromhex("00020000"))
    dispatch = {
        "allocate_sha256_userhash": message(0x0003, tid, [udp, attr(0x001E, USERHASH)] + common + [algorithms, sha256],
                                            sha256_key=SHA256_KEY),
        "allocate_sha256_username": message(0x0003, tid, [udp, attr(0x0006, USERNAME)] + common + [algorithms, sha256],
                                            sha256_key=SHA256_KEY),
        "refresh_sha256_userhash": message(0x0004, tid, [attr(0x000D, bytes.fromhex("00000258")), attr(0x001E, USERHASH)]
                                           + common + [algorithms, sha256], sha256_key=SHA256_KEY),
        "allocate_md5_integrity_sha256": message(0x0003, tid, [udp, attr(0x0006, USERNAME)] + common
                                                 + [algorithms, attr(0x001D, bytes.fromhex("00010000"))],
                                                 sha256_key=MD5_KEY),
        "allocate_bid_down_md5_only": message(0x0003, tid, [udp, attr(0x0006, USERNAME)] + common
                                              + [attr(0x8002, bytes.fromhex("00010000")),
                                                 attr(0x001D, bytes.fromhex("00010000"))], sha1_key=MD5_KEY),
        "allocate_bid_down_no_list": message(0x0003, tid, [udp, attr(0x0006, USERNAME)] + common + [sha256],
                                             sha256_key=SHA256_KEY),
        "allocate_truncated_sha256": message(0x0003, tid, [udp, attr(0x0006, USERNAME)] + common + [algorithms, sha256],
                                             sha256_key=SHA256_KEY, sha256_length=16),
    }
    for name, data in dispatch.items():
        with open(os.path.join(DISPATCH, name), "wb") as f:
            f.write(data)

    # stun_message_fuzz: a 401 as iceway now sends it, and RFC 8489 Appendix B.1 as corrected
    # by erratum 6268 (USERHASH, NONCE, REALM, PASSWORD-ALGORITHM, MESSAGE-INTEGRITY-SHA256).
    b1_user = "\u30de\u30c8\u30ea\u30c3\u30af\u30b9".encode()
    b1_key = hashlib.sha256(b1_user + b":example.org:TheMatrIX").digest()
    b1 = message(0x0001, bytes.fromhex("78ad3433c6ad72c029da412e"),
                 [attr(0x001E, hashlib.sha256(b1_user + b":example.org").digest()),
                  attr(0x0015, b"obMatJos2AAACf//499k954d6OL34oL9FSTvy64sA"), attr(0x0014, b"example.org"),
                  attr(0x001D, bytes.fromhex("00020000"))], sha256_key=b1_key)
    b1 = b1[:-8]  # the vector has no FINGERPRINT
    b1 = b1[:2] + struct.pack("!H", len(b1) - 20) + b1[4:]
    assert b1[-32:].hex() == "b5c7bf005b6c52a21c51c5e892f81924136296cb927c43149309278cc6518e65", b1.hex()
    stun = {
        "rfc8489_b1_sha256_userhash": b1,
        "allocate_401_cookie": message(0x0113, tid, [attr(0x0009, bytes.fromhex("00000401") + b"Unauthenticated"),
                                                     attr(0x0014, REALM), attr(0x0015, nonce), algorithms]),
    }
    for name, data in stun.items():
        with open(os.path.join(ROOT, "stun_message_fuzz", name), "wb") as f:
            f.write(data)


main()
