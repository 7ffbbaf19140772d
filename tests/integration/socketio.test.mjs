// The Socket.IO front door against the real iceway binary, driven by the unmodified
// socket.io-client v4 (and by raw Engine.IO requests for what that client never sends): every
// transport, events and acks, rooms, names, namespaces, CORS, the protocol's errors, every limit,
// TLS, and a reconnect after a restart. The app is the default one, the common tutorial server.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, makeCertificate } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import { scrape, waitForMetric, errorMetric, connectionsMetric, messageMetric } from './lib/signal.mjs';
import { io, connect, nextEvent, httpBase, rawHandshake, rawPoll, rawPost, until } from './lib/socketio.mjs';

const servers = [];
const sockets = [];
const dirs = [];
async function start(extra = [], base = loopbackArgs({ ipv6: false })) {
  const server = await startIceway([...base, ...turnArgs, ...extra]);
  servers.push(server);
  return server;
}
async function client(server, options = {}) {
  const socket = await connect(httpBase(server), { rejectUnauthorized: false, ...options });
  sockets.push(socket);
  return socket;
}
after(async () => {
  for (const socket of sockets) socket.close();
  for (const server of servers) assert.equal(await stopIceway(server), 0, server.output());
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const TRANSPORTS = {
  'default transports (polling, then the upgrade)': {},
  'WebSocket only': { transports: ['websocket'] },
  'polling only': { transports: ['polling'] },
};

describe('socket.io-client against the tutorial server', () => {
  let server;
  test('start', async () => { server = await start(); });

  for (const [name, options] of Object.entries(TRANSPORTS)) {
    test(`${name}: rooms, names, events and acks`, async () => {
      const alice = await client(server, options);
      const bob = await client(server, options);
      const carol = await client(server, options);
      if (!options.transports) {
        await until(() => alice.io.engine.transport.name === 'websocket', 10000, 'the upgrade');
      } else {
        assert.equal(alice.io.engine.transport.name, options.transports[0]);
      }
      const room = `room-${Math.random()}`;
      for (const socket of [alice, bob, carol]) assert.deepEqual(await socket.emitWithAck('join', room), { ok: true });

      // To the room's other members, the payload byte for byte (key order kept), not the sender.
      let echoed = false;
      alice.on('offer', () => { echoed = true; });
      const atBob = nextEvent(bob, 'offer');
      const atCarol = nextEvent(carol, 'offer');
      const offer = { room, z: 1, a: { sdp: 'v=0\r\n', n: [1.5, null, true] } };
      alice.emit('offer', offer);
      assert.deepEqual(await atBob, [offer]);
      assert.deepEqual(await atCarol, [offer]);
      assert.deepEqual(Object.keys((await atBob)[0]), ['room', 'z', 'a']);

      // By name, after login (acknowledged), to that socket alone.
      assert.deepEqual(await bob.emitWithAck('login', { username: `bob-${room}` }), { ok: true });
      const direct = nextEvent(bob, 'answer');
      alice.emit('answer', { to: `bob-${room}`, sdp: 'x' });
      assert.deepEqual(await direct, [{ to: `bob-${room}`, sdp: 'x' }]);
      // A receiver that is not online: the sender's ack says so.
      const refused = await alice.emitWithAck('answer', { to: 'nobody-online', sdp: 'x' });
      assert.equal(refused.ok, false);
      assert.equal(echoed, false);
      for (const socket of [alice, bob, carol]) socket.close();
    });
  }

  test('polling POSTs up to maxPayload are read, past signal.max_http_body_bytes (64 KiB)', async () => {
    const alice = await client(server, { transports: ['polling'] });
    const bob = await client(server, { transports: ['polling'] });
    assert.deepEqual(await alice.emitWithAck('join', 'big'), { ok: true });
    assert.deepEqual(await bob.emitWithAck('join', 'big'), { ok: true });
    const got = nextEvent(bob, 'offer');
    const sdp = 'a'.repeat(200 * 1024);
    alice.emit('offer', { room: 'big', sdp });
    assert.equal((await got)[0].sdp.length, sdp.length);
    alice.close();
    bob.close();
  });

  test('an unknown namespace gets connect_error "Invalid namespace"; the main one still works', async () => {
    await assert.rejects(connect(`${httpBase(server)}/nowhere`), /Invalid namespace/);
    const alice = await client(server);
    assert.deepEqual(await alice.emitWithAck('join', 'after-bad-namespace'), { ok: true });
    alice.close();
  });

  test('sessions and messages are counted under protocol="socketio"', async () => {
    const before = (await scrape(server)).get(messageMetric('socketio', 'message')) ?? 0;
    const alice = await client(server);
    await waitForMetric(server, connectionsMetric('socketio'), (v) => v >= 1);
    assert.deepEqual(await alice.emitWithAck('join', 'counted'), { ok: true });
    await waitForMetric(server, messageMetric('socketio', 'message'), (v) => v > before);
    alice.close();
    await waitForMetric(server, connectionsMetric('socketio'), (v) => v === 0);
  });

  test('CORS: polling answers echo the Origin with credentials; OPTIONS is a 204 preflight', async () => {
    const base = httpBase(server);
    const response = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://app.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    await response.text();
    const preflight = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers'), /content-type/);
    // A wrong method passes the preflight (the reference's list) and gets the protocol's 400,
    // with CORS headers so that a page can read it.
    const putPreflight = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'PUT' },
    });
    assert.equal(putPreflight.status, 204);
    assert.ok(putPreflight.headers.get('access-control-allow-methods').split(/,\s*/).includes('PUT'));
    const put = await fetch(`${base}/socket.io/?EIO=4&transport=polling`, { method: 'PUT', headers: { Origin: 'https://app.example' } });
    assert.equal(put.status, 400);
    assert.equal(put.headers.get('access-control-allow-origin'), 'https://app.example');
    assert.deepEqual(await put.json(), { code: 2, message: 'Bad handshake method' });
  });

  test('wrong, expired or malformed requests get the reference errors and touch no other client', async () => {
    const bystander = await client(server, { transports: ['polling'] });
    const base = httpBase(server);
    const expect = async (url, status, body, init) => {
      const response = await fetch(`${base}${url}`, init);
      assert.equal(response.status, status, url);
      assert.deepEqual(await response.json(), body, url);
    };
    await expect('/socket.io/?EIO=4&transport=polling&sid=doesnotexist', 400, { code: 1, message: 'Session ID unknown' });
    await expect('/socket.io/?EIO=4&transport=carrier-pigeon', 400, { code: 0, message: 'Transport unknown' });
    await expect('/socket.io/?EIO=3&transport=polling', 400, { code: 5, message: 'Unsupported protocol version' });
    await expect('/socket.io/?EIO=4&transport=polling', 400, { code: 2, message: 'Bad handshake method' }, { method: 'POST', body: '40' });

    // A packet that does not decode closes that session; its sid is then unknown.
    const { sid } = await rawHandshake(base);
    const post = await rawPost(base, sid, '4{"not a socket.io packet');
    assert.ok(post.status === 200 || post.status === 400, `${post.status}`);
    await until(async () => (await rawPoll(base, sid)).status === 400, 10000, 'the malformed session to be gone');
    await expect(`/socket.io/?EIO=4&transport=polling&sid=${sid}`, 400, { code: 1, message: 'Session ID unknown' });

    // The bystander never noticed.
    assert.equal(bystander.connected, true);
    assert.deepEqual(await bystander.emitWithAck('join', 'bystander'), { ok: true });
    bystander.close();
  });
});

describe('limits', () => {
  test('maxPayload: a larger message ends that session only, on both transports', async () => {
    const server = await start(['--set', 'socketio.max_payload=2048']);
    const handshake = await rawHandshake(httpBase(server));
    assert.equal(handshake.maxPayload, 2048);
    for (const options of [{ transports: ['websocket'] }, { transports: ['polling'] }]) {
      const bystander = await client(server, options);
      const big = await client(server, options);
      const gone = nextEvent(big, 'disconnect');
      big.emit('join', 'x'.repeat(8192));
      await gone;
      assert.deepEqual(await bystander.emitWithAck('join', 'still-here'), { ok: true });
      bystander.close();
    }
  });

  test('messages per second: past the bucket messages are dropped and counted, other clients are served', async () => {
    const server = await start(['--set', 'signal.messages_per_second=5', '--set', 'signal.message_burst=5']);
    const flooder = await client(server, { transports: ['websocket'] });
    const before = (await scrape(server)).get(errorMetric('rate-limited')) ?? 0;
    let acked = 0;
    for (let i = 0; i < 50; i += 1) flooder.emit('join', `r${i % 3}`, () => { acked += 1; });
    await waitForMetric(server, errorMetric('rate-limited'), (v) => v >= before + 40);
    assert.ok(acked <= 10, `${acked} acks`);
    const other = await client(server, { transports: ['websocket'] });
    assert.deepEqual(await other.emitWithAck('join', 'calm'), { ok: true });
    flooder.close();
    other.close();
  });

  test('connections per source: past max_connections_per_ip the handshake is refused with 403', async () => {
    const server = await start(['--set', 'signal.max_connections_per_ip=2']);
    const first = await client(server);
    const second = await client(server, { transports: ['websocket'] });
    await assert.rejects(connect(httpBase(server)), /xhr poll error|websocket error|Forbidden|403/);
    await assert.rejects(connect(httpBase(server), { transports: ['websocket'] }));
    const response = await fetch(`${httpBase(server)}/socket.io/?EIO=4&transport=polling`);
    assert.equal(response.status, 403);
    assert.deepEqual(await response.json(), { code: 4, message: 'Forbidden' });
    await waitForMetric(server, errorMetric('too-many-connections'), (v) => v >= 1);
    first.close();
    await until(async () => (await fetch(`${httpBase(server)}/socket.io/?EIO=4&transport=polling`)).status === 200, 10000,
      'a slot after a client left');
    second.close();
  });

  test('a client that stops polling is closed after pingInterval + pingTimeout, and its sid is unknown after', async () => {
    const server = await start(['--set', 'socketio.ping_interval="300ms"', '--set', 'socketio.ping_timeout="200ms"']);
    const base = httpBase(server);
    const { sid, pingInterval, pingTimeout } = await rawHandshake(base);
    assert.equal(pingInterval, 300);
    assert.equal(pingTimeout, 200);
    await waitForMetric(server, connectionsMetric('socketio'), (v) => v === 1);
    const started = Date.now();
    await waitForMetric(server, connectionsMetric('socketio'), (v) => v === 0, 5000);
    assert.ok(Date.now() - started < 3000);
    assert.equal((await rawPoll(base, sid)).status, 400);
  });

  test('a client that polls but never answers the ping is closed; its sid is then unknown (400)', async () => {
    const server = await start(['--set', 'socketio.ping_interval="300ms"', '--set', 'socketio.ping_timeout="200ms"']);
    const base = httpBase(server);
    const { sid } = await rawHandshake(base);
    const first = await rawPoll(base, sid);  // held until the ping at 300 ms
    assert.equal(first.body, '2');
    await until(async () => (await rawPoll(base, sid)).status === 400, 5000, 'the silent session to end');
  });
});

describe('bounded buffers', () => {
  test('a polling client that stops polling while it is sent to is closed at max_send_queue_bytes, before any ping', async () => {
    const server = await start(['--set', 'signal.max_send_queue_bytes=4096']);
    const base = httpBase(server);
    // A raw client joins a room, then never polls again.
    const { sid } = await rawHandshake(base);
    assert.equal((await rawPost(base, sid, '40')).status, 200);
    assert.match((await rawPoll(base, sid)).body, /^40\{"sid"/);
    assert.equal((await rawPost(base, sid, '420["join","sink"]')).status, 200);
    assert.match((await rawPoll(base, sid)).body, /^430\[\{"ok":true\}\]/);
    const sender = await client(server, { transports: ['websocket'] });
    assert.deepEqual(await sender.emitWithAck('join', 'sink'), { ok: true });
    for (let i = 0; i < 8; i += 1) sender.emit('blob', { room: 'sink', data: 'x'.repeat(1024) });
    // Default pingInterval is 25 s: only the buffer bound can end it this soon.
    await until(async () => (await rawPost(base, sid, '42["still?"]')).status === 400, 5000, 'the unpolled session to end');
    assert.deepEqual(await sender.emitWithAck('join', 'other'), { ok: true });
    sender.close();
  });
});

describe('TLS and restarts', () => {
  test('over TLS on the same port as plain HTTP, both transports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'iceway-sio-'));
    dirs.push(dir);
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await makeCertificate(cert, key);
    const server = await start(['--set', `tls.cert="${cert}"`, '--set', `tls.key="${key}"`]);
    const url = `https://${server.signal.host}:${server.signal.port}`;
    for (const options of [{}, { transports: ['websocket'] }]) {
      const a = await connect(url, { rejectUnauthorized: false, ...options });
      const b = await connect(url, { rejectUnauthorized: false, ...options });
      sockets.push(a, b);
      assert.deepEqual(await a.emitWithAck('join', 'tls-room'), { ok: true });
      assert.deepEqual(await b.emitWithAck('join', 'tls-room'), { ok: true });
      const got = nextEvent(b, 'candidate');
      a.emit('candidate', { room: 'tls-room', c: 1 });
      assert.deepEqual(await got, [{ room: 'tls-room', c: 1 }]);
      a.close();
      b.close();
    }
  });

  test('a client reconnects by itself after the server restarts', async () => {
    const first = await start();
    const port = first.signal.port;
    const socket = reconnectingClient(httpBase(first));
    await nextEvent(socket, 'connect');
    const down = nextEvent(socket, 'disconnect');
    assert.equal(await stopIceway(first), 0, first.output());
    await down;
    const args = loopbackArgs({ ipv6: false });
    const signalIndex = args.indexOf('--signal-listen');
    args[signalIndex + 1] = `127.0.0.1:${port}`;
    const second = await start([], args);
    await nextEvent(socket, 'connect', 20000);
    assert.deepEqual(await socket.emitWithAck('join', 'after-restart'), { ok: true });
    socket.close();
    assert.equal(second.signal.port, port);
  });
});

// A client with the default reconnection, made quick so the test does not wait seconds.
function reconnectingClient(url) {
  const socket = io(url, { forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500 });
  sockets.push(socket);
  return socket;
}
