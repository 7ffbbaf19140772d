#!/usr/bin/env python3
"""A NOTIFY_SOCKET for the integration tests (Node has no AF_UNIX datagram sockets).

notify_socket.py PATH binds an AF_UNIX SOCK_DGRAM socket at PATH, prints "listening", then
prints every datagram received (what sd_notify sends) as one JSON object per line,
{"at": milliseconds since the epoch when it arrived, "text": the datagram}, until it is
terminated. The time is taken here, so a busy test process reading late does not skew it. Standard library only: python3 is on every Debian.
"""
import json
import socket
import sys
import time

sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sys.argv[1])
print("listening", flush=True)
while True:
    data = sock.recv(65536)
    arrived = time.time() * 1000
    print(json.dumps({"at": arrived, "text": data.decode("utf-8", "replace")}), flush=True)
