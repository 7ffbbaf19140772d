// Every signaling limit of SPEC §6 (signal/settings.hpp, docs/signaling.md "Limits") breached
// against the real iceway binary, each set small with --set so the breach is quick: the
// documented error or close code reaches the client, the matching metric moves, and the
// connection (or, where the breach ends it, the server) keeps working for everyone else.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import {
  WebSocket, startSignalServer, SignalClient, signalUrl, connectNative, scrape, waitForMetric, errorMetric, connectionsMetric,
} from './lib/signal.mjs';

const servers = [];
const clients = [];

// A server of its own for each limit, so one test's connections never count against another's.
async function serverWith(...settings) {
  const args = [...loopbackArgs({ ipv6: false }), ...turnArgs];
  for (const setting of settings) args.push('--set', setting);
  const server = await startSignalServer(args);
  servers.push(server);
  return server;
}
async function native(server, query = '', options = {}) {
  const { client, welcome } = await connectNative(server, query, options);
  clients.push(client);
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  return client;
}
const errorCount = async (server, code) => (await scrape(server)).get(errorMetric(code));

after(async () => {
  await Promise.all(clients.map((c) => c.terminate()));
  for (const server of servers) assert.equal(await stopIceway(server), 0, server.output());
});

describe('signaling limits', () => {
  test('max_frame_bytes: too-large error up to twice the limit, close 1009 beyond', async () => {
    const server = await serverWith('signal.max_frame_bytes=1024');
    const client = await native(server, '?id=big');
    const before = await errorCount(server, 'too-large');
    const payload = (size) => JSON.stringify({ type: 'ping', pad: 'x'.repeat(size - 24) });
    assert.equal(payload(1024).length, 1024);
    client.send(payload(1024));  // exactly the limit is fine
    assert.equal((await client.next()).type, 'pong');
    client.send(payload(1500));
    const error = await client.next();
    assert.equal(error.type, 'error');
    assert.equal(error.code, 'too-large');
    assert.match(error.message, /1024/);
    assert.equal(await errorCount(server, 'too-large'), before + 1);
    assert.equal((await client.request({ type: 'ping' })).type, 'pong', 'a too-large message leaves the connection open');

    client.send(payload(2100));  // over twice the limit
    const closed = await client.closed;
    assert.equal(closed.code, 1009);
    await waitForMetric(server, errorMetric('too-large'), (v) => v === before + 2);
    await waitForMetric(server, connectionsMetric('native'), (v) => v === 0);
  });

  test('max_json_depth: deeper nesting is too-large, checked before parsing', async () => {
    const server = await serverWith('signal.max_json_depth=4');
    const client = await native(server, '?id=deep');
    const before = await errorCount(server, 'too-large');
    client.send({ type: 'signal', to: 'deep', data: { a: { b: 1 } } });  // depth 3
    assert.deepEqual((await client.next()).data, { a: { b: 1 } });
    client.send({ type: 'signal', to: 'deep', data: { a: { b: [1] } } });  // depth 4
    assert.equal((await client.next()).type, 'signal');
    client.send({ type: 'signal', to: 'deep', data: { a: { b: [{}] } }, ref: 1 });  // depth 5
    const error = await client.next();
    assert.equal(error.code, 'too-large');
    assert.match(error.message, /deeper than 4/);
    // Deep nesting that would choke a recursive parser is refused just as cheaply.
    client.send(`${'['.repeat(100000)}${']'.repeat(100000)}`.slice(0, 60000));
    assert.equal((await client.next()).code, 'too-large');
    assert.equal(await errorCount(server, 'too-large'), before + 2);
    assert.equal((await client.request({ type: 'ping' })).type, 'pong');
  });

  test('messages_per_second / message_burst: the bucket empties, then rate-limited, then refills', async () => {
    const server = await serverWith('signal.messages_per_second=2', 'signal.message_burst=5');
    const client = await native(server, '?id=chatty');
    const before = await errorCount(server, 'rate-limited');
    const sent = 20;
    const start = Date.now();
    for (let i = 0; i < sent; i += 1) client.send({ type: 'ping', ref: i });
    const answers = [];
    for (let i = 0; i < sent; i += 1) answers.push(await client.next());
    const elapsed = (Date.now() - start) / 1000;
    const pongs = answers.filter((m) => m.type === 'pong');
    const limited = answers.filter((m) => m.type === 'error' && m.code === 'rate-limited');
    assert.equal(pongs.length + limited.length, sent, JSON.stringify(answers));
    // The burst, plus at most what refilled while the frames were in flight.
    assert.ok(pongs.length >= 5 && pongs.length <= 5 + Math.ceil(2 * elapsed), `${pongs.length} pongs in ${elapsed} s`);
    assert.ok(limited.length > 0);
    assert.deepEqual(pongs.slice(0, 5).map((m) => m.ref), [0, 1, 2, 3, 4]);
    assert.match(limited[0].message, /2 messages per second/);
    assert.equal(await errorCount(server, 'rate-limited'), before + limited.length);
    // The bucket refills at the configured rate: one message gets through within a second or so.
    const deadline = Date.now() + 5000;
    let answer;
    do {
      await new Promise((resolve) => setTimeout(resolve, 200));
      // A dropped message was never read, so its rate-limited error carries no ref.
      client.send({ type: 'ping', ref: 'refill' });
      answer = await client.next((m) => m.ref === 'refill' || m.code === 'rate-limited');
    } while (answer.type !== 'pong' && Date.now() < deadline);
    assert.equal(answer.type, 'pong');
  });

  test('max_rooms_per_connection: too-many-rooms, and leaving makes room', async () => {
    const server = await serverWith('signal.max_rooms_per_connection=2');
    const client = await native(server, '?id=joiner');
    const before = await errorCount(server, 'too-many-rooms');
    assert.equal((await client.request({ type: 'join', room: 'r1' })).type, 'joined');
    assert.equal((await client.request({ type: 'join', room: 'r2' })).type, 'joined');
    assert.equal((await client.request({ type: 'join', room: 'r1' })).type, 'joined', 'a room already joined does not count twice');
    const error = await client.request({ type: 'join', room: 'r3', ref: 'third' });
    assert.deepEqual({ type: error.type, code: error.code, ref: error.ref }, { type: 'error', code: 'too-many-rooms', ref: 'third' });
    assert.equal(await errorCount(server, 'too-many-rooms'), before + 1);
    assert.equal((await scrape(server)).get('iceway_signal_rooms_active'), 2);
    await client.request({ type: 'leave', room: 'r1' });
    assert.equal((await client.request({ type: 'join', room: 'r3' })).type, 'joined');
  });

  test('max_peers_per_room: room-full for one more, and a seat frees when someone leaves', async () => {
    const server = await serverWith('signal.max_peers_per_room=2');
    const [a, b, c] = [await native(server, '?id=a'), await native(server, '?id=b'), await native(server, '?id=c')];
    const before = await errorCount(server, 'room-full');
    assert.equal((await a.request({ type: 'join', room: 'pair' })).type, 'joined');
    assert.equal((await b.request({ type: 'join', room: 'pair' })).type, 'joined');
    const error = await c.request({ type: 'join', room: 'pair', ref: 9 });
    assert.equal(error.code, 'room-full');
    assert.equal(error.ref, 9);
    assert.match(error.message, /pair/);
    assert.equal(await errorCount(server, 'room-full'), before + 1);
    // The full room was not told about c.
    await a.request({ type: 'ping' });
    assert.equal(a.has((m) => m.type === 'peer-joined' && m.id === 'c'), false);
    await b.close();
    await a.next((m) => m.type === 'peer-left' && m.id === 'b');
    assert.deepEqual((await c.request({ type: 'join', room: 'pair' })).peers, ['a']);
  });

  test('max_connections_per_ip: too-many-connections and close 1013, across protocols', async () => {
    const server = await serverWith('signal.max_connections_per_ip=3');
    await native(server, '?id=one');
    await native(server, '?id=two');
    const relay = await SignalClient.open(signalUrl(server, '/relay?name=three'));
    clients.push(relay);
    await waitForMetric(server, connectionsMetric('relay'), (v) => v === 1);
    const before = await errorCount(server, 'too-many-connections');
    for (const path of ['/ws?id=four', '/yjs', '/relay?name=four']) {
      const refused = await SignalClient.open(signalUrl(server, path));
      const error = await refused.next();
      assert.equal(error.type, 'error', `${path}: ${JSON.stringify(error)}`);
      assert.equal(error.code, 'too-many-connections', path);
      assert.equal((await refused.closed).code, 1013, path);
    }
    assert.equal(await errorCount(server, 'too-many-connections'), before + 3);
    const metrics = await scrape(server);
    assert.equal(metrics.get(connectionsMetric('native')), 2);
    assert.equal(metrics.get(connectionsMetric('yjs')), 0);
    // A connection closing gives its slot back.
    await relay.close();
    await waitForMetric(server, connectionsMetric('relay'), (v) => v === 0);
    const yjs = await SignalClient.open(signalUrl(server, '/yjs'));
    clients.push(yjs);
    yjs.send({ type: 'ping' });
    assert.deepEqual(await yjs.next(), { type: 'pong' });
  });

  test('allowed_origins: an upgrade from another origin gets 403; listed origins and non-browser clients connect', async () => {
    const server = await serverWith('signal.allowed_origins=["https://app.example.org"]');
    const url = signalUrl(server, '/ws');
    const status = await new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { origin: 'https://evil.example.net' });
      ws.on('unexpected-response', (_request, response) => { resolve(response.statusCode); ws.terminate(); });
      ws.on('open', () => { ws.terminate(); reject(new Error('a foreign origin was let in')); });
      ws.on('error', () => {});
    });
    assert.equal(status, 403);
    for (const path of ['/yjs', '/relay?name=x', '/peerjs/peerjs?key=peerjs&id=x&token=t']) {
      const other = await new Promise((resolve) => {
        const ws = new WebSocket(signalUrl(server, path), { origin: 'https://evil.example.net' });
        ws.on('unexpected-response', (_request, response) => { resolve(response.statusCode); ws.terminate(); });
        ws.on('open', () => { resolve('open'); ws.terminate(); });
        ws.on('error', () => {});
      });
      assert.equal(other, 403, path);
    }
    const metrics = await scrape(server);
    assert.equal(metrics.get(errorMetric('origin-not-allowed')), 4);
    assert.equal(metrics.get(connectionsMetric('native')), 0);
    const listed = await native(server, '?id=listed', { origin: 'https://APP.example.org' });
    assert.equal((await listed.request({ type: 'ping' })).type, 'pong');
    const tool = await native(server, '?id=tool');  // no Origin header: not a browser page
    assert.equal((await tool.request({ type: 'ping' })).type, 'pong');
  });

  test('ping_interval and idle_timeout: pings are sent, a client that answers stays, one that does not is dropped', async () => {
    const server = await serverWith('signal.ping_interval=1s', 'signal.idle_timeout=3s');
    const answering = await native(server, '?id=polite');
    const silent = await native(server, '?id=mute', { autoPong: false });
    let pingsToSilent = 0;
    silent.ws.on('ping', () => { pingsToSilent += 1; });
    let pingsToAnswering = 0;
    answering.ws.on('ping', () => { pingsToAnswering += 1; });
    await answering.request({ type: 'join', room: 'idle' });
    await silent.request({ type: 'join', room: 'idle' });
    await answering.next('peer-joined');

    const start = Date.now();
    const closed = await silent.closed;
    const lasted = Date.now() - start;
    // No close handshake for a peer that stopped answering: the socket is just closed.
    assert.equal(closed.code, 1006, JSON.stringify(closed));
    assert.ok(lasted >= 2000 && lasted < 15000, `dropped after ${lasted} ms`);
    assert.ok(pingsToSilent >= 1, 'the server pinged before giving up');
    assert.deepEqual(await answering.next('peer-left'), { type: 'peer-left', room: 'idle', id: 'mute' });
    await waitForMetric(server, connectionsMetric('native'), (v) => v === 1);
    assert.equal(await errorCount(server, 'idle-timeout'), 1);

    // The client that answers pings (as browsers do) outlives several idle timeouts of silence.
    const quietUntil = Date.now() + 5000;
    while (Date.now() < quietUntil) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.ok(pingsToAnswering >= 2, `${pingsToAnswering} pings`);
    assert.equal(answering.ws.readyState, 1, 'the answering client is still open');
    assert.equal((await answering.request({ type: 'ping' })).type, 'pong');
    assert.equal(await errorCount(server, 'idle-timeout'), 1, 'the answering client was never counted idle');
  });

  test('max_send_queue_bytes: a reader that stops reading is closed with 1008 and memory stays bounded', { timeout: 120000 }, async () => {
    const server = await serverWith('signal.max_send_queue_bytes=64KiB', 'signal.messages_per_second=100000',
      'signal.message_burst=100000');
    const flooder = await native(server, '?id=flooder');
    const sleeper = await native(server, '?id=sleeper');
    const rss = () => Number(readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1]) * 1024;
    const before = await errorCount(server, 'slow-reader');
    const rssBefore = rss();

    sleeper.ws._socket.pause();  // stops reading: the kernel buffers fill, then iceway's queue
    const chunk = 'x'.repeat(32 * 1024);
    let sent = 0;
    let tripped = false;
    // Bounded: at most 4096 messages of 32 KiB (128 MiB), far more than the socket buffers hold.
    for (let batch = 0; batch < 256 && !tripped; batch += 1) {
      for (let i = 0; i < 16; i += 1) {
        flooder.send({ type: 'signal', to: 'sleeper', data: { seq: sent, chunk } });
        sent += 1;
      }
      await flooder.request({ type: 'ping' });  // the server has handled everything sent so far
      tripped = (await errorCount(server, 'slow-reader')) > before;
    }
    assert.ok(tripped, `no slow-reader close after ${sent} messages of 32 KiB`);
    const sentAtTrip = sent;
    // More for the closing reader is dropped, not queued: memory does not follow the flood.
    const rssAtTrip = rss();
    // (Until its socket is gone the sleeper still counts as connected; after, these would be
    // peer-unavailable errors, which are fine too.)
    // Quick, because the closing reader gets only a few seconds (kCloseGrace) to take its close
    // frame before its socket is simply shut.
    const tripTime = Date.now();
    for (let i = 0; i < 256; i += 1) {
      flooder.send({ type: 'signal', to: 'sleeper', data: { chunk } });
      if (i % 64 === 63) await flooder.request({ type: 'ping' }, 30000);
    }
    const rssAfter = rss();
    console.log(`slow reader: tripped after ${sentAtTrip} messages; RSS ${rssBefore >> 20} -> ${rssAtTrip >> 20} -> ${rssAfter >> 20} MiB; 8 MiB more took ${Date.now() - tripTime} ms`);
    assert.ok(rssAfter - rssAtTrip < 4 * 1024 * 1024,
      `RSS grew ${(rssAfter - rssAtTrip) >> 20} MiB while 8 MiB more was sent to the closed reader`);
    assert.ok(rssAfter - rssBefore < (sentAtTrip * chunk.length) / 2 + 32 * 1024 * 1024,
      `RSS grew ${(rssAfter - rssBefore) >> 20} MiB in all`);

    // Reading again, the sleeper drains what the kernel held and then finds the close: 1008.
    sleeper.ws._socket.resume();
    const closed = await sleeper.closed;
    assert.equal(closed.code, 1008, JSON.stringify(closed));
    assert.match(closed.reason, /slow reader/);
    const delivered = sleeper.queue.filter((m) => m.type === 'signal').length;
    assert.ok(delivered < sentAtTrip, `the sleeper got ${delivered} of the ${sentAtTrip} sent before the close`);
    assert.equal(await errorCount(server, 'slow-reader'), before + 1);

    // The flooder is untouched: its own messages still work, and the sleeper is gone for it.
    await waitForMetric(server, connectionsMetric('native'), (v) => v === 1);
    const gone = await flooder.request({ type: 'signal', to: 'sleeper', data: 'anyone?' });
    assert.equal(gone.code, 'peer-unavailable');
    const friend = await native(server, '?id=friend');
    flooder.send({ type: 'signal', to: 'friend', data: 'still here' });
    assert.deepEqual(await friend.next('signal'), { type: 'signal', from: 'flooder', data: 'still here' });
  });
});

describe('HTTP listener settings', () => {
  test('handshake_timeout: a client that never finishes its request is dropped after it', async () => {
    const server = await serverWith('signal.handshake_timeout=1s');
    const socket = net.connect({ host: server.signal.host, port: server.signal.port });
    await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
    const start = Date.now();
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\n');  // and never the blank line
    socket.resume();
    await new Promise((resolve) => { socket.once('close', resolve); socket.on('error', () => {}); });
    const lasted = Date.now() - start;
    assert.ok(lasted >= 900 && lasted < 10000, `dropped after ${lasted} ms (the default is 30 s)`);
  });

  test('max_http_body_bytes: a larger request body gets 413', async () => {
    const server = await serverWith('signal.max_http_body_bytes=1KiB');
    const url = `http://${server.signal.host}:${server.signal.port}/api/v1/ice-servers`;
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(2048) });
    assert.equal(big.status, 413);
    const small = await fetch(url, { method: 'POST', body: 'x'.repeat(512) });
    assert.notEqual(small.status, 413);
  });

  test('static_dir: its files are served under /, nothing outside it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iceway-static-'));
    try {
      writeFileSync(path.join(dir, 'hello.txt'), 'hello from static_dir\n');
      writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>app</title>\n');
      const server = await serverWith(`signal.static_dir="${dir}"`);
      const base = `http://${server.signal.host}:${server.signal.port}`;
      const hello = await fetch(`${base}/hello.txt`);
      assert.equal(hello.status, 200);
      assert.match(hello.headers.get('content-type'), /^text\/plain/);
      assert.equal(await hello.text(), 'hello from static_dir\n');
      const index = await fetch(`${base}/`);
      assert.equal(index.status, 200);
      assert.match(await index.text(), /<title>app<\/title>/);
      assert.equal((await fetch(`${base}/missing.txt`)).status, 404);
      for (const escape of ['/..%2fetc/passwd', '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd']) {
        const answer = await new Promise((resolve, reject) => {
          // A raw request, so the path reaches the server exactly as written.
          const socket = net.connect({ host: server.signal.host, port: server.signal.port }, () => {
            socket.write(`GET ${escape} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
          });
          let text = '';
          socket.on('data', (d) => { text += d; });
          socket.on('end', () => resolve(text));
          socket.on('error', reject);
        });
        assert.match(answer, /^HTTP\/1\.1 404/, escape);
        assert.doesNotMatch(answer, /root:/, escape);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
