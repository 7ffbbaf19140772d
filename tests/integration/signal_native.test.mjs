// The native signaling protocol (/ws, docs/signaling.md) against the real iceway binary, with
// the `ws` npm client: the welcome and its TURN credentials (used for a real Allocate), a
// complete two-peer call, ordering under a burst, every kind of refusal with its code and ref,
// presence when a socket drops, chosen ids, and JWT identity (minted here with node:crypto).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { TurnClient, SECRET, turnArgs } from './lib/turn.mjs';
import {
  startSignalServer, SignalClient, signalUrl, connectNative, scrape, waitForMetric, errorMetric, messageMetric, connectionsMetric,
  mintToken,
} from './lib/signal.mjs';

// A burst of 200 messages must not meet the rate limit here (signal_limits tests that).
const fastArgs = ['--set', 'signal.messages_per_second=100000', '--set', 'signal.message_burst=100000'];
const TOKEN_SECRET = 'signal-integration-jwt-secret';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const clients = [];
async function native(server, query = '') {
  const { client, welcome } = await connectNative(server, query);
  clients.push(client);
  return { client, welcome };
}
async function closeAll() {
  await Promise.all(clients.splice(0).map((c) => c.terminate()));
}

describe('open signaling', () => {
  let server;
  // Anonymous clients get TURN credentials in their welcome only by the operator's choice
  // outside development mode (SPEC §2); signal_credentials.test.mjs covers who gets them.
  const openArgs = ['--set', 'signal.anonymous_credentials=true'];
  before(async () => { server = await startSignalServer([...loopbackArgs({ ipv6: false }), ...turnArgs, ...fastArgs, ...openArgs]); });
  after(async () => {
    await closeAll();
    if (server) assert.equal(await stopIceway(server), 0, server.output());
  });

  test('welcome: a random id and TURN credentials bound to it that allocate for real', async () => {
    const { client, welcome } = await native(server);
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    assert.match(welcome.id, UUID);
    assert.equal(welcome.ttl, 86400);
    const urls = welcome.iceServers.flatMap((s) => s.urls);
    const udpPort = server.udp.find((e) => e.family === 4).port;
    assert.ok(urls.includes(`stun:127.0.0.1:${udpPort}`), JSON.stringify(urls));
    assert.ok(urls.includes(`turn:127.0.0.1:${udpPort}?transport=udp`), JSON.stringify(urls));
    const turn = welcome.iceServers.find((s) => s.username);
    const [expiry, user] = turn.username.split(':');
    assert.equal(user, welcome.id);
    const lifetime = Number(expiry) - Date.now() / 1000;
    assert.ok(lifetime > 86400 - 60 && lifetime <= 86400 + 1, `expiry ${expiry}`);
    assert.equal(turn.credential, createHmac('sha1', SECRET).update(turn.username).digest('base64'));

    const turnClient = await TurnClient.connect({ host: '127.0.0.1', port: udpPort });
    try {
      const answer = await turnClient.allocate({ username: turn.username, password: turn.credential });
      assert.equal(answer.success, true, `Allocate with the welcome's credentials: error ${answer.code}`);
      assert.equal(answer.relayed.address, '127.0.0.1');
    } finally {
      turnClient.close();
    }
    assert.equal((await scrape(server)).get(connectionsMetric('native')), 1);
    await client.close();
    await waitForMetric(server, connectionsMetric('native'), (v) => v === 0);
  });

  test('a complete call: join, peer-joined, offer/answer/candidates, hang-up, leave, peer-left', async () => {
    const before = await scrape(server);
    const { client: alice, welcome: aliceWelcome } = await native(server, '?id=alice');
    const { client: bob, welcome: bobWelcome } = await native(server, '?id=bob');
    assert.equal(aliceWelcome.id, 'alice');
    assert.equal(bobWelcome.id, 'bob');
    assert.ok(bobWelcome.iceServers.find((s) => s.username)?.username.endsWith(':bob'));

    assert.deepEqual(await alice.request({ type: 'join', room: 'call-42', ref: 1 }),
      { type: 'joined', room: 'call-42', peers: [], ref: 1 });
    assert.deepEqual(await bob.request({ type: 'join', room: 'call-42', ref: 'b1' }),
      { type: 'joined', room: 'call-42', peers: ['alice'], ref: 'b1' });
    assert.deepEqual(await alice.next('peer-joined'), { type: 'peer-joined', room: 'call-42', id: 'bob' });
    // Joining again is answered again but not announced twice.
    assert.deepEqual(await bob.request({ type: 'join', room: 'call-42', ref: { again: true } }),
      { type: 'joined', room: 'call-42', peers: ['alice'], ref: { again: true } });

    const offer = { type: 'offer', sdp: 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\n' };
    alice.send({ type: 'signal', to: 'bob', data: offer });
    assert.deepEqual(await bob.next('signal'), { type: 'signal', from: 'alice', data: offer });
    const answer = { type: 'answer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
    bob.send({ type: 'signal', to: 'alice', data: answer });
    assert.deepEqual(await alice.next('signal'), { type: 'signal', from: 'bob', data: answer });
    const candidate = { type: 'candidate', candidate: { candidate: 'candidate:3 1 udp 41885439 127.0.0.1 61234 typ relay raddr 127.0.0.1 rport 50000 generation 0', sdpMid: '0', sdpMLineIndex: 0 } };
    bob.send({ type: 'signal', to: 'alice', data: candidate });
    assert.deepEqual(await alice.next('signal'), { type: 'signal', from: 'bob', data: candidate });

    // data is opaque: any JSON value moves unchanged.
    for (const data of ['text', 42, null, [1, { a: [true] }], { nested: { unicode: 'é✓', quote: '"' } }]) {
      alice.send({ type: 'signal', to: 'bob', data });
      assert.deepEqual(await bob.next('signal'), { type: 'signal', from: 'alice', data });
    }

    assert.deepEqual(await alice.request({ type: 'ping', ref: 7 }), { type: 'pong', ref: 7 });

    // The room has a third member, so broadcast reaches the others but not the sender.
    const { client: carol } = await native(server, '?id=carol');
    await carol.request({ type: 'join', room: 'call-42' });
    await alice.next((m) => m.type === 'peer-joined' && m.id === 'carol');
    await bob.next((m) => m.type === 'peer-joined' && m.id === 'carol');
    bob.send({ type: 'broadcast', room: 'call-42', data: { type: 'mute', audio: false } });
    for (const other of [alice, carol]) {
      assert.deepEqual(await other.next('broadcast'),
        { type: 'broadcast', room: 'call-42', from: 'bob', data: { type: 'mute', audio: false } });
    }
    // Bob got none of his own: his ping's answer comes after anything already sent to him.
    await bob.request({ type: 'ping' });
    assert.equal(bob.has('broadcast'), false);

    bob.send({ type: 'signal', to: 'alice', data: { type: 'hangup' } });
    assert.deepEqual(await alice.next('signal'), { type: 'signal', from: 'bob', data: { type: 'hangup' } });
    assert.deepEqual(await bob.request({ type: 'leave', room: 'call-42', ref: 2 }), { type: 'left', room: 'call-42', ref: 2 });
    for (const other of [alice, carol]) {
      assert.deepEqual(await other.next('peer-left'), { type: 'peer-left', room: 'call-42', id: 'bob' });
    }

    // Presence on disconnect: carol's socket goes away, the room hears peer-left.
    await carol.terminate();
    assert.deepEqual(await alice.next('peer-left'), { type: 'peer-left', room: 'call-42', id: 'carol' });
    // A cleanly closed socket too.
    await bob.request({ type: 'join', room: 'call-42' });
    await alice.next((m) => m.type === 'peer-joined' && m.id === 'bob');
    await bob.close();
    assert.deepEqual(await alice.next('peer-left'), { type: 'peer-left', room: 'call-42', id: 'bob' });

    const afterCall = await scrape(server);
    const moved = (type) => afterCall.get(messageMetric('native', type)) - before.get(messageMetric('native', type));
    assert.ok(moved('join') >= 5, `join counted ${moved('join')}`);
    assert.ok(moved('signal') >= 9, `signal counted ${moved('signal')}`);
    assert.ok(moved('broadcast') >= 1);
    assert.ok(moved('leave') >= 1);
    assert.ok(moved('ping') >= 2);
    await alice.close();
    await waitForMetric(server, 'iceway_signal_rooms_active', (v) => v === 0);
  });

  test('200 messages sent at once arrive complete and in order, signal and broadcast mixed', async () => {
    const { client: sender } = await native(server, '?id=burst-sender');
    const { client: receiver } = await native(server, '?id=burst-receiver');
    await sender.request({ type: 'join', room: 'burst' });
    await receiver.request({ type: 'join', room: 'burst' });
    await sender.next('peer-joined');
    const count = 200;
    for (let i = 0; i < count; i += 1) {
      if (i % 5 === 4) sender.send({ type: 'broadcast', room: 'burst', data: { seq: i } });
      else sender.send({ type: 'signal', to: 'burst-receiver', data: { seq: i, pad: 'x'.repeat(i * 10) } });
    }
    const seen = [];
    while (seen.length < count) {
      const m = await receiver.next((x) => x.type === 'signal' || x.type === 'broadcast' || x.type === 'error');
      assert.notEqual(m.type, 'error', JSON.stringify(m));
      assert.equal(m.from, 'burst-sender');
      seen.push(m.data.seq);
      assert.equal(m.type, m.data.seq % 5 === 4 ? 'broadcast' : 'signal');
    }
    assert.deepEqual(seen, [...Array(count).keys()]);
    assert.equal(sender.has('error'), false, JSON.stringify(sender.queue));
  });

  test('every malformed message gets error {code, message, ref} and the connection stays open', async () => {
    const before = await scrape(server);
    const { client } = await native(server, '?id=clumsy');
    const expectError = async (message, code, ref) => {
      const error = await client.next('error');
      assert.equal(error.code, code, `${JSON.stringify(message)} -> ${JSON.stringify(error)}`);
      assert.equal(typeof error.message, 'string');
      assert.ok(error.message.length > 0);
      if (ref === undefined) assert.equal('ref' in error, false, JSON.stringify(error));
      else assert.deepEqual(error.ref, ref);
      return error;
    };
    const cases = [
      [{ type: 'dance', ref: 'd1' }, 'bad-request', 'd1'],
      [{ ref: 'no-type' }, 'bad-request', 'no-type'],
      [{ type: 'join', ref: 3 }, 'bad-request', 3],
      [{ type: 'join', room: 'x'.repeat(257), ref: 4 }, 'bad-request', 4],
      [{ type: 'signal', data: 1, ref: 5 }, 'bad-request', 5],
      [{ type: 'signal', to: 'clumsy-friend', ref: 6 }, 'bad-request', 6],
      [{ type: 'signal', to: 'nobody-here', data: {}, ref: 'who' }, 'peer-unavailable', 'who'],
      [{ type: 'leave', room: 'never-joined', ref: [1, 2] }, 'not-in-room', [1, 2]],
      [{ type: 'broadcast', room: 'never-joined', data: 1, ref: null }, 'not-in-room', null],
      [{ type: 'broadcast', data: 1, ref: 8 }, 'bad-request', 8],
    ];
    for (const [message, code, ref] of cases) {
      client.send(message);
      await expectError(message, code, ref);
    }
    for (const text of ['{not json', '[1,2,3]', '"just a string"', '']) {
      client.send(text);
      await expectError(text, 'bad-request', undefined);
    }
    const unknownTarget = cases.find(([, code]) => code === 'peer-unavailable');
    client.send(unknownTarget[0]);
    assert.match((await client.next('error')).message, /nobody-here/);
    assert.deepEqual(await client.request({ type: 'ping', ref: 'still-open' }), { type: 'pong', ref: 'still-open' });

    const now = await scrape(server);
    const moved = (name) => now.get(name) - before.get(name);
    assert.equal(moved(errorMetric('bad-request')), 11);
    assert.equal(moved(errorMetric('peer-unavailable')), 2);
    assert.equal(moved(errorMetric('not-in-room')), 2);
    assert.equal(moved(messageMetric('native', 'invalid')), 6);
  });

  test('?id= picks the id; a taken id is refused with id-taken and close 1008; a bad id with bad-request', async () => {
    const { welcome } = await native(server, '?id=dora%40example.org');
    assert.equal(welcome.id, 'dora@example.org');
    const before = (await scrape(server)).get(errorMetric('id-taken'));
    const second = await SignalClient.open(signalUrl(server, '/ws?id=dora@example.org'));
    const refusal = await second.next();
    assert.equal(refusal.type, 'error');
    assert.equal(refusal.code, 'id-taken');
    assert.match(refusal.message, /dora@example\.org/);
    assert.equal((await second.closed).code, 1008);
    assert.equal((await scrape(server)).get(errorMetric('id-taken')), before + 1);

    const bad = await SignalClient.open(signalUrl(server, '/ws?id=has%20space'));
    assert.equal((await bad.next()).code, 'bad-request');
    assert.equal((await bad.closed).code, 1008);

    // Once the holder is gone the id is free again.
    await closeAll();
    await waitForMetric(server, connectionsMetric('native'), (v) => v === 0);
    const { welcome: again } = await native(server, '?id=dora@example.org');
    assert.equal(again.type, 'welcome');
    assert.equal(again.id, 'dora@example.org');
  });
});

describe('token signaling (signal.require_token)', () => {
  let server;
  before(async () => {
    server = await startSignalServer(
      [...loopbackArgs({ ipv6: false }), ...turnArgs, ...fastArgs, '--set', 'signal.require_token=true'],
      { env: { ICEWAY_TOKEN_SECRET: TOKEN_SECRET } });
  });
  after(async () => {
    await closeAll();
    if (server) assert.equal(await stopIceway(server), 0, server.output());
  });

  const now = () => Math.floor(Date.now() / 1000);

  async function refused(token, why) {
    const before = (await scrape(server)).get(errorMetric('unauthorized'));
    const query = token === undefined ? '/ws?id=sneaky' : `/ws?token=${encodeURIComponent(token)}`;
    const client = await SignalClient.open(signalUrl(server, query));
    const error = await client.next();
    assert.equal(error.type, 'error', `${why}: ${JSON.stringify(error)}`);
    assert.equal(error.code, 'unauthorized', `${why}: ${JSON.stringify(error)}`);
    assert.ok(error.message.length > 0);
    assert.equal((await client.closed).code, 1008, why);
    assert.equal((await scrape(server)).get(errorMetric('unauthorized')), before + 1, why);
    return error;
  }

  test('a valid token is accepted and its sub is the id (?id= is ignored)', async () => {
    const token = mintToken(TOKEN_SECRET, { sub: 'erin', exp: now() + 600 });
    const { welcome } = await native(server, `?token=${token}&id=mallory`);
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    assert.equal(welcome.id, 'erin');
    assert.ok(welcome.iceServers.find((s) => s.username)?.username.endsWith(':erin'));
  });

  test('the rooms claim limits which rooms the peer may join', async () => {
    const token = mintToken(TOKEN_SECRET, { sub: 'frank', rooms: ['lobby', 'call-1'], exp: now() + 600 });
    const { client, welcome } = await native(server, `?token=${token}`);
    assert.equal(welcome.id, 'frank');
    assert.deepEqual(await client.request({ type: 'join', room: 'lobby', ref: 1 }),
      { type: 'joined', room: 'lobby', peers: [], ref: 1 });
    const before = (await scrape(server)).get(errorMetric('unauthorized'));
    const error = await client.request({ type: 'join', room: 'secret-room', ref: 2 });
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'unauthorized');
    assert.match(error.message, /secret-room/);
    assert.equal((await scrape(server)).get(errorMetric('unauthorized')), before + 1);
    // The refusal is about the message: the connection stays, other allowed rooms still work.
    assert.equal((await client.request({ type: 'join', room: 'call-1' })).type, 'joined');

    // Without a rooms claim any room is allowed.
    const open = mintToken(TOKEN_SECRET, { sub: 'gina', exp: now() + 600 });
    const { client: gina } = await native(server, `?token=${open}`);
    assert.equal((await gina.request({ type: 'join', room: 'secret-room' })).type, 'joined');
  });

  test('missing, expired, not-yet-valid, wrongly signed and unsigned tokens are refused', async () => {
    await refused(undefined, 'no token (an ?id= does not replace it)');
    await refused(mintToken(TOKEN_SECRET, { sub: 'henry', exp: now() - 120 }), 'expired');
    await refused(mintToken(TOKEN_SECRET, { sub: 'henry', nbf: now() + 3600 }), 'not yet valid');
    await refused(mintToken('some-other-secret', { sub: 'henry', exp: now() + 600 }), 'wrong signature');
    await refused(mintToken(TOKEN_SECRET, { sub: 'henry', exp: now() + 600 }, { alg: 'none' }), 'alg none');
    await refused(mintToken(TOKEN_SECRET, { exp: now() + 600 }), 'no sub');
    await refused('not.a.jwt', 'garbage');
    const good = mintToken(TOKEN_SECRET, { sub: 'henry', exp: now() + 600 });
    const [header, payload] = good.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', exp: now() + 600 })).toString('base64url');
    await refused(`${header}.${forged}.${good.split('.')[2]}`, 'payload changed after signing');
    assert.ok(payload.length > 0);
    // And the good one still works.
    const { welcome } = await native(server, `?token=${good}`);
    assert.equal(welcome.id, 'henry');
  });

  test('a token whose sub is connected already gets id-taken', async () => {
    const token = mintToken(TOKEN_SECRET, { sub: 'ivy', exp: now() + 600 });
    await native(server, `?token=${token}`);
    const second = await SignalClient.open(signalUrl(server, `/ws?token=${token}`));
    assert.equal((await second.next()).code, 'id-taken');
    assert.equal((await second.closed).code, 1008);
  });
});
