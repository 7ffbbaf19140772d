// Issue 11, finding 1: one client must not hold TURN TCP/TLS connections open or make them pin
// memory. Each test does the attack against the real binary from 127.0.0.1, with deadlines
// shortened through --set so it takes seconds: too many connections from one source, a
// header that announces 64 KiB and then trickles, a connection that keeps talking without
// ever proving itself, half TLS ClientHellos, and the memory that announced lengths cost.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, makeCertificate, run } from './lib/iceway.mjs';
import { scrape, total, until } from './lib/ops.mjs';
import { TurnClient, restCredentials, nowUnix, SECRET, turnArgs, Method } from './lib/turn.mjs';
import { message, bindingRequest, parse, MAGIC } from './lib/stun.mjs';

const servers = [];
let certDir;
let namespace;

after(async () => {
  for (const server of servers) assert.equal(await stopIceway(server), 0, server.output());
  if (certDir) rmSync(certDir, { recursive: true, force: true });
  if (namespace) await run('ip', ['netns', 'del', namespace]);
});

// Two workers, so accepts land on both and the caps must hold across them.
async function start(settings, extra = []) {
  const args = [...loopbackArgs({ ipv6: false, threads: 2 }), ...turnArgs, ...extra];
  for (const setting of settings) args.push('--set', setting);
  const server = await startIceway(args);
  servers.push(server);
  return server;
}

const tcpPort = (server) => server.tcp.find((e) => e.family === 4).port;

// A raw TCP connection that records what it receives and when it was closed by the server.
async function rawConnection(port) {
  const socket = net.connect({ host: '127.0.0.1', port });
  const connection = { socket, received: Buffer.alloc(0), closedAt: undefined };
  socket.on('data', (chunk) => { connection.received = Buffer.concat([connection.received, chunk]); });
  socket.on('error', () => {});
  socket.on('close', () => { connection.closedAt = Date.now(); });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  return connection;
}

const isClosed = (connection) => connection.closedAt !== undefined;

// Sends a Binding request on a raw connection and resolves with the parsed success answer.
async function binding(connection, timeoutMs = 5000) {
  const request = bindingRequest();
  const id = request.subarray(8, 20);
  const before = connection.received.length;
  connection.socket.write(request);
  return until(() => {
    const answer = connection.received.subarray(before);
    if (answer.length < 20) return undefined;
    const parsed = parse(answer);
    return parsed.transactionId.equals(id) ? parsed : undefined;
  }, timeoutMs, 'a Binding answer');
}

// A STUN header that announces a 65,532-byte body: 20 bytes claiming 64 KiB.
function largeHeader() {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0001, 0);
  header.writeUInt16BE(0xfffc, 2);
  header.writeUInt32BE(MAGIC, 4);
  return header;
}

const closedFor = async (server, reason) => total((await scrape(server)).families, 'iceway_turn_stream_closed_total', { reason });
const rssKiB = (server) => Number(readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

test('connections beyond the per-source cap are closed at once while the first ones keep working', async () => {
  const cap = 4;
  const server = await start([`turn.max_stream_clients_per_ip=${cap}`]);
  const port = tcpPort(server);
  const first = [];
  for (let i = 0; i < cap; i++) first.push(await TurnClient.connect({ host: '127.0.0.1', port, transport: 'tcp' }));
  // Answered, so accepted: the kernel completes a connect before any worker accepts it, and
  // the workers accept in their own order.
  for (const client of first) assert.equal((await client.transact(bindingRequest())).success, true);
  const extra = [];
  for (let i = 0; i < 6; i++) extra.push(await rawConnection(port));
  await until(() => extra.every(isClosed), 5000, 'every connection past the cap to be closed');
  assert.equal(await closedFor(server, 'per_ip_limit'), extra.length);

  // The first ones are untouched: each still allocates over its connection.
  for (const [i, client] of first.entries()) {
    const answer = await client.allocate(restCredentials(SECRET, `cap-${i}`, nowUnix() + 600));
    assert.equal(answer.success, true, `allocation ${i}: ${JSON.stringify(answer.code)}`);
    assert.equal(client.closed, false);
  }
  // A closed connection gives its slot back: once the server has seen the close, a new
  // connection from the same source is served.
  first[0].close();
  await until(async () => total((await scrape(server)).families, 'iceway_turn_stream_clients_active') === cap - 1,
    5000, 'the server to count the closed connection out');
  const again = await rawConnection(port);
  assert.equal((await binding(again)).type, 0x0101);
  again.socket.destroy();
  for (const client of first) client.close();
});

test('connections beyond the total cap are closed at once, whatever their source', async () => {
  const cap = 3;
  const server = await start([`turn.max_stream_clients=${cap}`, 'turn.max_stream_clients_per_ip=0']);
  const port = tcpPort(server);
  const held = [];
  for (let i = 0; i < cap; i++) held.push(await rawConnection(port));
  for (const connection of held) assert.equal((await binding(connection)).type, 0x0101);  // accepted
  const extra = [];
  for (let i = 0; i < 3; i++) extra.push(await rawConnection(port));
  await until(() => extra.every(isClosed), 5000, 'every connection past the total cap to be closed');
  assert.equal(await closedFor(server, 'total_limit'), extra.length);
  for (const connection of held) {
    assert.equal((await binding(connection)).type, 0x0101);
    connection.socket.destroy();
  }
});

test('a header announcing a large frame, then a trickle of bytes, is closed at the frame deadline', async () => {
  const server = await start(['turn.stream_frame_timeout="1s"', 'turn.stream_auth_timeout="30s"']);
  const connection = await rawConnection(tcpPort(server));
  assert.equal((await binding(connection)).type, 0x0101);  // a real client, so only the frame deadline applies
  const sentAt = Date.now();
  connection.socket.write(largeHeader());
  // One byte every 200 ms: before the fix each read restarted the frame timeout.
  const trickle = setInterval(() => { if (!isClosed(connection)) connection.socket.write(Buffer.alloc(1)); }, 200);
  try {
    await until(() => isClosed(connection), 6000, 'the trickling connection to be closed');
  } finally {
    clearInterval(trickle);
  }
  const elapsed = connection.closedAt - sentAt;
  assert.ok(elapsed >= 900, `closed after ${elapsed} ms, before its frame deadline`);
  assert.equal(await closedFor(server, 'frame_timeout'), 1);
});

test('a connection that talks but never proves itself is closed at the auth deadline; one that did stays', async () => {
  const server = await start(['turn.stream_auth_timeout="1500ms"']);
  const port = tcpPort(server);
  const proven = await rawConnection(port);
  assert.equal((await binding(proven)).type, 0x0101);
  const chatty = await rawConnection(port);
  const openedAt = Date.now();
  // Unauthenticated Allocates, each answered 401: complete frames, but never a success.
  const talk = setInterval(() => { if (!isClosed(chatty)) chatty.socket.write(message(Method.allocate)); }, 200);
  try {
    await until(() => isClosed(chatty), 6000, 'the unproven connection to be closed');
  } finally {
    clearInterval(talk);
  }
  assert.ok(chatty.closedAt - openedAt >= 1400, `closed after ${chatty.closedAt - openedAt} ms`);
  assert.ok(chatty.received.length >= 20, 'its Allocates were answered (401) before the deadline');
  assert.equal(isClosed(proven), false);
  assert.equal((await binding(proven)).type, 0x0101);
  assert.equal(await closedFor(server, 'auth_timeout'), 1);
  proven.socket.destroy();
});

test('half TLS ClientHellos: past the handshake cap closed at once, the others at the handshake deadline', async () => {
  certDir = mkdtempSync(join(tmpdir(), 'iceway-stream-tls-'));
  const cert = join(certDir, 'cert.pem');
  const key = join(certDir, 'key.pem');
  await makeCertificate(cert, key);
  const cap = 3;
  const server = await start([`turn.max_tls_handshakes=${cap}`, 'turn.tls_handshake_timeout="3s"',
    `tls.cert=${cert}`, `tls.key=${key}`], ['--tls-listen', '127.0.0.1:0']);
  const port = server.tls[0].port;
  // A TLS record header announcing a 512-byte ClientHello, and nothing more.
  const half = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
  const startedAt = Date.now();
  const stalled = [];
  const open = async () => {
    const connection = await rawConnection(port);
    connection.socket.write(half);
    stalled.push(connection);
  };
  for (let i = 0; i < cap; i++) await open();
  // Accepted (and holding a handshake slot) before the next ones arrive.
  await until(async () => total((await scrape(server)).families, 'iceway_turn_stream_clients_active', { transport: 'tls' }) === cap,
    5000, 'the first handshakes to be accepted');
  for (let i = 0; i < 4; i++) await open();
  await until(() => stalled.filter(isClosed).length >= 4, 2000, 'the connections past the handshake cap to be closed');
  assert.equal(await closedFor(server, 'tls_handshake_limit'), 4);
  await until(() => stalled.every(isClosed), 6000, 'the stalled handshakes to be closed');
  const last = Math.max(...stalled.map((c) => c.closedAt)) - startedAt;
  assert.ok(last >= 2800, `the last stalled handshake closed after ${last} ms, before its deadline`);
  assert.equal(await closedFor(server, 'handshake_timeout'), cap);
  // The slots are free again: a real TLS client connects and is answered.
  const client = await TurnClient.connect({ host: '127.0.0.1', port, transport: 'tls' });
  const answer = await client.allocate(restCredentials(SECRET, 'tls-after', nowUnix() + 600));
  assert.equal(answer.success, true);
  client.close();
});

test('memory does not grow with the frame length a header announces', async (t) => {
  const count = 300;
  const server = await start(['turn.max_stream_clients_per_ip=0', 'turn.stream_frame_timeout="60s"']);
  const port = tcpPort(server);
  const baseline = rssKiB(server);
  const connections = [];
  for (let i = 0; i < count; i++) {
    const connection = await rawConnection(port);
    // A Binding and, in the same write, a header announcing 64 KiB: once the Binding is
    // answered, the server has read the header too.
    const request = bindingRequest();
    connection.id = request.subarray(8, 20);
    connection.socket.write(Buffer.concat([request, largeHeader()]));
    connections.push(connection);
  }
  await until(() => connections.every((c) => c.received.length >= 20 && parse(c.received).transactionId.equals(c.id)),
    10000, 'every Binding to be answered');
  const grownKiB = rssKiB(server) - baseline;
  t.diagnostic(`RSS grew by ${grownKiB} KiB for ${count} connections that each announced a 64 KiB frame`);
  // Before the fix each header made the server reserve its 64 KiB: 300 x 64 KiB = 19 MiB.
  // Now each connection costs its 4 KiB buffer and bookkeeping.
  assert.ok(grownKiB < 8 * 1024, `RSS grew by ${grownKiB} KiB for ${count} announced 64 KiB frames`);
  assert.equal(connections.filter(isClosed).length, 0);
  for (const connection of connections) connection.socket.destroy();
});

// Runs `source` (an ES module) with node inside network namespace `netns`; resolves its stdout
// parsed as JSON.
async function nodeIn(netns, source) {
  const result = await run('ip', ['netns', 'exec', netns, process.execPath, '--input-type=module', '-e', source],
    { timeoutMs: 20000 });
  if (result.code !== 0) throw new Error(`node in ${netns} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

test('IPv6 clients are counted per /64: a second address of the same /64 is refused, another /64 is not', async () => {
  // A namespace of our own whose loopback holds three addresses: the server's, and clients in
  // the same /64 and in another one. Nothing leaves it.
  namespace = `iw-stream6-${process.pid}`;
  const steps = [['netns', 'add', namespace], ['-n', namespace, 'link', 'set', 'lo', 'up']];
  for (const address of ['2001:db8:5::1', '2001:db8:5::2', '2001:db8:5::3', '2001:db8:6::2'])
    steps.push(['-n', namespace, 'addr', 'add', `${address}/64`, 'dev', 'lo', 'nodad']);
  for (const step of steps) {
    const result = await run('ip', step);
    assert.equal(result.code, 0, `ip ${step.join(' ')}: ${result.stderr}`);
  }
  const server = await startIceway(['--listen', '[2001:db8:5::1]:0', '--relay-ip', '127.0.0.1', '--threads', '2',
    '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', ...turnArgs,
    '--set', 'turn.max_stream_clients_per_ip=1'], { netns: namespace });
  servers.push(server);
  const port = server.tcp[0].port;
  // The first client holds the /64's only slot (answered: accepted); then one more from the same
  // /64 and one from another /64, each reporting whether the server closed it or answered it.
  const outcome = await nodeIn(namespace, `
    import net from 'node:net';
    import { randomBytes } from 'node:crypto';
    const binding = () => { const b = Buffer.alloc(20); b.writeUInt16BE(1, 0); b.writeUInt32BE(0x2112a442, 4); randomBytes(12).copy(b, 8); return b; };
    const attempt = (localAddress) => new Promise((resolve) => {
      const socket = net.connect({ host: '2001:db8:5::1', port: ${port}, localAddress });
      const timer = setTimeout(() => resolve({ socket, result: 'no answer' }), 5000);
      socket.on('error', () => {});
      socket.on('connect', () => socket.write(binding()));
      socket.on('data', (d) => { clearTimeout(timer); resolve({ socket, result: d.readUInt16BE(0) === 0x0101 ? 'answered' : 'other' }); });
      socket.on('close', () => { clearTimeout(timer); resolve({ socket, result: 'closed' }); });
    });
    const first = await attempt('2001:db8:5::2');
    const sameSlash64 = await attempt('2001:db8:5::3');
    const otherSlash64 = await attempt('2001:db8:6::2');
    for (const a of [first, sameSlash64, otherSlash64]) a.socket.destroy();
    // The admin listener is inside the namespace too.
    const metrics = await (await fetch('http://${server.admin.host}:${server.admin.port}/metrics')).text();
    const refused = Number(metrics.match(/iceway_turn_stream_closed_total\\{reason="per_ip_limit"\\} (\\d+)/)[1]);
    console.log(JSON.stringify({ first: first.result, sameSlash64: sameSlash64.result, otherSlash64: otherSlash64.result, refused }));
  `);
  assert.deepEqual(outcome, { first: 'answered', sameSlash64: 'closed', otherSlash64: 'answered', refused: 1 });
});
