// Lifetimes and retransmissions on the real iceway binary, with short configured lifetimes:
// an allocation expires and its relay port is free again, Refresh extends it and LIFETIME 0
// deletes it, a closed TCP connection ends its allocation, permissions and channels expire,
// and a retransmitted request gets byte-identical answers and creates nothing twice.
// These tests wait a few seconds of real time, bounded: the timers under test are real.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import {
  TurnClient, restCredentials, nowUnix, SECRET, turnArgs, Method, requestedTransportUdp, lifetimeAttr,
} from './lib/turn.mjs';
import { parse, message } from './lib/stun.mjs';

let short;   // allocations live 2 s
let timers;  // permissions and channels live 1 s; allocations the default 600 s

before(async () => {
  [short, timers] = await Promise.all([
    startIceway([...loopbackArgs(), ...turnArgs, '--set', 'turn.max_lifetime=2s']),
    startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers',
      '--set', 'turn.permission_lifetime=1s', '--set', 'turn.channel_lifetime=1s']),
  ]);
});

after(async () => {
  for (const server of [short, timers]) if (server) assert.equal(await stopIceway(server), 0, server.output());
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const host = (family) => (family === 6 ? '::1' : '127.0.0.1');
const port = (server, family = 4, kind = 'udp') => server[kind].find((e) => e.family === family).port;
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// How iceway writes an endpoint in its log lines.
const logged = ({ address, port: p }) => (address.includes(':') ? `[::1]:${p}` : `${address}:${p}`);

async function allocated(server, { user, family = 4, transport = 'udp', lifetime } = {}) {
  const client = await TurnClient.connect({ host: host(family), port: port(server, family, transport === 'udp' ? 'udp' : 'tcp'), transport });
  const answer = await client.allocate({ ...restCredentials(SECRET, user, nowUnix() + 600), family, lifetime });
  assert.equal(answer.success, true, `Allocate failed with ${answer.code}`);
  client.relayed = answer.relayed;
  client.lifetime = answer.lifetime;
  return client;
}

// Whether this process can bind the UDP address now: false while a relay socket holds it.
async function canBind({ address, port: p }) {
  const socket = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise((resolve, reject) => { socket.once('error', reject); socket.bind(p, address, resolve); });
    return true;
  } catch (error) {
    assert.equal(error.code, 'EADDRINUSE');
    return false;
  } finally {
    socket.close();
  }
}

for (const family of [4, 6]) {
  test(`an IPv${family} allocation expires after its lifetime and frees its relay port`, { timeout: 20000 }, async () => {
    const user = `expiry-v${family}`;
    const client = await allocated(short, { user, family });
    assert.equal(client.lifetime, 2, 'default_lifetime is capped at max_lifetime');
    assert.equal(await canBind(client.relayed), false, 'the relay socket holds the port while the allocation lives');
    const ended = new RegExp(`allocation ended: user=${user} client=udp \\S+ relayed=${escape(logged(client.relayed))} reason=expired duration=(\\d+)s`);
    const [, duration] = await waitForOutput(short, ended, 8000);
    assert.ok(Number(duration) >= 2 && Number(duration) <= 4, `duration ${duration}s for a 2 s lifetime`);
    assert.equal(await canBind(client.relayed), true, 'the relay port is free once the allocation expired');
    // The 5-tuple has no allocation any more (RFC 8656 §7.3 on Refresh).
    assert.equal((await client.refresh(2)).code, 437);
    client.close();
  });
}

test('a requested LIFETIME above max_lifetime is capped', async () => {
  const client = await allocated(short, { user: 'capped', lifetime: 3600 });
  assert.equal(client.lifetime, 2);
  const refreshed = await client.refresh(3600);
  assert.equal(refreshed.success, true);
  assert.equal(refreshed.lifetime, 2);
  client.close();
});

test('Refresh keeps an allocation alive past its first lifetime', { timeout: 20000 }, async () => {
  const client = await allocated(short, { user: 'refreshed' });
  const start = Date.now();
  while (Date.now() - start < 4000) {  // twice the lifetime
    await sleep(700);
    const answer = await client.refresh();
    assert.equal(answer.success, true, `Refresh failed with ${answer.code} after ${Date.now() - start} ms`);
    assert.equal(answer.lifetime, 2);
  }
  assert.doesNotMatch(short.output(), /allocation ended: user=refreshed /);
  assert.equal(await canBind(client.relayed), false);
  // Left alone, it expires like any other.
  await waitForOutput(short, /allocation ended: user=refreshed .* reason=expired/, 8000);
  client.close();
});

test('Refresh with LIFETIME 0 deletes at once; the 5-tuple may allocate again', async () => {
  const client = await allocated(timers, { user: 'deleted' });
  const deleted = await client.refresh(0);
  assert.equal(deleted.success, true, `error ${deleted.code}`);
  assert.equal(deleted.lifetime, 0);
  assert.ok(deleted.integrity);
  await waitForOutput(timers, new RegExp(`allocation ended: user=deleted client=udp \\S+ relayed=${escape(logged(client.relayed))} reason=deleted`), 2000);
  assert.equal(await canBind(client.relayed), true);
  assert.equal((await client.refresh(600)).code, 437);
  const again = await client.request(Method.allocate, [requestedTransportUdp()]);
  assert.equal(again.success, true, `error ${again.code}`);
  client.close();
});

test('closing the TCP connection ends its allocation and frees the port', async () => {
  const client = await allocated(timers, { user: 'closed-tcp', transport: 'tcp' });
  assert.equal(await canBind(client.relayed), false);
  client.close();
  await waitForOutput(timers, /allocation ended: user=closed-tcp client=tcp .* reason=closed/, 3000);
  assert.equal(await canBind(client.relayed), true);
});

// A UDP socket standing in for the peer.
async function peerSocket() {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const received = [];
  socket.on('message', (m) => received.push(m.toString()));
  return { socket, received, endpoint: { address: '127.0.0.1', port: socket.address().port } };
}

test('a permission expires: the peer is no longer relayed until it is created again', { timeout: 20000 }, async () => {
  const client = await allocated(timers, { user: 'permission' });
  const peer = await peerSocket();
  assert.equal((await client.createPermission(peer.endpoint)).success, true);
  peer.socket.send('one', client.relayed.port, '127.0.0.1');
  assert.equal((await client.nextData()).data.toString(), 'one');
  await sleep(2500);  // permission_lifetime 1 s, checked every second
  peer.socket.send('two', client.relayed.port, '127.0.0.1');
  await assert.rejects(client.nextData(700), /timed out/, 'a datagram without a permission is dropped');
  client.sendIndication(peer.endpoint, 'to peer without permission');
  await sleep(300);
  assert.deepEqual(peer.received, []);
  assert.equal((await client.createPermission(peer.endpoint)).success, true);
  peer.socket.send('three', client.relayed.port, '127.0.0.1');
  assert.equal((await client.nextData()).data.toString(), 'three');
  peer.socket.close();
  client.close();
});

test('a channel expires: its number no longer relays and the peer comes back as Data indications', { timeout: 20000 }, async () => {
  const client = await allocated(timers, { user: 'channel' });
  const peer = await peerSocket();
  assert.equal((await client.channelBind(0x4abc, peer.endpoint)).success, true);
  peer.socket.send('one', client.relayed.port, '127.0.0.1');
  assert.deepEqual(await client.nextData().then((d) => [d.channel, d.data.toString()]), [0x4abc, 'one']);
  await sleep(2500);  // channel_lifetime 1 s
  assert.equal((await client.createPermission(peer.endpoint)).success, true);  // the peer is allowed again...
  peer.socket.send('two', client.relayed.port, '127.0.0.1');
  const two = await client.nextData();
  assert.equal(two.channel, undefined, '...but without its channel');
  assert.equal(two.data.toString(), 'two');
  client.channelData(0x4abc, Buffer.from('on an expired channel'));
  await sleep(300);
  assert.deepEqual(peer.received, []);
  peer.socket.close();
  client.close();
});

// RFC 8656 §7.2 and SPEC §4: a retransmitted request (same transaction id, same 5-tuple)
// gets the same answer and creates nothing twice.
test('a retransmitted Allocate gets byte-identical answers and creates one allocation', async () => {
  const client = await TurnClient.connect({ host: '127.0.0.1', port: port(timers) });
  client.useCredentials(restCredentials(SECRET, 'retransmit', nowUnix() + 600));
  const challenge = await client.transact(message(Method.allocate, [requestedTransportUdp()]));
  assert.equal(challenge.code, 401, 'no nonce yet: challenged');
  client.learnChallenge(challenge.parsed);

  const request = client.signed(Method.allocate, [requestedTransportUdp()]);
  const id = request.subarray(8, 20);
  const answers = [];
  for (let i = 0; i < 3; ++i) {
    client.sendBytes(request);
    answers.push(await client.nextResponse(id));
    await sleep(100);
  }
  assert.equal(parse(answers[0]).type, 0x0103, 'Allocate success');
  assert.deepEqual(answers[1], answers[0]);
  assert.deepEqual(answers[2], answers[0]);
  await waitForOutput(timers, /allocation created: user=retransmit /);
  await sleep(300);
  assert.equal([...timers.output().matchAll(/allocation created: user=retransmit /g)].length, 1);

  // A new Allocate (another transaction) on the same 5-tuple is a mismatch, not a second one.
  assert.equal((await client.request(Method.allocate, [requestedTransportUdp()])).code, 437);

  // A retransmitted Refresh with LIFETIME 0 gets its success again, not 437.
  const remove = client.signed(Method.refresh, [lifetimeAttr(0)]);
  client.sendBytes(remove);
  const removed = await client.nextResponse(remove.subarray(8, 20));
  client.sendBytes(remove);
  assert.deepEqual(await client.nextResponse(remove.subarray(8, 20)), removed);
  assert.equal(parse(removed).type, 0x0104);
  await waitForOutput(timers, /allocation ended: user=retransmit .* reason=deleted/);
  await sleep(300);
  assert.equal([...timers.output().matchAll(/allocation ended: user=retransmit /g)].length, 1);
  client.close();
});
