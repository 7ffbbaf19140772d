// The PeerJS signaling load generator (bench/signal/load.mjs, behind bench/signal-vs-peerjs.sh)
// stays working: a one-second run against the real iceway must deliver every frame, in order and
// with sane latency fields, through /peerjs and through native /ws and /relay; idle mode must open, heartbeat and measure; and the tool must report,
// not hide, frames a server drops and connections it refuses. Correctness only: no speed checks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { startIceway, stopIceway, loopbackArgs, run } from './lib/iceway.mjs';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('ws');
const LOAD = new URL('../../bench/signal/load.mjs', import.meta.url).pathname;

let server;
let url;

before(async () => {
  const args = [...loopbackArgs({ ipv6: false, threads: 1 }),
    // A load test sends far more than a browser: lift the per-connection rate limit.
    '--set', 'signal.messages_per_second=100000', '--set', 'signal.message_burst=100000'];
  // iceway may lose the race for the TCP port equal to its UDP port 0; another try gets another.
  for (let attempt = 1; !server; attempt++) {
    try {
      server = await startIceway(args);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  url = `ws://${server.signal.host}:${server.signal.port}/peerjs`;
});
after(async () => { if (server) assert.equal(await stopIceway(server), 0, server.output()); });

async function load(args) {
  const result = await run(process.execPath, [LOAD, '--json', ...args], { timeoutMs: 120000 });
  assert.equal(result.code, 0, `load.mjs failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

test('pairs exchange frames through iceway: every one delivered, in order, with latencies', async () => {
  const pairs = 3;
  const window = 4;
  const report = await load(['--url', url, '--pairs', String(pairs), '--window', String(window), '--duration', '1',
    '--drain', '20', '--workers', '2', '--server-pid', String(server.child.pid)]);
  assert.equal(report.connections, 2 * pairs);
  assert.equal(report.connect_refused, 0);
  // Each side sends its whole window at once, so at least that much went out.
  assert.ok(report.sent >= 2 * pairs * window, `sent ${report.sent}`);
  assert.equal(report.delivered, report.sent);
  assert.equal(report.lost, 0);
  assert.equal(report.out_of_order, 0);
  assert.equal(report.wrong_fields, 0);
  assert.deepEqual(report.unexpected, {});
  assert.equal(report.closed_early, 0);
  const l = report.latency_us;
  assert.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p90 && l.p90 <= l.p99, JSON.stringify(l));
  // Percentiles are bucket upper bounds (1 % wide), so p99 may sit just above the exact max.
  assert.ok(l.p99 <= l.max * 1.011 && l.max < 60e6, JSON.stringify(l));
  assert.ok(report.send_seconds >= 0.9 && report.send_seconds < 30, `send_seconds ${report.send_seconds}`);
  assert.ok(report.bytes_per_message > 100, `bytes_per_message ${report.bytes_per_message}`);
  assert.ok(report.server.cpu_seconds >= 0 && report.server.rss_kib_after > 0, JSON.stringify(report.server));
  // The kernel's part is one of the two parts of the whole, at a tick's resolution (10 ms).
  const s = report.server;
  assert.ok(Number.isFinite(s.system_cpu_seconds) && s.system_cpu_seconds >= 0 &&
    s.system_cpu_seconds <= s.cpu_seconds + 1e-9, JSON.stringify(s));
});

test('the same load through native /ws and /relay: every frame delivered from the partner, in order', async () => {
  const base = `ws://${server.signal.host}:${server.signal.port}`;
  for (const [protocol, path] of [['native', '/ws'], ['relay', '/relay']]) {
    const report = await load(['--url', `${base}${path}`, '--protocol', protocol, '--pairs', '2', '--window', '3',
      '--duration', '0.5', '--drain', '20']);
    assert.equal(report.connections, 4, protocol);
    assert.ok(report.sent >= 2 * 2 * 3, `${protocol}: sent ${report.sent}`);
    assert.equal(report.delivered, report.sent, protocol);
    assert.equal(report.out_of_order + report.wrong_fields, 0, protocol);
    assert.deepEqual(report.unexpected, {}, protocol);
  }
  // A server that is not there: each connection is counted as refused once.
  const refused = await load(['--url', 'ws://127.0.0.1:1/relay', '--protocol', 'relay', '--pairs', '1', '--duration', '0.2',
    '--connect-timeout', '5']);
  assert.equal(refused.connect_refused, 2);
  assert.equal(refused.delivered, 0);
});

test('idle connections open, heartbeat and get their server memory measured', async () => {
  const report = await load(['--url', url, '--idle', '20', '--settle', '0', '--server-pid', String(server.child.pid)]);
  assert.equal(report.connections, 20);
  assert.equal(report.connect_refused, 0);
  assert.deepEqual(report.idle.unexpected, {});
  assert.equal(report.idle.closed_early, 0);
  assert.ok(report.server.rss_kib_before > 0 && report.server.rss_kib_idle > 0, JSON.stringify(report.server));
  assert.ok(Number.isFinite(report.server.rss_bytes_per_connection));
});

test('refused connections are reported, not counted as a clean run', async () => {
  const report = await load(['--url', url, '--key', 'not-the-key', '--pairs', '2', '--duration', '0.2']);
  assert.equal(report.connections, 0);
  assert.equal(report.connect_refused, 4);
  assert.equal(report.delivered, 0);
});

test('a server that drops and reorders frames is caught', async () => {
  // A PeerJS-shaped relay that loses every 10th frame and swaps the next two, per sender.
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const peers = new Map();
  wss.on('connection', (ws, request) => {
    const id = new URL(request.url, 'ws://x').searchParams.get('id');
    peers.set(id, ws);
    let count = 0;
    let held = null;
    ws.send('{"type":"OPEN"}');
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type === 'HEARTBEAT') return;
      const target = peers.get(m.dst);
      const text = JSON.stringify({ ...m, src: id });
      count++;
      if (count % 10 === 0) return;  // lost
      if (count % 10 === 1 && held === null) { held = text; return; }  // sent after the next one
      target?.send(text);
      if (held !== null) { target?.send(held); held = null; }
    });
  });
  try {
    const { port } = wss.address();
    const report = await load(['--url', `ws://127.0.0.1:${port}/peerjs`, '--pairs', '2', '--window', '4',
      '--duration', '0.5', '--drain', '0.5', '--workers', '1']);
    assert.equal(report.connections, 4);
    assert.ok(report.lost > 0, `lost ${report.lost}`);
    assert.ok(report.out_of_order > 0, `out_of_order ${report.out_of_order}`);
  } finally {
    for (const ws of wss.clients) ws.terminate();
    wss.close();
  }
});
