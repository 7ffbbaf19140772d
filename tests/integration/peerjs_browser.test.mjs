// Issue 4: iceway is a drop-in for the `peer` npm server (PeerServer 1.0.2) as the unmodified
// `peerjs` 1.5.5 client uses it.
//   - In headless Chromium, two pages load peerjs's own browser bundle, open Peers on iceway's
//     /peerjs with TURN credentials from iceway's /api/v1/ice-servers and a relay-only policy,
//     and exchange messages both ways over a DataConnection whose selected pair is relay/relay.
//     The same client sees ID-TAKEN, a wrong key, an id fetched over REST and an EXPIRE the way
//     it would see them from the reference server.
//   - Over raw WebSockets, the same scripted exchanges run against iceway and against the
//     reference server itself (started from node_modules, same key, path and timeouts), and the
//     frames each sends back are compared: the error strings, ID-TAKEN, OPEN followed by the
//     queued messages, EXPIRE, the concurrent limit, the REST routes.
//   - What iceway deliberately does better (SPEC §6, docs/signaling.md) is asserted on iceway
//     alone: the same id and token reconnecting gets OPEN and the stale socket is closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import { launchBrowser, testOutputDir } from './lib/browser.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const KEY = 'iceway-peerjs-test';
const API_KEY = 'peerjs-browser-api-key';
const PATH = '/peerjs';
const EXPIRE_MS = 2000;  // expire_timeout on both servers: short, so EXPIRE is quick to see
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const main = {};    // iceway and the reference server, both with default limits
const limits = {};  // both again with discovery on and a concurrent limit of 1
let web;            // serves the test page and peerjs's bundle
let browser;
const sockets = new Set();

// --- the servers -------------------------------------------------------------------------------

function icewayArgs({ discovery, concurrentLimit }) {
  return [...loopbackArgs({ ipv6: false }), ...turnArgs,
    '--set', `auth.api_keys=["${API_KEY}"]`,
    '--set', `signal.peerjs.key="${KEY}"`,
    '--set', `signal.peerjs.path="${PATH}"`,
    '--set', `signal.peerjs.expire_timeout="${EXPIRE_MS}ms"`,
    '--set', `signal.peerjs.discovery=${discovery}`,
    '--set', `signal.peerjs.concurrent_limit=${concurrentLimit}`];
}

// The reference server in its own process (its timers would keep this one alive), ended by PID.
async function startReference({ discovery, concurrentLimit }) {
  const options = { host: '127.0.0.1', port: 0, path: PATH, key: KEY, expire_timeout: EXPIRE_MS,
    cleanup_out_msgs: 200, allow_discovery: discovery, concurrent_limit: concurrentLimit };
  const script = `import('peer').then(({ PeerServer }) => PeerServer(${JSON.stringify(options)},
    (server) => console.log('listening ' + server.address().port)));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the reference server did not start:\n${output}`)), 15000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the reference server exited with ${code}:\n${output}`)); });
    child.stdout.on('data', (d) => {
      output += d;
      const match = output.match(/listening (\d+)/);
      if (match) { clearTimeout(timer); child.removeAllListeners('exit'); resolve(Number(match[1])); }
    });
  });
  return { child, port };
}

async function stopReference(reference) {
  if (!reference || reference.child.exitCode !== null) return;
  const exited = once(reference.child, 'exit');
  reference.child.kill('SIGTERM');
  await exited;
}

// --- a raw PeerJS WebSocket client ---------------------------------------------------------------

// Collects every frame; next() waits for the following one, closed resolves with the close code.
class Socket {
  constructor(port, query) {
    this.frames = [];
    this.read = 0;
    this.waiters = [];
    this.barriers = 0;
    this.ws = new WebSocket(`ws://127.0.0.1:${port}${PATH}/peerjs?${new URLSearchParams(query)}`);
    sockets.add(this);
    this.ws.on('error', () => {});  // a refused socket still ends in 'close'
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      this.wake();
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => { this.isClosed = true; this.wake(); resolve(code); }));
  }

  wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async next(timeoutMs = 15000, what = 'a frame') {
    const deadline = Date.now() + timeoutMs;
    while (this.read === this.frames.length) {
      if (this.isClosed) throw new Error(`closed while waiting for ${what}; frames: ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} in ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.frames[this.read++];
  }

  // Every frame the server sends before it closes the socket.
  async untilClosed(timeoutMs = 15000) {
    let timer;
    await Promise.race([this.closed, new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not closed in ${timeoutMs} ms; frames: ${JSON.stringify(this.frames)}`)), timeoutMs);
    })]);
    clearTimeout(timer);
    return this.frames.slice(this.read);
  }

  async send(message) {
    if (this.ws.readyState === WebSocket.CONNECTING) await once(this.ws, 'open');
    this.ws.send(JSON.stringify(message));
  }

  async sendRaw(text) {
    if (this.ws.readyState === WebSocket.CONNECTING) await once(this.ws, 'open');
    this.ws.send(text);
  }

  // Both servers handle one socket's frames in order and relay an OFFER to its own sender, so
  // when the OFFER this sends to itself comes back, everything sent before it has been handled.
  // Resolves with the frames that arrived before it.
  async barrier(ownId) {
    const connectionId = `barrier-${++this.barriers}`;
    await this.send({ type: 'OFFER', dst: ownId, payload: { type: 'data', connectionId } });
    const before = [];
    for (;;) {
      const frame = await this.next(15000, `the barrier ${connectionId}`);
      if (frame.type === 'OFFER' && frame.payload?.connectionId === connectionId) return before;
      before.push(frame);
    }
  }

  close() {
    this.ws.terminate();
    sockets.delete(this);
  }
}

const query = (id, token) => ({ key: KEY, id, token, version: '1.5.5' });

async function opened(port, id, token = `token-${id}`) {
  const socket = new Socket(port, query(id, token));
  assert.deepEqual(await socket.next(15000, `OPEN for ${id}`), { type: 'OPEN' });
  return socket;
}

async function get(port, path, headers = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers });
  return { status: response.status, contentType: response.headers.get('content-type'), body: await response.text(),
    allowOrigin: response.headers.get('access-control-allow-origin') };
}

// --- the scripted exchanges, each run against both servers ----------------------------------------

async function refusals(port) {
  const cases = {
    'no id': { key: KEY, token: 't' },
    'empty id': { key: KEY, id: '', token: 't' },
    'no token': { key: KEY, id: 'someone' },
    'no key': { id: 'someone', token: 't' },
    'wrong key': { key: 'not-the-key', id: 'someone', token: 't' },
  };
  const out = {};
  for (const [name, q] of Object.entries(cases)) out[name] = await new Socket(port, q).untilClosed();
  return out;
}

async function idTaken(port) {
  const holder = await opened(port, 'taken', 'token-one');
  const thief = new Socket(port, query('taken', 'token-two'));
  const refused = await thief.untilClosed();
  // The holder keeps its id: it is still connected and nothing was sent to it.
  const toHolder = await holder.barrier('taken');
  holder.close();
  return { refused, toHolder };
}

const offerPayload = { sdp: { type: 'offer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_queued', label: 'dc_queued',
  reliable: true, serialization: 'binary', browser: 'chrome' };
const candidatePayload = { candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 50000 typ relay', sdpMid: '0', sdpMLineIndex: 0 },
  type: 'data', connectionId: 'dc_queued' };

async function queued(port) {
  const early = await opened(port, 'early');
  await early.send({ type: 'OFFER', dst: 'late', payload: offerPayload });
  await early.send({ type: 'CANDIDATE', dst: 'late', payload: candidatePayload });
  await early.barrier('early');
  // The OFFER and CANDIDATE are queued on the server now; 'late' connects a moment later.
  const late = new Socket(port, query('late', 'token-late'));
  const toLate = [await late.next(), await late.next(), await late.next()];
  const afterwards = await late.barrier('late');
  await late.send({ type: 'ANSWER', dst: 'early', payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_queued' } });
  const answer = await early.next(15000, 'the ANSWER');
  early.close();
  late.close();
  return { toLate, afterwards, answer };
}

async function expired(port) {
  const lonely = await opened(port, 'lonely');
  const sent = Date.now();
  await lonely.send({ type: 'OFFER', dst: 'ghost', payload: { ...offerPayload, connectionId: 'dc_ghost' } });
  const expire = await lonely.next(EXPIRE_MS * 5 + 10000, 'EXPIRE');
  const waited = Date.now() - sent;
  // The queue is gone: the ghost arriving now gets OPEN and nothing else.
  const ghost = await opened(port, 'ghost');
  const toGhost = await ghost.barrier('ghost');
  lonely.close();
  ghost.close();
  return { expire, waitedAtLeastTimeout: waited >= EXPIRE_MS - 100, toGhost };
}

async function relayed(port) {
  const a = await opened(port, 'relay-a');
  const b = await opened(port, 'relay-b');
  // The server sets src whatever the sender claims; HEARTBEAT, unknown types and frames without
  // a known type go nowhere and do not cost the sender its connection.
  for (const junk of ['[1,2]', '{"type":42}']) await a.sendRaw(junk);
  await a.send({ type: 'HEARTBEAT' });
  await a.send({ type: 'NOT-A-TYPE', dst: 'relay-b', payload: {} });
  await a.send({ type: 'CANDIDATE', src: 'mallory', dst: 'relay-b', payload: candidatePayload, extra: 'dropped' });
  await a.send({ type: 'LEAVE', dst: 'relay-b' });
  await a.barrier('relay-a');
  const toB = await b.barrier('relay-b');
  a.close();
  b.close();
  return toB;
}

async function concurrentLimit(port) {
  const first = await opened(port, 'first');
  const refused = await new Socket(port, query('second', 'token-second')).untilClosed();
  const peers = await get(port, `${PATH}/${KEY}/peers`);
  first.close();
  return { refused, peers: { status: peers.status, contentType: peers.contentType, body: JSON.parse(peers.body) } };
}

async function rest(port) {
  const info = await get(port, `${PATH}/`);
  const id = await get(port, `${PATH}/${KEY}/id`, { origin: 'http://page.example' });
  const idAgain = await get(port, `${PATH}/${KEY}/id`);
  const idOtherKey = await get(port, `${PATH}/another-key/id`);
  const peers = await get(port, `${PATH}/${KEY}/peers`);
  return {
    info: { status: info.status, contentType: info.contentType, body: JSON.parse(info.body) },
    id: { status: id.status, contentType: id.contentType, uuid: UUID.test(id.body), crossOrigin: id.allowOrigin !== null,
      fresh: idAgain.body !== id.body },
    idOtherKey: { status: idOtherKey.status, uuid: UUID.test(idOtherKey.body) },
    peers: { status: peers.status, contentType: peers.contentType, body: peers.body },
  };
}

// --- the browser ---------------------------------------------------------------------------------

// The page loads peerjs's own bundle and a few helpers the test drives through page.evaluate.
const PAGE = `<!doctype html><meta charset="utf-8"><title>peerjs on iceway</title>
<script src="/peerjs.js"></script>
<script>
const within = (promise, ms, what) => Promise.race([promise,
  new Promise((_, reject) => setTimeout(() => reject(new Error(what + ': nothing in ' + ms + ' ms')), ms))]);
const until = async (check, ms, what) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(what + ': not in ' + ms + ' ms');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
window.t = {
  received: [],
  // Resolves with the id once the server said OPEN, rejects with the client's error.
  open(id, options) {
    const peer = id ? new peerjs.Peer(id, options) : new peerjs.Peer(options);
    this.peer = peer;
    this.errors = [];
    peer.on('error', (e) => this.errors.push({ type: e.type, message: e.message }));
    this.incoming = [];
    peer.on('connection', (conn) => { this.incoming.push(conn); this.track(conn); });
    return within(new Promise((resolve, reject) => {
      peer.on('open', resolve);
      peer.on('error', (e) => reject(new Error(e.type + ': ' + e.message)));
    }), 20000, 'open ' + id);
  },
  track(conn) {
    this.conn = conn;
    this.connOpen = new Promise((resolve) => conn.on('open', resolve));
    conn.on('data', (data) => this.received.push(data));
  },
  async connect(id) {
    this.track(this.peer.connect(id, { reliable: true }));
    await within(this.connOpen, 45000, 'the data connection to ' + id);
  },
  // Waits for the count-th incoming DataConnection to open.
  async accepted(count) {
    await until(() => this.incoming.length >= count, 45000, 'incoming data connection ' + count);
    const conn = this.incoming[count - 1];
    await within(new Promise((resolve) => (conn.open ? resolve() : conn.on('open', resolve))), 45000, 'incoming data connection ' + count);
    return conn.peer;
  },
  // peer.disconnect() then peer.reconnect(): the same id and token on a new socket, possibly
  // before the server has seen the old one close.
  reconnect() {
    const reopened = new Promise((resolve) => this.peer.once('open', resolve));
    this.peer.disconnect();
    this.peer.reconnect();
    return within(reopened, 20000, 'open after reconnect()');
  },
  send(data) { this.conn.send(data); },
  data(value) { return until(() => this.received.includes(value), 20000, 'the message ' + value); },
  firstError(ms) { return until(() => this.errors[0], ms, 'an error'); },
  // The pair ICE chose, from the transport's stats (polled: it can lag the first message).
  async selectedPair() {
    for (let attempt = 0; attempt < 50; ++attempt) {
      const stats = await this.conn.peerConnection.getStats();
      let selected = null;
      stats.forEach((s) => {
        const pair = s.type === 'transport' && s.selectedCandidatePairId && stats.get(s.selectedCandidatePairId);
        if (!pair) return;
        selected = { local: stats.get(pair.localCandidateId).candidateType, remote: stats.get(pair.remoteCandidateId).candidateType };
      });
      if (selected) return selected;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return null;
  },
};
</script>`;

async function startWeb() {
  const bundle = readFileSync(join(HERE, 'node_modules/peerjs/dist/peerjs.js'));
  const server = http.createServer((request, response) => {
    if (request.url === '/peerjs.js') {
      response.setHeader('content-type', 'text/javascript');
      return response.end(bundle);
    }
    if (request.url === '/') {
      response.setHeader('content-type', 'text/html');
      return response.end(PAGE);
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function newPage() {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.log(`page error: ${error}`));
  await page.goto(`http://127.0.0.1:${web.address().port}/`);
  return page;
}

// Fresh TURN credentials from iceway's own API, as an app backend would hand them out.
async function iceServers(user) {
  const response = await fetch(`http://127.0.0.1:${main.iceway.signal.port}/api/v1/ice-servers?user=${user}&ttl=600`,
    { headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(response.status, 200, await response.clone().text());
  const body = await response.json();
  assert.ok(body.iceServers.some((s) => s.urls.some((u) => u.startsWith('turn:'))), JSON.stringify(body));
  return body.iceServers;
}

// --- lifecycle -------------------------------------------------------------------------------------

before(async () => {
  [main.iceway, limits.iceway, main.reference, limits.reference, web] = await Promise.all([
    startIceway(icewayArgs({ discovery: false, concurrentLimit: 5000 })),
    startIceway(icewayArgs({ discovery: true, concurrentLimit: 1 })),
    startReference({ discovery: false, concurrentLimit: 5000 }),
    startReference({ discovery: true, concurrentLimit: 1 }),
    startWeb(),
  ]);
});

after(async () => {
  for (const socket of sockets) socket.close();
  if (browser) await browser.close();
  if (web) web.close();
  await Promise.all([stopReference(main.reference), stopReference(limits.reference)]);
  for (const server of [main.iceway, limits.iceway]) {
    if (server) assert.equal(await stopIceway(server), 0, server.output());
  }
});

// --- the unmodified client in Chromium ---------------------------------------------------------------

test('two unmodified peerjs clients in Chromium talk over a relayed DataConnection through iceway', { timeout: 180000 }, async () => {
  browser = await launchBrowser();
  const options = { host: '127.0.0.1', port: main.iceway.signal.port, path: PATH, key: KEY, secure: false,
    config: { iceServers: await iceServers('peerjs-browser'), iceTransportPolicy: 'relay' } };
  const [pageA, pageB] = await Promise.all([newPage(), newPage()]);
  try {
    assert.equal(await pageB.evaluate(([o]) => t.open('browser-b', o), [options]), 'browser-b');
    assert.equal(await pageA.evaluate(([o]) => t.open('browser-a', o), [options]), 'browser-a');

    const accepted = pageB.evaluate(() => t.accepted(1));
    await pageA.evaluate(() => t.connect('browser-b'));
    assert.equal(await accepted, 'browser-a');

    await pageA.evaluate(() => t.send('hello from a'));
    await pageB.evaluate(() => t.data('hello from a'));
    await pageB.evaluate(() => t.send('hello from b'));
    await pageA.evaluate(() => t.data('hello from b'));

    for (const [name, page] of [['a', pageA], ['b', pageB]]) {
      const pair = await page.evaluate(() => t.selectedPair());
      assert.deepEqual(pair, { local: 'relay', remote: 'relay' }, `page ${name}`);
    }
    // The relayed candidates are allocations iceway made for the user the API was asked for.
    assert.match(main.iceway.output(), /allocation created: user=peerjs-browser /);

    // The client's own reconnect() gets OPEN again, and the reconnected id is reachable: b
    // opens a second DataConnection to it.
    assert.equal(await pageA.evaluate(() => t.reconnect()), 'browser-a');
    const again = pageA.evaluate(() => t.accepted(1));
    await pageB.evaluate(() => t.connect('browser-a'));
    assert.equal(await again, 'browser-b');
    await pageB.evaluate(() => t.send('again from b'));
    await pageA.evaluate(() => t.data('again from b'));
  } catch (error) {
    const dir = testOutputDir('peerjs_browser');
    await pageA.screenshot({ path: join(dir, 'a.png') }).catch(() => {});
    await pageB.screenshot({ path: join(dir, 'b.png') }).catch(() => {});
    throw error;
  }

  // The same client's view of refusals and expiry.
  const page = await newPage();
  const refused = (id, o) => page.evaluate(([i, opts]) => t.open(i, opts).then(() => 'opened', (e) => e.message), [id, o]);
  assert.equal(await refused('browser-a', options), 'unavailable-id: ID "browser-a" is taken');
  assert.equal(await refused('browser-c', { ...options, key: 'not-the-key' }), 'server-error: Invalid key provided');
  // No id: the client asks GET {path}/{key}/id from another origin (CORS) and opens with it.
  assert.match(await page.evaluate(([o]) => t.open(undefined, o), [options]), UUID);
  // Connecting to an id nobody holds: the OFFER waits on the server, then EXPIRE.
  const error = await page.evaluate(() => { t.peer.connect('nobody-home'); return t.firstError(30000); });
  assert.deepEqual(error, { type: 'peer-unavailable', message: 'Could not connect to peer nobody-home' });
});

// --- raw WebSockets: iceway next to the reference server ------------------------------------------------

// Runs one exchange against both servers; they must answer alike, and like `expected`.
async function compare(exchange, expected, servers = main) {
  const [ours, reference] = await Promise.all([exchange(servers.iceway.signal.port), exchange(servers.reference.port)]);
  assert.deepEqual(reference, expected, 'the reference server');
  assert.deepEqual(ours, expected, 'iceway');
}

const errorFrame = (msg) => [{ type: 'ERROR', payload: { msg } }];

test('missing parameters and a wrong key get the reference ERROR messages, then a close', () => compare(refusals, {
  'no id': errorFrame('No id, token, or key supplied to websocket server'),
  'empty id': errorFrame('No id, token, or key supplied to websocket server'),
  'no token': errorFrame('No id, token, or key supplied to websocket server'),
  'no key': errorFrame('No id, token, or key supplied to websocket server'),
  'wrong key': errorFrame('Invalid key provided'),
}));

test('an id held with another token gets ID-TAKEN and a close; the holder keeps it', () => compare(idTaken, {
  refused: [{ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } }],
  toHolder: [],
}));

test('an OFFER to a peer that connects a moment later is delivered after its OPEN', () => compare(queued, {
  toLate: [{ type: 'OPEN' },
    { type: 'OFFER', src: 'early', dst: 'late', payload: offerPayload },
    { type: 'CANDIDATE', src: 'early', dst: 'late', payload: candidatePayload }],
  afterwards: [],
  answer: { type: 'ANSWER', src: 'late', dst: 'early', payload: { sdp: { type: 'answer', sdp: 'v=0\r\n' }, type: 'data', connectionId: 'dc_queued' } },
}));

test('an OFFER nobody claims within expire_timeout gets its sender EXPIRE, and is dropped', { timeout: 60000 }, () => compare(expired, {
  expire: { type: 'EXPIRE', src: 'ghost', dst: 'lonely' },
  waitedAtLeastTimeout: true,
  toGhost: [],
}));

test('relayed frames carry the server-set src; HEARTBEAT, unknown types and junk are not relayed', () => compare(relayed, [
  { type: 'CANDIDATE', src: 'relay-a', dst: 'relay-b', payload: candidatePayload },
  { type: 'LEAVE', src: 'relay-a', dst: 'relay-b' },
]));

test('the concurrent limit gets the reference ERROR; discovery lists the connected ids', () => compare(concurrentLimit, {
  refused: errorFrame('Server has reached its concurrent user limit'),
  peers: { status: 200, contentType: 'application/json; charset=utf-8', body: ['first'] },
}, limits));

test('GET {path}/ is the server info, {path}/{key}/id a fresh id, {path}/{key}/peers 401 without discovery', () => compare(rest, {
  info: { status: 200, contentType: 'application/json; charset=utf-8',
    body: { name: 'PeerJS Server', description: 'A server side element to broker connections between PeerJS clients.', website: 'https://peerjs.com/' } },
  id: { status: 200, contentType: 'text/html; charset=utf-8', uuid: true, crossOrigin: true, fresh: true },
  idOtherKey: { status: 200, uuid: true },
  peers: { status: 401, contentType: 'text/plain; charset=utf-8', body: 'Unauthorized' },
}));

// Frames that are not JSON, or JSON but not an object, crash the standalone reference server
// (an unhandled 'error' event ends its process); iceway drops them and the sender stays.
test('iceway: frames that are not a JSON object are dropped and the connection stays', async () => {
  const port = main.iceway.signal.port;
  const a = await opened(port, 'junk-a');
  const b = await opened(port, 'junk-b');
  for (const junk of ['not json', '"text"', 'null', '42', '{"type":"OFFER","dst":', '']) await a.sendRaw(junk);
  await a.send({ type: 'CANDIDATE', dst: 'junk-b', payload: candidatePayload });
  assert.deepEqual(await a.barrier('junk-a'), []);
  assert.deepEqual(await b.next(15000, 'the CANDIDATE'), { type: 'CANDIDATE', src: 'junk-a', dst: 'junk-b', payload: candidatePayload });
  a.close();
  b.close();
});

// The reference reattaches a same-token reconnect silently (the client never gets OPEN) and
// leaves the old socket open; iceway answers OPEN and closes the stale socket (docs/signaling.md).
test('iceway: the same id and token reconnecting gets OPEN, the stale socket is closed and frames follow the new one', async () => {
  const port = main.iceway.signal.port;
  const stale = await opened(port, 'phoenix', 'same-token');
  const fresh = await opened(port, 'phoenix', 'same-token');
  await stale.untilClosed();
  const other = await opened(port, 'caller');
  await other.send({ type: 'OFFER', dst: 'phoenix', payload: offerPayload });
  assert.deepEqual(await fresh.next(15000, 'the OFFER'), { type: 'OFFER', src: 'caller', dst: 'phoenix', payload: offerPayload });
  // The id is the fresh socket's: another token is still refused.
  assert.deepEqual(await new Socket(port, query('phoenix', 'other-token')).untilClosed(), [{ type: 'ID-TAKEN', payload: { msg: 'ID is taken' } }]);
  fresh.close();
  other.close();
});
