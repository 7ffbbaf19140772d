// Issue 10, part 4 (faults): TURN TCP and TLS clients that vanish mid-frame and mid-handshake,
// by FIN or by RST, must cost the server nothing lasting. The real binary serves two steady
// clients (one TCP, one TLS, each holding an allocation) while a bounded number of connections
// are cut at every awkward point: half a STUN header, a header and part of its body, an
// authenticated client with an allocation cut mid-frame, half a TLS ClientHello, a TLS client
// cut right after its ClientHello, and a TLS client cut mid-frame inside the tunnel. Afterwards
// the steady clients still work, and the connection gauge, the allocation gauge and the
// process's open fds are back where they were.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, makeCertificate } from './lib/iceway.mjs';
import { scrape, total, until } from './lib/ops.mjs';
import { TurnClient, restCredentials, nowUnix, SECRET, turnArgs, Method } from './lib/turn.mjs';
import { message, bindingRequest, MAGIC } from './lib/stun.mjs';

let server;
let certDir;

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

const openFds = (pid) => readdirSync(`/proc/${pid}/fd`).length;

// A STUN header announcing a `length`-byte body, followed by `sent` bytes of that body.
function partialFrame(length, sent) {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(Method.send | 0x0010, 0);  // a Send indication
  header.writeUInt16BE(length, 2);
  header.writeUInt32BE(MAGIC, 4);
  return Buffer.concat([header, Buffer.alloc(sent, 0x5a)]);
}

// Ends a socket either politely (FIN) or abruptly (RST), alternating by `i`.
function cut(socket, i) {
  if (i % 2 === 0) socket.end();
  else socket.resetAndDestroy();
}

// Resolves when a raw TCP connection to `port` is open.
function connectRaw(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.on('error', () => {});
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

// Every cut we make: each resolves once its connection is gone from our side.
const cuts = {
  // Half of a STUN header, then gone.
  async halfHeader(port, i) {
    const socket = await connectRaw(port);
    socket.write(bindingRequest().subarray(0, 10));
    cut(socket, i);
  },
  // A connection the server has answered, then a header announcing 200 bytes and 60 of them,
  // and gone a moment later (so the server has most likely read the partial frame first).
  async partialBody(port, i) {
    const socket = await connectRaw(port);
    const answered = new Promise((resolve) => socket.once('data', resolve));
    socket.write(bindingRequest());
    await answered;
    socket.write(partialFrame(200, 60));
    await new Promise((resolve) => setTimeout(resolve, 20));
    cut(socket, i);
  },
  // A real client with an allocation, cut in the middle of a frame.
  async allocatedMidFrame(port, i) {
    const client = await TurnClient.connect({ host: '127.0.0.1', port, transport: 'tcp' });
    const answer = await client.allocate(restCredentials(SECRET, `cut-${i}`, nowUnix() + 600));
    assert.equal(answer.success, true, `allocation before the cut: ${JSON.stringify(answer.code)}`);
    client.socket.write(partialFrame(120, 33));
    cut(client.socket, i);
  },
  // A TLS record header and the start of a ClientHello announcing 512 bytes, then gone.
  async halfClientHello(_, i, tlsPort) {
    const socket = await connectRaw(tlsPort);
    socket.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]));
    cut(socket, i);
  },
  // A real TLS client cut as soon as its TCP connection is up: its ClientHello is on the
  // wire, the server is mid-handshake.
  async midHandshake(_, i, tlsPort) {
    const raw = await connectRaw(tlsPort);
    const socket = tls.connect({ socket: raw, rejectUnauthorized: false });
    socket.on('error', () => {});
    // Cut once the ClientHello is written (the server is mid-handshake), or a few ms later,
    // when its ServerHello may be on the way.
    await new Promise((resolve) => setTimeout(resolve, i % 4 < 2 ? 0 : 5));
    cut(raw, i);
  },
  // A TLS client that completed its handshake and was answered, cut mid-frame.
  async tlsMidFrame(_, i, tlsPort) {
    const client = await TurnClient.connect({ host: '127.0.0.1', port: tlsPort, transport: 'tls' });
    assert.equal((await client.transact(bindingRequest())).success, true);
    client.socket.write(partialFrame(300, 100));
    if (i % 2 === 0) client.socket.end();
    else client.socket.destroy();
  },
};

test('TCP and TLS clients cut mid-frame and mid-handshake leave no connection, allocation or fd behind', async (t) => {
  certDir = mkdtempSync(join(tmpdir(), 'iceway-fault-cuts-'));
  const cert = join(certDir, 'cert.pem');
  const key = join(certDir, 'key.pem');
  await makeCertificate(cert, key);
  server = await startIceway([...loopbackArgs({ ipv6: false, threads: 2 }), ...turnArgs,
    '--tls-listen', '127.0.0.1:0', '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`,
    '--set', 'turn.max_stream_clients_per_ip=0',
    // Deadlines far beyond the test's own, so only noticing the FIN or RST can close a cut
    // connection in time: a server that missed one would keep it until a deadline.
    '--set', 'turn.stream_frame_timeout="60s"', '--set', 'turn.stream_auth_timeout="60s"',
    '--set', 'turn.tls_handshake_timeout="60s"']);
  const port = server.tcp[0].port;
  const tlsPort = server.tls[0].port;

  const steadyTcp = await TurnClient.connect({ host: '127.0.0.1', port, transport: 'tcp' });
  const steadyTls = await TurnClient.connect({ host: '127.0.0.1', port: tlsPort, transport: 'tls' });
  for (const [i, client] of [steadyTcp, steadyTls].entries()) {
    const answer = await client.allocate(restCredentials(SECRET, `steady-${i}`, nowUnix() + 600));
    assert.equal(answer.success, true);
  }
  const gauges = async () => {
    const { families } = await scrape(server);
    return {
      stream: total(families, 'iceway_turn_stream_clients_active'),
      allocations: total(families, 'iceway_turn_allocations_active'),
    };
  };
  await until(async () => (await gauges()).stream === 2, 5000, 'the two steady connections to be counted');
  const baseline = { ...(await gauges()), fds: openFds(server.child.pid) };
  assert.deepEqual({ stream: baseline.stream, allocations: baseline.allocations }, { stream: 2, allocations: 2 });

  // Ten of each kind, alternating FIN and RST, in batches of all kinds at once; the steady
  // clients are asked something after every batch.
  const rounds = 10;
  const startedAt = Date.now();
  let peakStream = 0;
  for (let i = 0; i < rounds; i++) {
    await Promise.all(Object.values(cuts).map((c) => c(port, i, tlsPort)));
    peakStream = Math.max(peakStream, (await gauges()).stream);
    assert.equal((await steadyTcp.refresh(600)).success, true, `the steady TCP client after round ${i}`);
    assert.equal((await steadyTls.refresh(600)).success, true, `the steady TLS client after round ${i}`);
  }
  t.diagnostic(`${rounds * Object.keys(cuts).length} connections cut in ${Date.now() - startedAt} ms; ` +
    `at most ${peakStream} stream clients counted at once`);

  // Every cut connection is counted out, its allocation freed and its fd closed. Polled: the
  // server sees a FIN or RST only when its worker next reads that socket.
  await until(async () => {
    const now = await gauges();
    return now.stream === baseline.stream && now.allocations === baseline.allocations;
  }, 10000, 'the stream and allocation gauges to return to the two steady clients');
  await until(() => openFds(server.child.pid) <= baseline.fds, 10000,
    `open fds to return to ${baseline.fds} (now ${openFds(server.child.pid)})`);

  // A client arriving afterwards is served as usual.
  const late = await TurnClient.connect({ host: '127.0.0.1', port: tlsPort, transport: 'tls' });
  assert.equal((await late.allocate(restCredentials(SECRET, 'late', nowUnix() + 600))).success, true);
  late.close();
  steadyTcp.close();
  steadyTls.close();
  await until(async () => (await gauges()).stream === 0, 15000, 'every stream client to be counted out');
  // A server that thought the cut connections still existed would still hold relay sockets.
  assert.equal((await gauges()).allocations, 0);
});
