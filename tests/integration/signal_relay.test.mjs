// The named relay (/relay?name=) and the y-webrtc topic protocol (/yjs) against the real iceway
// binary, spoken with the `ws` client exactly as docs/signaling.md describes them: targets in
// each of the four fields, the sender stamped by the server, answers for absent peers and taken
// names; subscribe, publish with `clients`, unsubscribe and ping for y-webrtc.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import {
  startSignalServer, SignalClient, signalUrl, scrape, waitForMetric, errorMetric, messageMetric, connectionsMetric,
} from './lib/signal.mjs';

let server;
const clients = [];
async function open(path) {
  const client = await SignalClient.open(signalUrl(server, path));
  clients.push(client);
  return client;
}
// A relay client has no greeting; a pong proves the server registered it (its frames are
// handled after its open, in order).
async function relay(name) {
  const client = await open(`/relay?name=${encodeURIComponent(name)}`);
  client.send({ type: 'ping' });
  assert.deepEqual(await client.next(), { type: 'pong' });
  return client;
}

before(async () => { server = await startSignalServer([...loopbackArgs({ ipv6: false }), ...turnArgs]); });
after(async () => {
  await Promise.all(clients.map((c) => c.terminate()));
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

describe('named relay (/relay)', () => {
  test('a tutorial-style call: every target field delivers, stamped with from and fromUser', async () => {
    const before = await scrape(server);
    const alice = await relay('alice');
    const bob = await relay('bob');

    const offer = { type: 'offer', toUser: 'bob', offer: { type: 'offer', sdp: 'v=0\r\n' } };
    alice.send(offer);
    assert.deepEqual(await bob.next(), { ...offer, from: 'alice', fromUser: 'alice' });

    for (const field of ['to', 'toUser', 'target', 'name']) {
      const message = { type: 'candidate', [field]: 'alice', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0' } };
      bob.send(message);
      assert.deepEqual(await alice.next(), { ...message, from: 'bob', fromUser: 'bob' }, field);
    }
    // The first string field in the order to, toUser, target, name wins; non-strings are skipped.
    alice.send({ type: 'answer', to: 42, toUser: 'bob', target: 'nobody', answer: { sdp: 'v=0' } });
    assert.deepEqual(await bob.next(), { type: 'answer', to: 42, toUser: 'bob', target: 'nobody', answer: { sdp: 'v=0' }, from: 'alice', fromUser: 'alice' });
    // A client cannot pose as someone else: from and fromUser are overwritten.
    bob.send({ type: 'hangup', to: 'alice', from: 'mallory', fromUser: 'mallory' });
    assert.deepEqual(await alice.next(), { type: 'hangup', to: 'alice', from: 'bob', fromUser: 'bob' });

    // Order holds for a burst (under the default burst of 100 messages).
    for (let i = 0; i < 80; i += 1) alice.send({ type: 'seq', to: 'bob', i });
    for (let i = 0; i < 80; i += 1) assert.equal((await bob.next()).i, i);

    alice.send({ type: 'ping' });
    assert.deepEqual(await alice.next(), { type: 'pong' });

    const now = await scrape(server);
    assert.equal(now.get(messageMetric('relay', 'message')) - before.get(messageMetric('relay', 'message')), 87);
    assert.equal(now.get(messageMetric('relay', 'ping')) - before.get(messageMetric('relay', 'ping')), 3);  // two of them from relay()
    await alice.close();
    await bob.close();
  });

  test('a message for a name not online is answered with an error naming it', async () => {
    const carol = await relay('carol');
    const before = (await scrape(server)).get(errorMetric('peer-unavailable'));
    carol.send({ type: 'offer', toUser: 'dave', offer: {} });
    assert.deepEqual(await carol.next(),
      { type: 'error', code: 'peer-unavailable', message: 'user "dave" is not online', target: 'dave' });
    // A peer that was online and left is not online either.
    const erin = await relay('erin');
    await erin.close();
    await waitForMetric(server, connectionsMetric('relay'), (v) => v === 1);
    carol.send({ type: 'offer', to: 'erin' });
    const error = await carol.next();
    assert.equal(error.code, 'peer-unavailable');
    assert.equal(error.target, 'erin');
    assert.equal((await scrape(server)).get(errorMetric('peer-unavailable')), before + 2);

    // Without any target: bad-request, and the connection stays.
    carol.send({ type: 'offer', offer: {} });
    const untargeted = await carol.next();
    assert.equal(untargeted.type, 'error');
    assert.equal(untargeted.code, 'bad-request');
    carol.send('not json');
    assert.equal((await carol.next()).code, 'bad-request');
    carol.send({ type: 'ping' });
    assert.deepEqual(await carol.next(), { type: 'pong' });
    await carol.close();
  });

  test('a name in use is refused with id-taken and close 1008; a missing or bad name with bad-request', async () => {
    const frank = await relay('frank');
    const before = (await scrape(server)).get(errorMetric('id-taken'));
    const impostor = await open('/relay?name=frank');
    const error = await impostor.next();
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'id-taken');
    assert.match(error.message, /frank/);
    assert.equal((await impostor.closed).code, 1008);
    assert.equal((await scrape(server)).get(errorMetric('id-taken')), before + 1);
    // The holder is unaffected.
    frank.send({ type: 'ping' });
    assert.deepEqual(await frank.next(), { type: 'pong' });

    for (const path of ['/relay', '/relay?name=', '/relay?name=two%20words']) {
      const refused = await open(path);
      assert.equal((await refused.next()).code, 'bad-request', path);
      assert.equal((await refused.closed).code, 1008, path);
    }
    await frank.close();
  });

  test('relay names and native ids are separate namespaces', async () => {
    const relayGina = await relay('gina');
    const native = await open('/ws?id=gina');
    const welcome = await native.next();
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.id, 'gina');
    native.send({ type: 'signal', to: 'gina', data: 'to myself' });
    assert.deepEqual(await native.next(), { type: 'signal', from: 'gina', data: 'to myself' });
    relayGina.send({ type: 'ping' });
    assert.deepEqual(await relayGina.next(), { type: 'pong' });
    await native.close();
    await relayGina.close();
  });
});

describe('y-webrtc topics (/yjs)', () => {
  test('subscribe, publish to every subscriber with clients, unsubscribe, ping', async () => {
    const before = await scrape(server);
    const [a, b, c] = [await open('/yjs'), await open('/yjs'), await open('/yjs')];
    await waitForMetric(server, connectionsMetric('yjs'), (v) => v === 3);
    a.send({ type: 'subscribe', topics: ['doc-1', 'doc-2'] });
    b.send({ type: 'subscribe', topics: ['doc-1', 7, null] });  // non-strings skipped, as the reference does
    c.send({ type: 'subscribe', topics: ['doc-2'] });
    // A ping's pong proves each subscribe was handled (one connection's frames are in order).
    for (const client of [a, b, c]) {
      client.send({ type: 'ping' });
      assert.deepEqual(await client.next(), { type: 'pong' });
    }
    assert.equal((await scrape(server)).get('iceway_signal_rooms_active') - before.get('iceway_signal_rooms_active'), 2);

    const announce = { type: 'publish', topic: 'doc-1', data: { type: 'announce', from: 'peer-a' } };
    a.send(announce);
    // Everyone subscribed gets it whole, the sender too, with the subscriber count.
    assert.deepEqual(await a.next(), { ...announce, clients: 2 });
    assert.deepEqual(await b.next(), { ...announce, clients: 2 });
    const toDoc2 = { type: 'publish', topic: 'doc-2', data: { type: 'signal', to: 'x', signal: { sdp: 'v=0' } } };
    c.send(toDoc2);
    assert.deepEqual(await c.next(), { ...toDoc2, clients: 2 });
    assert.deepEqual(await a.next(), { ...toDoc2, clients: 2 });

    // A topic nobody subscribed to: nothing goes anywhere, nothing is an error (as the reference).
    b.send({ type: 'publish', topic: 'nobody-here', data: 1 });
    b.send({ type: 'ping' });
    assert.deepEqual(await b.next(), { type: 'pong' });

    a.send({ type: 'unsubscribe', topics: ['doc-1'] });
    a.send({ type: 'ping' });
    assert.deepEqual(await a.next(), { type: 'pong' });  // the unsubscribe was handled
    b.send({ type: 'publish', topic: 'doc-1', data: 'after unsubscribe' });
    assert.deepEqual(await b.next(), { type: 'publish', topic: 'doc-1', data: 'after unsubscribe', clients: 1 });
    a.send({ type: 'ping' });
    assert.deepEqual(await a.next(), { type: 'pong' }, 'a got nothing for doc-1 after unsubscribing');

    // Unknown types get an error frame (y-webrtc ignores it); the connection stays.
    a.send({ type: 'dance' });
    const error = await a.next();
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'bad-request');

    const now = await scrape(server);
    const moved = (type) => now.get(messageMetric('yjs', type)) - before.get(messageMetric('yjs', type));
    assert.equal(moved('subscribe'), 3);
    assert.equal(moved('unsubscribe'), 1);
    assert.equal(moved('publish'), 4);
    assert.equal(moved('ping'), 6);
    assert.equal(moved('invalid'), 1);

    // Closing a subscriber takes it out of its topics.
    await c.close();
    await waitForMetric(server, connectionsMetric('yjs'), (v) => v === 2);
    a.send({ type: 'publish', topic: 'doc-2', data: 'alone' });
    assert.deepEqual(await a.next(), { type: 'publish', topic: 'doc-2', data: 'alone', clients: 1 });
    await a.close();
    await b.close();
    await waitForMetric(server, 'iceway_signal_rooms_active', (v) => v === before.get('iceway_signal_rooms_active'));
  });
});
