// The peer policy of the real iceway binary (SPEC §9): under the default policy relaying to
// loopback, private, link-local (cloud metadata) and unspecified addresses is refused with 403,
// including IPv6 re-encodings of such IPv4 addresses, and nothing leaks to the peer; the
// relayed addresses of the server's own live allocations stay reachable, so two relay-only
// clients talk through one server; --allow-loopback-peers opens 127.0.0.1 and ::1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { TurnClient, startPeer, uclient, restCredentials, nowUnix, SECRET, turnArgs } from './lib/turn.mjs';

let strict;  // default policy
let open;    // --allow-loopback-peers
let peer;

before(async () => {
  [strict, open] = await Promise.all([
    startIceway([...loopbackArgs(), ...turnArgs]),
    startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers']),
  ]);
  peer = await startPeer(['127.0.0.1', '::1']);
});

after(async () => {
  if (peer) await peer.stop();
  for (const server of [strict, open]) if (server) assert.equal(await stopIceway(server), 0, server.output());
});

const udpPort = (server, family = 4) => server.udp.find((e) => e.family === family).port;

async function allocated(server, { family = 4, user = 'policy' } = {}) {
  const client = await TurnClient.connect({ host: family === 6 ? '::1' : '127.0.0.1', port: udpPort(server, family) });
  const answer = await client.allocate({ ...restCredentials(SECRET, user, nowUnix() + 600), family });
  assert.equal(answer.success, true, `Allocate failed with ${answer.code}`);
  client.relayed = answer.relayed;
  return client;
}

// A UDP socket standing in for a peer: collects what reaches it.
async function listeningPeer(address = '127.0.0.1') {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  await new Promise((resolve) => socket.bind(0, address, resolve));
  const received = [];
  socket.on('message', (m, rinfo) => received.push({ data: m, from: rinfo }));
  return { socket, received, address, port: socket.address().port };
}

const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

test('uclient relaying to 127.0.0.1 is refused under the default policy and works with --allow-loopback-peers', { timeout: 90000 }, async () => {
  const options = { host: '127.0.0.1', user: 'loopback', secret: SECRET, clients: 2, messages: 20, peer: { address: '127.0.0.1', port: peer.port } };
  const [channels, sends, allowed] = await Promise.all([
    uclient({ ...options, port: udpPort(strict) }),
    uclient({ ...options, port: udpPort(strict), send: true }),
    uclient({ ...options, port: udpPort(open) }),
  ]);
  assert.notEqual(channels.code, 0, channels.output);
  assert.match(channels.output, /channel bind: error 403 \(Forbidden\)/);
  assert.ok(!channels.received, channels.output);
  assert.notEqual(sends.code, 0, sends.output);
  assert.match(sends.output, /create permission error 403 \(Forbidden\)/);
  assert.ok(!sends.received, sends.output);

  assert.equal(allowed.code, 0, allowed.output);
  assert.equal(allowed.sent, 40, allowed.output);
  assert.equal(allowed.received, 40, allowed.output);
  assert.equal(allowed.lost, 0, allowed.output);
  // The refused runs still got their allocations: the refusal is about the peer, not the user.
  assert.match(strict.output(), /allocation created: user=loopback /);
});

const deniedIpv4 = ['127.0.0.1', '127.1.2.3', '0.0.0.0', '10.0.0.1', '100.64.0.1', '169.254.169.254', '172.16.0.1',
  '192.168.1.1', '198.18.0.1', '224.0.0.1', '240.0.0.1'];
// Each reduces to a denied IPv4 address (or is a denied IPv6 range): the re-encodings behind
// coturn's peer-filter CVEs.
const deniedIpv6 = ['::1', '::', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:0:127.0.0.1', '::127.0.0.1',
  '::10.0.0.1', '64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b:1::1', '2002:7f00:1::1', '2002:a9fe:a9fe::',
  'fe80::1', 'fc00::1', 'ff02::1', '2001:db8::1'];

for (const [family, addresses] of [[4, deniedIpv4], [6, deniedIpv6]]) {
  test(`CreatePermission and ChannelBind to denied IPv${family} peers get 403`, async () => {
    const client = await allocated(strict, { family, user: `denied-v${family}` });
    for (const address of addresses) {
      const permission = await client.createPermission({ address });
      assert.equal(permission.code, 403, `CreatePermission ${address}`);
      const bind = await client.channelBind(0x4000, { address, port: 3480 });
      assert.equal(bind.code, 403, `ChannelBind ${address}`);
    }
    client.close();
  });
}

test('one denied address among several refuses the whole CreatePermission', async () => {
  const client = await allocated(open, { user: 'mixed' });
  const target = await listeningPeer();
  const answer = await client.createPermission({ address: '127.0.0.1' }, { address: '169.254.169.254' });
  assert.equal(answer.code, 403);
  // And the allowed one was not installed on the side: the peer's datagram is not relayed.
  target.socket.send(Buffer.from('should not pass'), client.relayed.port, '127.0.0.1');
  await assert.rejects(client.nextData(500));
  target.socket.close();
  client.close();
});

test('a Send indication to a denied peer is dropped and nothing reaches it', async () => {
  const client = await allocated(strict, { user: 'send-denied' });
  const target = await listeningPeer();
  client.sendIndication({ address: '127.0.0.1', port: target.port }, 'leak?');
  client.sendIndication({ address: '::ffff:127.0.0.1', port: target.port }, 'leak?');
  await settle(500);
  assert.deepEqual(target.received, []);
  target.socket.close();
  client.close();
});

test('with --allow-loopback-peers a raw client relays both ways to a 127.0.0.1 peer', async () => {
  const client = await allocated(open, { user: 'raw-loopback' });
  const target = await listeningPeer();
  const permission = await client.createPermission({ address: '127.0.0.1' });
  assert.equal(permission.success, true, `error ${permission.code}`);
  client.sendIndication({ address: '127.0.0.1', port: target.port }, 'to the peer');
  await settle(200);
  assert.equal(target.received.length, 1);
  assert.equal(target.received[0].data.toString(), 'to the peer');
  assert.equal(target.received[0].from.port, client.relayed.port, 'it comes from the relayed address');
  target.socket.send(Buffer.from('to the client'), client.relayed.port, '127.0.0.1');
  const data = await client.nextData();
  assert.equal(data.data.toString(), 'to the client');
  assert.deepEqual({ address: data.peer.address, port: data.peer.port }, { address: '127.0.0.1', port: target.port });
  target.socket.close();
  client.close();
});

// SPEC §9: the relayed addresses of live allocations stay allowed under the default policy,
// though they are on the loopback relay IP here, so two relay-only clients reach each other.
test('two relay-only clients talk through one server under the default policy', async () => {
  const alice = await allocated(strict, { user: 'alice' });
  const bob = await allocated(strict, { user: 'bob' });
  assert.equal((await alice.createPermission(bob.relayed)).success, true);
  assert.equal((await bob.createPermission(alice.relayed)).success, true);

  alice.sendIndication(bob.relayed, 'hello bob');
  const first = await bob.nextData();
  assert.equal(first.data.toString(), 'hello bob');
  assert.equal(first.peer.port, alice.relayed.port);

  // Channels both ways: Bob's answer arrives at Alice as ChannelData on her channel.
  assert.equal((await alice.channelBind(0x4001, bob.relayed)).success, true);
  assert.equal((await bob.channelBind(0x4002, alice.relayed)).success, true);
  bob.channelData(0x4002, Buffer.from('hello alice'));
  const second = await alice.nextData();
  assert.deepEqual({ channel: second.channel, data: second.data.toString() }, { channel: 0x4001, data: 'hello alice' });

  // Once Bob's allocation is gone its address is just 127.0.0.1 again: denied.
  const bobsRelay = bob.relayed;
  assert.equal((await bob.refresh(0)).success, true);
  const late = await alice.createPermission(bobsRelay);
  assert.equal(late.code, 403);
  alice.close();
  bob.close();
});

// Binds a UDP socket on `port` of 127.0.0.1 as soon as it is free (the relay socket of an
// allocation that just ended is closed right after its Refresh is answered).
async function squat(port, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = dgram.createSocket('udp4');
    const bound = await new Promise((resolve) => {
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) {
      const received = [];
      socket.on('message', (m) => received.push(m.toString()));
      return { socket, received };
    }
    socket.close();
    if (Date.now() > deadline) throw new Error(`port ${port} stayed taken`);
    await settle(20);
  }
}

test('a channel to another allocation\'s relayed address stops relaying when that allocation ends', async () => {
  const attacker = await allocated(strict, { user: 'channel-attacker' });
  const victim = await allocated(strict, { user: 'channel-victim' });
  const control = await allocated(strict, { user: 'channel-control' });
  assert.equal((await attacker.channelBind(0x4001, victim.relayed)).success, true);
  assert.equal((await attacker.channelBind(0x4002, control.relayed)).success, true);
  assert.equal((await control.createPermission(attacker.relayed)).success, true);

  // The victim leaves; whatever holds its port next (here the test) must get nothing.
  assert.equal((await victim.refresh(0)).success, true);
  victim.close();
  const squatter = await squat(victim.relayed.port);
  try {
    attacker.channelData(0x4001, Buffer.from('to a dead relay port'));
    attacker.channelData(0x4002, Buffer.from('to a live relay'));
    const controlData = await control.nextData();
    assert.equal(controlData.data.toString(), 'to a live relay');
    await settle(300);
    assert.deepEqual(squatter.received, []);
  } finally {
    squatter.socket.close();
    attacker.close();
    control.close();
  }
});

test('a CreatePermission scan of the relay ports cannot tell a live relay from a dead port', { timeout: 60000 }, async () => {
  const victim = await allocated(strict, { user: 'scan-victim' });
  const scanner = await allocated(strict, { user: 'scanner' });
  try {
    // 200 ports next to the victim's, its own last, as fast as the server answers.
    const live = victim.relayed.port;
    const ports = Array.from({ length: 199 }, (_, i) => (live > 49152 + 200 ? live - 199 + i : live + 1 + i));
    const codes = new Map();
    for (const port of [...ports, live]) {
      const answer = await scanner.createPermission({ address: victim.relayed.address, port });
      codes.set(port, answer.success ? 200 : answer.code);
    }
    assert.equal(codes.get(live), 403, 'the scan found the live relay');
    assert.ok([...codes.values()].every((code) => code === 403 || code === 200));
  } finally {
    victim.close();
    scanner.close();
  }
});

test('an IPv4 peer on an IPv6 relay is a family mismatch (443), not a relay', async () => {
  const client = await allocated(open, { family: 6, user: 'mismatch' });
  assert.match(client.relayed.address, /^0:0:0:0:0:0:0:1$/);
  const answer = await client.createPermission({ address: '127.0.0.1' });
  assert.equal(answer.code, 443);
  client.close();
});
