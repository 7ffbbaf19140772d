// Issue 10, part 4 (faults): SIGHUP and SIGTERM while the server is busy. Load, all at once:
// UDP and TCP allocations relaying numbered datagrams to an echo peer, native signaling pairs
// and PeerJS pairs exchanging numbered messages, and PeerJS messages queued for peers that are
// not connected yet. Three SIGHUPs in the middle of it must lose nothing: every datagram comes
// back, every message arrives once and in order, nobody is disconnected, the queued messages are
// delivered when their peers arrive. Then SIGTERM in the middle of it: every WebSocket is told
// (1001), the sender of messages still queued for an absent PeerJS peer gets EXPIRE first, what a
// receiver got is a gap-free prefix of what was sent, every allocation keeps relaying through the
// drain and ends logged as a shutdown, and the process exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import { TurnClient, restCredentials, nowUnix } from './lib/turn.mjs';
import { until, WsClient, wsUrl } from './lib/ops.mjs';

const SECRET = 'fault-load-secret';
const DRAIN_MS = 4000;
const UDP_ALLOCATIONS = 12;
const TCP_ALLOCATIONS = 6;
const NATIVE_PAIRS = 12;
const PEERJS_PAIRS = 6;
const QUEUED = 5;  // messages queued for each absent PeerJS peer
const TICK_MS = 25;

let dir;
let server;
let echo;
const sockets = [];
const flows = [];  // the relaying allocations: closed in after() even when the test fails

after(async () => {
  for (const ws of sockets) ws.close();
  for (const flow of flows) flow.client.close();
  if (server) await stopIceway(server, 'SIGKILL');
  if (echo) echo.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function writeConfig(path, apiKey) {
  writeFileSync(path, `[server]
drain_timeout = "${DRAIN_MS / 1000}s"

[auth]
secrets = ["${SECRET}"]
api_keys = ["${apiKey}"]

[turn]
max_allocations_per_ip = 1000

[signal.peerjs]
expire_timeout = "60s"

[peers]
allow_loopback = true
`);
}

// A UDP echo peer on 127.0.0.1.
async function startEcho() {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.on('message', (data, from) => socket.send(data, from.port, from.address));
  return socket;
}

// An allocation that sends a numbered Send indication to the echo peer on every tick and
// records the numbers that come back.
async function relayingAllocation(transport, i) {
  const port = transport === 'udp' ? server.udp[0].port : server.tcp[0].port;
  const client = await TurnClient.connect({ host: '127.0.0.1', port, transport });
  const answer = await client.allocate(restCredentials(SECRET, `load-${transport}-${i}`, nowUnix() + 600));
  assert.equal(answer.success, true, `allocation ${transport} ${i}: ${answer.code}`);
  const peer = { address: '127.0.0.1', port: echo.address().port };
  assert.equal((await client.createPermission(peer)).success, true);
  const flow = { client, transport, name: `load-${transport}-${i}`, sent: 0, back: new Set(), lastBackAt: 0 };
  client.data.push = ({ data }) => { flow.back.add(Number(data.toString())); flow.lastBackAt = Date.now(); };
  flow.tick = () => { client.sendIndication(peer, String(flow.sent)); flow.sent++; };
  return flow;
}

// A pair of signaling WebSockets; the first sends numbered messages to the second on each tick.
async function nativePair(i) {
  const from = await WsClient.open(wsUrl(server, `/ws?id=load-from-${i}`));
  const to = await WsClient.open(wsUrl(server, `/ws?id=load-to-${i}`));
  sockets.push(from, to);
  await from.next('welcome');
  await to.next('welcome');
  const pair = { kind: 'native', from, to, sent: 0, received: [] };
  to.socket.on('message', (d) => { const f = JSON.parse(d); if (f.type === 'signal') pair.received.push(f.data); });
  pair.tick = () => { from.send({ type: 'signal', to: `load-to-${i}`, data: pair.sent }); pair.sent++; };
  return pair;
}

const peerjsUrl = (id) => wsUrl(server, `/peerjs/peerjs?key=peerjs&id=${id}&token=t-${id}`);

async function peerjsPair(i) {
  const from = await WsClient.open(peerjsUrl(`pj-from-${i}`));
  const to = await WsClient.open(peerjsUrl(`pj-to-${i}`));
  sockets.push(from, to);
  await from.next('OPEN');
  await to.next('OPEN');
  const pair = { kind: 'peerjs', from, to, sent: 0, received: [] };
  to.socket.on('message', (d) => { const f = JSON.parse(d); if (f.type === 'OFFER') pair.received.push(f.payload.n); });
  pair.tick = () => { from.send({ type: 'OFFER', dst: `pj-to-${i}`, payload: { n: pair.sent } }); pair.sent++; };
  return pair;
}

const inOrder = (received, count) => received.length === count && received.every((n, i) => n === i);

test('SIGHUP under load loses nothing; SIGTERM under load tells everyone and drains', { timeout: 90000 }, async (t) => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-fault-load-'));
  const configPath = join(dir, 'iceway.toml');
  writeConfig(configPath, 'key-0');
  server = await startIceway([...loopbackArgs({ ipv6: false }).filter((a) => a !== 'debug' && a !== '--log-level'),
    '--log-level', 'info', '--config', configPath]);
  echo = await startEcho();

  for (let i = 0; i < UDP_ALLOCATIONS; i++) flows.push(await relayingAllocation('udp', i));
  for (let i = 0; i < TCP_ALLOCATIONS; i++) flows.push(await relayingAllocation('tcp', i));
  const pairs = [];
  for (let i = 0; i < NATIVE_PAIRS; i++) pairs.push(await nativePair(i));
  for (let i = 0; i < PEERJS_PAIRS; i++) pairs.push(await peerjsPair(i));
  const everyone = pairs.flatMap((p) => [p.from, p.to]);
  const unexpectedCloses = [];
  for (const ws of everyone) ws.closed.then((c) => unexpectedCloses.push(c));

  // Messages for PeerJS peers that are not here yet: queued by the server.
  const queuer = await WsClient.open(peerjsUrl('pj-queuer'));
  sockets.push(queuer);
  await queuer.next('OPEN');
  const absent = ['pj-late-0', 'pj-late-1'];
  for (const id of absent) for (let n = 0; n < QUEUED; n++) queuer.send({ type: 'OFFER', dst: id, payload: { n } });

  const tick = () => { for (const item of [...flows, ...pairs]) item.tick(); };
  let pump = setInterval(tick, TICK_MS);
  try {
    // --- three reloads under load ---------------------------------------------------------
    for (let reload = 1; reload <= 3; reload++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const since = server.output().length;
      writeConfig(configPath, `key-${reload}`);
      server.child.kill('SIGHUP');
      await waitForOutput(server, /reload: configuration applied from \S+; changed: (.*)/, 10000, since);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    clearInterval(pump);
  }
  t.diagnostic(`after 3 SIGHUPs: ${flows.reduce((s, f) => s + f.sent, 0)} datagrams and ` +
    `${pairs.reduce((s, p) => s + p.sent, 0)} messages sent`);
  // Everything sent across the reloads arrives, once and in order; every datagram comes back.
  await until(() => pairs.every((p) => inOrder(p.received, p.sent)), 15000, 'every message to arrive');
  await until(() => flows.every((f) => f.back.size === f.sent), 15000, 'every datagram to come back');
  assert.deepEqual(unexpectedCloses, [], 'a WebSocket was closed by a reload');
  for (const flow of flows) assert.equal((await flow.client.refresh(600)).success, true, `${flow.name} refreshes after the reloads`);
  // The queued messages wait out the reloads and arrive when their peers do.
  for (const id of absent) {
    const late = await WsClient.open(peerjsUrl(id));
    sockets.push(late);
    await late.next('OPEN');
    for (let n = 0; n < QUEUED; n++) assert.deepEqual((await late.next('OFFER')).payload, { n }, `${id}'s queued message ${n}`);
  }

  // --- SIGTERM under load ---------------------------------------------------------------------
  // Messages queued for a peer that will not come: the drain must not drop them unannounced.
  for (let n = 0; n < QUEUED; n++) queuer.send({ type: 'OFFER', dst: 'pj-never', payload: { n } });
  const queuerClosed = queuer.closed;
  const closes = everyone.map((ws) => ws.closed);
  const exited = new Promise((resolve) => server.child.once('exit', (code) => resolve({ code, at: Date.now() })));
  pump = setInterval(tick, TICK_MS);
  let termAt;
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    termAt = Date.now();
    server.child.kill('SIGTERM');
    // Every signaling client is told, with 1001, not dropped.
    const codes = await Promise.race([Promise.all(closes),
      new Promise((_, reject) => setTimeout(() => reject(new Error('WebSockets still open 5 s after SIGTERM')), 5000))]);
    assert.deepEqual(codes.map((c) => c.code), everyone.map(() => 1001));
    // The sender of the queued messages hears that their peer is unavailable (EXPIRE, as when
    // a queue times out) before its 1001: the server will not be there to deliver them.
    assert.equal((await queuerClosed).code, 1001);
    assert.deepEqual(queuer.frames.filter((f) => f.type === 'EXPIRE'), [{ type: 'EXPIRE', src: 'pj-never', dst: 'pj-queuer' }],
      'the sender of messages queued at SIGTERM was not told they will not be delivered');
    // Every allocation relays on during the drain: datagrams sent a second into it come back.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const drainingSince = Date.now();
    await until(() => flows.every((f) => f.lastBackAt > drainingSince), 5000, 'every allocation to relay during the drain');
    assert.ok(Date.now() - termAt < DRAIN_MS - 500, 'the drain checks ran too late; raise DRAIN_MS');
  } finally {
    clearInterval(pump);
  }
  // What each receiver got before its close is what was sent, in order, without a gap.
  for (const pair of pairs) {
    assert.ok(pair.received.every((n, i) => n === i), `${pair.kind} messages out of order or with a gap`);
    assert.ok(pair.received.length > 0);
  }
  const { code, at } = await exited;
  assert.equal(code, 0);
  assert.ok(at - termAt >= DRAIN_MS - 200, `exited ${at - termAt} ms after SIGTERM, before the drain timeout`);
  const output = server.output();
  for (const flow of flows) assert.match(output, new RegExp(`allocation ended: user=${flow.name} .*reason=shutdown`));
  assert.match(output, new RegExp(`drain done: ${flows.length} allocation\\(s\\) still active are closed now`));
  t.diagnostic(output.split('\n').filter((l) => /SIGTERM|drain|queued|stopped/.test(l)).join('\n'));
  server = undefined;
});
