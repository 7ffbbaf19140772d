#!/usr/bin/env python3
"""An impaired link between this network namespace and another, for the fault tests.

This machine's kernel has no netem qdisc, so the impairment `tc netem` would add on a veth is
done here, in user space, on the path: two TUN devices, one in the namespace this runs in and
one in NETNS, and every IP packet read from one is written to the other after the impairment.
Per packet and direction, as netem does it: dropped with probability LOSS; otherwise delivered
after DELAY ± JITTER milliseconds (uniform), so that with a jitter larger than the gap between
packets they arrive out of order; and with probability DUPLICATE delivered a second time. The
decisions come from a seeded generator, so a seed gives the same sequence of decisions.

  impair.py NETNS DEV_HERE DEV_THERE [--loss P] [--delay MS] [--jitter MS] [--duplicate P]
            [--seed N] [--port PORT]

It creates both devices (without addresses: the caller configures them with `ip` once this
prints its first line, {"ready": true}), then forwards until stdin closes or SIGTERM, when it
prints its counters as one JSON line and exits 0. A line "stats" on stdin prints the counters
at once. Counters per direction ("in": towards NETNS, "out": from it): packets read, dropped,
duplicated, written, failed to write, still waiting, written out of order (after a packet
read later), and IPv4 fragments read (the data counts below look at whole datagrams only, so
a test reading them should expect none: TURN over UDP keeps its datagrams under the MTU).
With --port, the UDP datagrams to or from that port that carry relayed data (TURN ChannelData,
Send and Data indications) are counted too, as "data_read" and "data_written", so the server's
counters can be checked against what the link really delivered.
"""
import argparse
import ctypes
import fcntl
import heapq
import json
import os
import random
import select
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def setns(path):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f'setns {path}')
    finally:
        os.close(fd)


def carries_relayed_data(packet, port):
    """True for an IPv4 UDP datagram to or from `port` whose payload is TURN data."""
    if len(packet) < 20 or packet[0] >> 4 != 4 or packet[9] != 17:
        return False
    header = (packet[0] & 0x0F) * 4
    if len(packet) < header + 12:
        return False
    source, destination = struct.unpack_from('!HH', packet, header)
    if port not in (source, destination):
        return False
    payload = packet[header + 8:]
    if 0x40 <= payload[0] <= 0x7F:          # ChannelData (RFC 8656 §12.4)
        return True
    message_type = struct.unpack_from('!H', payload, 0)[0]
    return message_type in (0x0016, 0x0017)  # Send and Data indications


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('netns')
    parser.add_argument('dev_here')
    parser.add_argument('dev_there')
    parser.add_argument('--loss', type=float, default=0.0)
    parser.add_argument('--delay', type=float, default=0.0, help='milliseconds')
    parser.add_argument('--jitter', type=float, default=0.0, help='milliseconds, uniform either side')
    parser.add_argument('--duplicate', type=float, default=0.0)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--port', type=int, default=0)
    args = parser.parse_args()
    if not (0 <= args.loss < 1 and 0 <= args.duplicate < 1 and args.delay >= args.jitter >= 0):
        parser.error('loss and duplicate are probabilities below 1; jitter must not exceed delay')

    home = os.open('/proc/self/ns/net', os.O_RDONLY)
    here = open_tun(args.dev_here)
    setns(f'/run/netns/{args.netns}')
    there = open_tun(args.dev_there)
    setns(f'/proc/self/fd/{home}')
    os.close(home)

    rng = random.Random(args.seed)
    directions = {here: 'in', there: 'out'}
    target = {here: there, there: here}
    counters = {d: {'read': 0, 'dropped': 0, 'duplicated': 0, 'written': 0, 'reordered': 0,
                    'data_read': 0, 'data_written': 0, 'write_failed': 0, 'fragments': 0} for d in ('in', 'out')}
    latest_written = {'in': -1, 'out': -1}
    pending = []  # (due, sequence, direction, fd, packet, is_data)
    sequence = 0
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True
    signal.signal(signal.SIGTERM, stop)

    def report():
        for direction in counters:
            counters[direction]['pending'] = sum(1 for entry in pending if entry[2] == direction)
        sys.stdout.write(json.dumps(counters) + '\n')
        sys.stdout.flush()

    sys.stdout.write(json.dumps({'ready': True}) + '\n')
    sys.stdout.flush()
    poller = select.poll()
    for fd in (here, there):
        poller.register(fd, select.POLLIN)
    poller.register(sys.stdin.fileno(), select.POLLIN)
    stdin_buffer = b''
    while not stopping:
        now = time.monotonic()
        timeout = max(0, (pending[0][0] - now) * 1000) if pending else 1000
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            continue
        for fd, _ in events:
            if fd == sys.stdin.fileno():
                chunk = os.read(fd, 4096)
                if not chunk:
                    stopping = True
                    break
                stdin_buffer += chunk
                while b'\n' in stdin_buffer:
                    line, stdin_buffer = stdin_buffer.split(b'\n', 1)
                    if line.strip() == b'stats':
                        report()
                continue
            direction = directions[fd]
            for _ in range(64):  # a bounded batch per wake-up, so both directions get turns
                try:
                    packet = os.read(fd, 65536)
                except BlockingIOError:
                    break
                count = counters[direction]
                count['read'] += 1
                is_data = bool(args.port) and carries_relayed_data(packet, args.port)
                if len(packet) >= 20 and packet[0] >> 4 == 4 and struct.unpack_from('!H', packet, 6)[0] & 0x3FFF:
                    count['fragments'] += 1
                count['data_read'] += is_data
                if rng.random() < args.loss:
                    count['dropped'] += 1
                    continue
                copies = 1
                if rng.random() < args.duplicate:
                    count['duplicated'] += 1
                    copies = 2
                for _copy in range(copies):
                    due = time.monotonic() + (args.delay + rng.uniform(-args.jitter, args.jitter)) / 1000
                    heapq.heappush(pending, (due, sequence, direction, target[fd], packet, is_data))
                    sequence += 1
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, number, direction, fd, packet, is_data = heapq.heappop(pending)
            count = counters[direction]
            try:
                os.write(fd, packet)
            except OSError:
                count['write_failed'] += 1
                continue
            count['written'] += 1
            count['data_written'] += is_data
            if number < latest_written[direction]:
                count['reordered'] += 1
            latest_written[direction] = max(latest_written[direction], number)
    report()
    return 0


if __name__ == '__main__':
    sys.exit(main())
