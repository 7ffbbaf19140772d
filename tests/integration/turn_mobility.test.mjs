// RFC 8016 mobility through the real iceway binary, driven by coturn's turnutils_uclient -M:
// each client asks for a MOBILITY-TICKET with its Allocate, then opens a new socket (a new
// source port: a "moved" client) and sends its Refresh from there with the ticket, twice; the
// relaying that follows (to coturn's turnutils_peer, an echo) runs on the new socket only. So
// every packet that comes back proves the allocation followed its client. With four worker
// threads the new 5-tuple usually reaches another worker than the allocation's (SO_REUSEPORT
// hashes it), which hands the Refresh over and receives the allocation, relay socket and all.
// Over TCP uclient may close the old connection before its Refresh: a mobile allocation waits
// for it. Not over TLS and DTLS: uclient -M tears its sessions down at random there, which
// coturn's own mobility suite (examples/run_tests_mobile.sh) leaves out for the same reason;
// the core's tests (tests/turn/mobility_test.cpp) cover those transports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { startPeer, uclient, SECRET, turnArgs, udpSocketDrops } from './lib/turn.mjs';

const CLIENTS = 10;
const MESSAGES = 40;
let server;
let plain;

before(async () => {
  server = await startIceway([...loopbackArgs({ ipv6: false, threads: 4 }), ...turnArgs, '--allow-loopback-peers',
    '--set', 'turn.mobility=true', '--set', 'turn.max_stream_clients_per_ip=1000']);
  plain = await startIceway([...loopbackArgs({ ipv6: false, threads: 1 }), ...turnArgs, '--allow-loopback-peers']);
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (plain) assert.equal(await stopIceway(plain), 0, plain.output());
});

const port = (s) => s.udp.find((e) => e.family === 4).port;  // one port serves UDP and TCP

const moves = (text, user) => [...text.matchAll(
  new RegExp(`allocation moved: user=${user} client=(\\w+) (\\S+) relayed=(\\S+) from_worker=(\\d+) worker=(\\d+)`, 'g'))]
  .map(([, transport, client, relayed, from, to]) => ({ transport, client, relayed, from: Number(from), to: Number(to) }));

const ended = (text, user) => [...text.matchAll(
  new RegExp(`allocation ended: user=${user} client=\\w+ (\\S+) .* packets_to_peer=(\\d+) packets_to_client=(\\d+)`, 'g'))]
  .map(([, client, toPeer, toClient]) => ({ client, toPeer: Number(toPeer), toClient: Number(toClient) }));

async function mobileRun(transport, user) {
  const since = server.output().length;
  const peer = await startPeer(['127.0.0.1']);
  try {
    const result = await uclient({
      host: '127.0.0.1', port: port(server), transport, clients: CLIENTS, messages: MESSAGES, user,
      secret: SECRET, peer: { address: '127.0.0.1', port: peer.port }, extra: ['-M'], timeoutMs: 90000,
    });
    const why = `${result.command}\n${result.output}\n${server.output().slice(since)}`;
    assert.equal(result.code, 0, why);
    assert.deepEqual(result.errors, [], why);
    assert.equal(result.sent, CLIENTS * MESSAGES, why);
    // Every allocation (uclient makes two per client) moved to its new socket's 5-tuple, of its
    // own transport.
    const log = () => server.output().slice(since);
    const created = [...log().matchAll(new RegExp(`allocation created: user=${user} `, 'g'))].length;
    const moved = moves(log(), user);
    assert.ok(created >= CLIENTS, why);
    assert.equal(moved.length, created, `${JSON.stringify(moved)}\n${why}`);
    for (const m of moved) assert.equal(m.transport, transport, why);
    // ...and relayed there: uclient deletes the allocation of each client that carried its
    // traffic (Refresh 0) and leaves the other to expire (over TCP too: a mobile allocation
    // outlives its connection). The packets counted at those ends went both ways through the
    // new 5-tuples.
    const movedTo = new Set(moved.map((m) => m.client));
    let counted = [];
    for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
      counted = ended(log(), user).filter((e) => movedTo.has(e.client));
      if (counted.length >= CLIENTS) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(counted.length, CLIENTS, `allocations ended on the new 5-tuples:\n${why}`);
    const toPeer = counted.reduce((sum, e) => sum + e.toPeer, 0);
    const toClient = counted.reduce((sum, e) => sum + e.toClient, 0);
    assert.equal(toPeer, result.sent, why);
    assert.equal(toClient, toPeer - udpSocketDrops(peer.port), why);
    if (transport === 'tcp') assert.equal(result.received, toClient, why);
    else assert.ok(result.received <= toClient, why);
    return moved;
  } finally {
    await peer.stop();
  }
}

test('uclient -M over UDP: every allocation follows its client to a new port, across workers', async () => {
  const moved = await mobileRun('udp', 'mobile-udp');
  // Twenty new 5-tuples hashed over four workers: that none reached another worker than its
  // allocation's has a chance of 4^-20.
  assert.ok(moved.some((m) => m.from !== m.to), JSON.stringify(moved));
});

test('uclient -M over TCP: a new connection takes the allocation over, the old one may be gone already', async () => {
  await mobileRun('tcp', 'mobile-tcp');
});

test('without turn.mobility, MOBILITY-TICKET is 405 Mobility Forbidden and nothing is allocated', async () => {
  const since = plain.output().length;
  const peer = await startPeer(['127.0.0.1']);
  try {
    const result = await uclient({
      host: '127.0.0.1', port: port(plain), clients: 1, messages: 5, user: 'not-mobile', secret: SECRET,
      peer: { address: '127.0.0.1', port: peer.port }, extra: ['-M'],
    });
    const why = `${result.command}\n${result.output}`;
    assert.notEqual(result.code, 0, why);
    assert.match(result.output, /error 405 \(Mobility Forbidden\)|405/, why);
    assert.doesNotMatch(plain.output().slice(since), /allocation created: user=not-mobile/);
  } finally {
    await peer.stop();
  }
});
