#!/usr/bin/env python3
"""Writes the seed corpora of the STUN fuzzers (tests/fuzz/corpus/<target>/).

Independent of our codec on purpose: messages are assembled here from hex with Python's
hmac and zlib, so a seed does not inherit a bug of the code it exercises.
Run from the repository root: python3 tests/fuzz/stun/make_seeds.py
"""
import hashlib
import hmac
import os
import struct
import zlib

ROOT = os.path.join(os.path.dirname(__file__), "..", "corpus")
TID = bytes.fromhex("0102030405060708090a0b0c")
COOKIE = 0x2112A442


def h(text):
    return bytes.fromhex("".join(text.split()))


def attr(kind, value):
    pad = (-len(value)) % 4
    return struct.pack("!HH", kind, len(value)) + value + b"\0" * pad


def message(mtype, attrs, key=None, fingerprint=True, tid=TID):
    body = b"".join(attrs)
    if key is not None:
        header = struct.pack("!HHI", mtype, len(body) + 24, COOKIE) + tid
        mac = hmac.new(key, header + body, hashlib.sha1).digest()
        body += attr(0x0008, mac)
    if fingerprint:
        header = struct.pack("!HHI", mtype, len(body) + 8, COOKIE) + tid
        crc = (zlib.crc32(header + body) ^ 0x5354554E) & 0xFFFFFFFF
        body += attr(0x8028, struct.pack("!I", crc))
    return struct.pack("!HHI", mtype, len(body), COOKIE) + tid + body


def xor_v4(ip, port):
    a = bytes(int(x) for x in ip.split("."))
    xa = bytes(b ^ c for b, c in zip(a, struct.pack("!I", COOKIE)))
    return struct.pack("!BBH", 0, 1, port ^ (COOKIE >> 16)) + xa


RFC5769 = {
    "rfc5769_request": h("""00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74 00 24 00 04 6e 00 01 ff
        80 29 00 08 93 2f f9 b1 51 26 3b 36 00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20
        00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2 80 28 00 04 e5 7a 3b cf"""),
    "rfc5769_ipv4_response": h("""01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20 00 20 00 08 00 01 a1 47 e1 12 a6 43
        00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7 80 28 00 04 c0 7d 4c 96"""),
    "rfc5769_ipv6_response": h("""01 01 00 48 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae
        80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20
        00 20 00 14 00 02 a1 47 01 13 a9 fa a5 d3 f1 79 bc 25 f4 b5 be d2 b9 d9
        00 08 00 14 a3 82 95 4e 4b e6 7b f1 17 84 c9 7c 82 92 c2 75 bf e3 ed 41 80 28 00 04 c8 fb 0b 4c"""),
    "rfc5769_long_term_request": h("""00 01 00 60 21 12 a4 42 78 ad 34 33 c6 ad 72 c0 29 da 41 2e
        00 06 00 12 e3 83 9e e3 83 88 e3 83 aa e3 83 83 e3 82 af e3 82 b9 00 00
        00 15 00 1c 66 2f 2f 34 39 39 6b 39 35 34 64 36 4f 4c 33 34 6f 4c 39 46 53 54 76 79 36 34 73 41
        00 14 00 0b 65 78 61 6d 70 6c 65 2e 6f 72 67 00
        00 08 00 14 f6 70 24 65 6d d6 4a 3e 02 b8 e0 71 2e 85 c9 a2 8c a8 96 66"""),
}

KEY = hashlib.md5(b"1700000000:alice:iceway:secret").digest()
USER = attr(0x0006, b"1700000000:alice")
REALM = attr(0x0014, b"iceway")
NONCE = attr(0x0015, b"0123456789abcdef")
UDP = attr(0x0019, h("11000000"))
PEER1 = attr(0x0012, xor_v4("198.51.100.7", 50000))
PEER2 = attr(0x0012, xor_v4("203.0.113.9", 3478))

TURN = {
    "binding_request": message(0x0001, []),
    "binding_indication": message(0x0011, [], fingerprint=False),
    "allocate_unauthenticated": message(0x0003, [UDP], fingerprint=False),
    "allocate_401": message(0x0113, [attr(0x0009, h("00000401") + b"Unauthenticated"), REALM, NONCE,
                                     attr(0x8002, h("0002 0000 0001 0000"))]),
    "allocate_authenticated": message(0x0003, [UDP, attr(0x000D, h("00000e10")), attr(0x0017, h("02000000")),
                                               attr(0x0018, h("80")), attr(0x001A, b""), USER, REALM, NONCE], key=KEY),
    "allocate_success": message(0x0103, [attr(0x0016, xor_v4("192.0.2.15", 49152)), attr(0x0020, xor_v4("203.0.113.9", 40000)),
                                         attr(0x000D, h("00000258")), attr(0x8022, b"iceway")], key=KEY),
    "refresh_delete": message(0x0004, [attr(0x000D, h("00000000")), USER, REALM, NONCE], key=KEY),
    # RFC 8016: MOBILITY-TICKET, empty when asked for, a 32-character ticket when carried back.
    "allocate_mobility": message(0x0003, [UDP, attr(0x8030, b""), USER, REALM, NONCE], key=KEY),
    "refresh_mobility_ticket": message(0x0004, [attr(0x000D, h("00000258")), attr(0x8030, b"0001" + b"0" * 28),
                                                USER, REALM, NONCE], key=KEY),
    "create_permission": message(0x0008, [PEER1, PEER2, USER, REALM, NONCE], key=KEY),
    "channel_bind": message(0x0009, [attr(0x000C, h("40010000")), PEER1, USER, REALM, NONCE], key=KEY),
    "send_indication": message(0x0016, [PEER1, attr(0x0013, b"hello peer")], fingerprint=False),
    "data_indication": message(0x0017, [PEER1, attr(0x0013, b"hello client"), attr(0x8004, h("0000 0304 00000578"))],
                               fingerprint=False),
    "error_420": message(0x0111, [attr(0x0009, h("00000414") + b"Unknown Attribute"), attr(0x000A, h("0003 0018"))]),
    "binding_change_request": message(0x0001, [attr(0x0003, h("00000006"))]),
    "binding_response_port": message(0x0001, [attr(0x0027, h("13880000"))]),
    "binding_padding": message(0x0001, [attr(0x0026, bytes(64))]),
    "binding_nat_success": message(0x0101, [attr(0x0020, xor_v4("203.0.113.9", 40000)),
                                            attr(0x802B, h("0001 0d97 c6336402")), attr(0x802C, h("0001 0d96 c6336401")),
                                            attr(0x0026, bytes(8))]),
    "sha256_integrity": message(0x0001, [USER, attr(0x001D, h("0002 0000")), attr(0x001E, bytes(32)),
                                         attr(0x001C, bytes(32))]),
}

CHANNEL = {
    "unpadded": h("4001 0005 68656c6c6f"),
    "padded": h("4001 0005 68656c6c6f 000000"),
    "empty": h("4000 0000"),
    "legacy_range": h("7fff 0004 01020304"),
}


def write(target, seeds):
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)


write("stun_message_fuzz", {**RFC5769, **TURN})
write("channel_data_fuzz", CHANNEL)
stream = TURN["allocate_authenticated"] + CHANNEL["padded"] + RFC5769["rfc5769_request"] + CHANNEL["empty"]
write("stream_framer_fuzz", {
    "mixed_stream": stream,
    "stream_cut": stream[:-7],
    "stun_then_garbage": TURN["binding_request"] + h("c0 00 00 00"),
    "channel_only": CHANNEL["padded"] * 3,
})
