#!/usr/bin/env python3
"""Spoofed-source TURN Allocate flood for fault_spoofed_flood.test.mjs.

Run inside the sender's network namespace, where the test has made the flood's whole source
range local (`ip route add local RANGE dev lo`), so every answer the server sends to a forged
source comes back here and is counted. Sends COUNT unauthenticated Allocate requests over a raw
socket (IP_HDRINCL), each from the next address of RANGE and source port SPORT, paced in
bursts; then sends one Binding request from this namespace's real address and waits for its
answer (the server still serves others). Prints one JSON line:
{"sent", "answers", "answer_bytes", "request_bytes", "binding_answered", "seconds"}.
"""
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

MAGIC = 0x2112A442
# socket(7) options that raise the buffer limits as root; Python names them only on some builds.
SO_SNDBUFFORCE = getattr(socket, "SO_SNDBUFFORCE", 32)
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


def stun(method_type, attributes=b""):
    return struct.pack("!HHI", method_type, len(attributes), MAGIC) + os.urandom(12) + attributes


def allocate_request():
    # REQUESTED-TRANSPORT UDP: what every browser's first Allocate carries.
    return stun(0x0003, struct.pack("!HHB3x", 0x0019, 4, 17))


def udp_packet(source, sport, destination, dport, payload):
    # IPv4 header: the kernel fills in the checksum, total length and id (raw(7)); UDP
    # checksum 0 means none (RFC 768).
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0x4000, 64, socket.IPPROTO_UDP, 0,
                     source.packed, destination.packed)
    return ip + struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def main():
    server, port, source_range, sport, count, real = sys.argv[1:7]
    server = ipaddress.IPv4Address(server)
    port, sport, count = int(port), int(sport), int(count)
    network = ipaddress.IPv4Network(source_range)
    if count > network.num_addresses - 2:
        sys.exit(f"{source_range} holds fewer than {count} addresses")

    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    listener.bind(("0.0.0.0", sport))
    listener.setblocking(False)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, 8 << 20)

    answers = 0
    answer_bytes = 0

    def drain():
        nonlocal answers, answer_bytes
        while True:
            try:
                data = listener.recv(2048)
            except BlockingIOError:
                return
            answers += 1
            answer_bytes += len(data)

    started = time.monotonic()
    first = int(network.network_address) + 1
    request_bytes = 0
    for i in range(count):
        payload = allocate_request()
        request_bytes += len(payload)
        packet = udp_packet(ipaddress.IPv4Address(first + i), sport, server, port, payload)
        while True:
            try:
                raw.sendto(packet, (str(server), 0))
                break
            except BlockingIOError:
                drain()
        # Bursts of 200 with a pause, so the flood is fast (tens of thousands a second) but
        # not so fast that the veth queue rather than the server decides what is dropped.
        if i % 200 == 199:
            drain()
            time.sleep(0.002)
    sent_seconds = time.monotonic() - started

    # Whatever is still in flight: drain until the answers stop for a second (at most 15 s).
    deadline = time.monotonic() + 15
    quiet_since = time.monotonic()
    while time.monotonic() < deadline and time.monotonic() - quiet_since < 1:
        before = answers
        select.select([listener], [], [], 0.1)
        drain()
        if answers != before:
            quiet_since = time.monotonic()

    # A real client from this namespace's own address is still answered.
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind((real, 0))
    probe.settimeout(0.5)
    request = stun(0x0001)
    binding_answered = False
    for _ in range(10):  # RFC 8489-style retransmission, bounded
        probe.sendto(request, (str(server), port))
        try:
            data = probe.recv(2048)
        except socket.timeout:
            continue
        if data[8:20] == request[8:20] and struct.unpack("!H", data[:2])[0] == 0x0101:
            binding_answered = True
            break

    print(json.dumps({"sent": count, "answers": answers, "answer_bytes": answer_bytes,
                      "request_bytes": request_bytes, "binding_answered": binding_answered,
                      "seconds": round(sent_seconds, 2)}))


if __name__ == "__main__":
    main()
