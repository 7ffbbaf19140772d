// TCP relays (RFC 6062) through the real iceway binary, driven by coturn's turnutils_uclient:
//   -T  pairs of clients, each with a TCP relay; one Connects to the other's relayed address,
//       which answers with a ConnectionAttempt; both bind data connections (ConnectionBind) and
//       exchange messages, so every message crosses one outgoing and one incoming peer
//       connection. uclient has no TCP mode for turnutils_peer (a UDP echo), and -T ignores
//       -e/-r: its peers are each other's relays.
//   -x  the same over IPv6 (an IPv6 control connection and relays).
//   -P  "passive": half of uclient's clients are plain TCP peers that connect to the other
//       half's relays, the ConnectionAttempt direction with a peer that speaks no TURN.
// Also, with iceway's own client: the peer policy and the connect failure of Connect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startIceway, stopIceway, loopbackArgs, run, makeCertificate } from './lib/iceway.mjs';
import { Attr, TurnClient, SECRET, turnArgs, restCredentials, nowUnix, xorAddressValue, freeUdpPort } from './lib/turn.mjs';
import { message } from './lib/stun.mjs';

const CONNECT = 0x000a;
const CONNECTION_BIND = 0x000b;
const CONNECTION_ID = 0x002a;
const tcpTransport = () => [Attr.REQUESTED_TRANSPORT, Buffer.from([6, 0, 0, 0])];
// Every client is 127.0.0.1: uclient -T -m 10 opens 10 control and 90 data connections.
const streamArgs = ['--set', 'turn.max_stream_clients_per_ip=1000', '--allow-loopback-peers'];

let server;
let certDir;

before(async () => {
  server = await startIceway([...loopbackArgs({ ipv6: true, threads: 2 }), ...turnArgs, ...streamArgs]);
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

const tcpPort = (s, family = 4) => s.udp.find((e) => e.family === family).port;  // one port serves UDP and TCP

async function runUclient(s, flags, { port = tcpPort(s), user, host = '127.0.0.1' }) {
  const args = [...flags, '-u', user, '-W', SECRET, '-p', String(port), host];
  const result = await run('turnutils_uclient', args, { timeoutMs: 90000 });
  const output = result.stdout + result.stderr;
  const totals = [...output.matchAll(/start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].pop();
  return { ...result, output, sent: totals ? Number(totals[1]) : undefined, received: totals ? Number(totals[2]) : undefined };
}

// The bytes iceway relayed for `user`'s TCP allocations that had a peer (a permission), from
// its "allocation ended" lines; uclient also makes a probe allocation per run that it deletes.
function relayedBytes(s, user, since) {
  const lines = [...s.output().slice(since).matchAll(
    new RegExp(`allocation ended: user=${user} client=(?:tcp|tls) \\S+ relayed=\\S+ reason=\\w+ .* permissions=(\\d+) bytes_to_peer=(\\d+) bytes_to_client=(\\d+)`, 'g'))];
  return lines.filter(([, permissions]) => Number(permissions) > 0)
    .map(([, , toPeer, toClient]) => ({ toPeer: Number(toPeer), toClient: Number(toClient) }));
}

test('uclient -T: pairs of TCP relays reach each other both ways, without loss, over two workers', async () => {
  const since = server.output().length;
  const clients = 10;
  const messages = 50;
  const result = await runUclient(server, ['-T', '-m', String(clients), '-n', String(messages), '-l', '120'], { user: 'tcp-relay' });
  assert.equal(result.code, 0, result.output);
  // Each client sends `messages` over its data connections and receives as many.
  assert.equal(result.sent, clients * messages, result.output);
  assert.equal(result.received, result.sent, result.output);
  assert.match(result.output, /Total lost packets 0 \(/);
  // Every client's messages went out through a peer connection and came back through one.
  const relayed = relayedBytes(server, 'tcp-relay', since);
  const total = relayed.reduce((sum, r) => ({ toPeer: sum.toPeer + r.toPeer, toClient: sum.toClient + r.toClient }), { toPeer: 0, toClient: 0 });
  assert.equal(total.toPeer, clients * messages * 120, JSON.stringify(relayed));
  assert.equal(total.toClient, clients * messages * 120, JSON.stringify(relayed));
  // 90 data connections spread by SO_REUSEPORT over two workers: the ConnectionBinds that
  // reached the worker without the peer connection moved to the one with it (the chance that
  // none did is 2^-90).
  assert.match(server.output().slice(since), /data connection moved: client=tcp \S+ from worker \d to worker \d/);
});

test('uclient -T -x: TCP relays over IPv6', async () => {
  const since = server.output().length;
  const result = await runUclient(server, ['-T', '-x', '-m', '4', '-n', '20', '-l', '100'],
    { user: 'tcp-relay-v6', host: '::1', port: tcpPort(server, 6) });
  assert.equal(result.code, 0, result.output);
  assert.equal(result.sent, 4 * 20, result.output);
  assert.equal(result.received, result.sent, result.output);
  assert.match(server.output().slice(since), /allocation created: user=tcp-relay-v6 client=tcp \[::1\]:\d+ relayed=\[::1\]:\d+/);
});

test('uclient -P: plain TCP peers connect to the relays and both directions are relayed', async () => {
  const since = server.output().length;
  const result = await runUclient(server, ['-P', '-m', '4', '-n', '20', '-l', '100'], { user: 'tcp-passive' });
  assert.equal(result.code, 0, result.output);
  // uclient counts what its TURN clients receive but not what its raw peers do: coturn 4.6.1
  // gets exactly half as well. iceway's own account shows both directions whole.
  assert.equal(result.sent, 2 * 2 * 20, result.output);
  assert.equal(result.received, 2 * 20, result.output);
  const relayed = relayedBytes(server, 'tcp-passive', since);
  assert.equal(relayed.length, 2, server.output().slice(since));
  for (const r of relayed) assert.deepEqual(r, { toPeer: 20 * 100, toClient: 20 * 100 });
});

test('uclient -T -S: TCP relays for TLS clients, data connections over TLS too, over four workers', async () => {
  certDir = mkdtempSync(join(tmpdir(), 'iceway-tcp-relay-'));
  const cert = join(certDir, 'cert.pem');
  const key = join(certDir, 'key.pem');
  await makeCertificate(cert, key);
  // A TLS session cannot move between worker threads: a ConnectionBind that reaches another
  // worker than the peer connection's is handed over, and the peer connection comes to it.
  const tlsServer = await startIceway([...loopbackArgs({ ipv6: false, threads: 4 }), ...turnArgs, ...streamArgs,
    '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`, '--tls-listen', '127.0.0.1:0']);
  try {
    const clients = 6;
    const messages = 30;
    const result = await runUclient(tlsServer, ['-T', '-S', '-m', String(clients), '-n', String(messages), '-l', '100'],
      { port: tlsServer.tls[0].port, user: 'tcp-tls' });
    assert.equal(result.code, 0, `${result.output}\n${tlsServer.output()}`);
    assert.equal(result.sent, clients * messages, result.output);
    assert.equal(result.received, result.sent, result.output);
    const relayed = relayedBytes(tlsServer, 'tcp-tls', 0);
    const total = relayed.reduce((sum, r) => ({ toPeer: sum.toPeer + r.toPeer, toClient: sum.toClient + r.toClient }), { toPeer: 0, toClient: 0 });
    assert.deepEqual(total, { toPeer: clients * messages * 100, toClient: clients * messages * 100 }, JSON.stringify(relayed));
    // 54 data connections over four workers: that every one reached its peer connection's
    // worker has a chance of 4^-54.
    assert.match(tlsServer.output(), /peer connection moved: client=tls \S+ from worker \d to worker \d/);
  } finally {
    assert.equal(await stopIceway(tlsServer), 0, tlsServer.output());
  }
});

async function tcpRelayClient() {
  const client = await TurnClient.connect({ host: '127.0.0.1', port: tcpPort(server), transport: 'tcp' });
  const { username, password } = restCredentials(SECRET, 'tcp-policy', nowUnix() + 600);
  client.useCredentials({ username, password });
  const challenge = await client.transact(message(0x0003, [tcpTransport()]));
  assert.equal(challenge.code, 401);
  client.learnChallenge(challenge.parsed);
  const answer = client.describe(await client.request(0x0003, [tcpTransport()]));
  assert.equal(answer.success, true, `Allocate of a TCP relay: error ${answer.code}`);
  return { client, relayed: answer.relayed };
}

const connect = (client, peer) => {
  const id = randomBytes(12);
  return client.transact(client.signed(CONNECT, [[Attr.XOR_PEER_ADDRESS, xorAddressValue(peer, id)]], id));
};

test('Connect follows the peer policy (403), and a refused connection is 447', async () => {
  const { client } = await tcpRelayClient();
  try {
    const denied = client.describe(await connect(client, { address: '10.0.0.1', port: 80 }));
    assert.equal(denied.code, 403, 'a private address is denied by default');
    assert.ok(denied.integrity);
    // Nothing listens there: the kernel refuses at once, and the Connect gets 447.
    const closed = await freeUdpPort(['127.0.0.1']);  // free for UDP; nothing here listens on TCP either
    const refused = client.describe(await connect(client, { address: '127.0.0.1', port: closed }));
    assert.equal(refused.code, 447);
    assert.ok(refused.integrity);
  } finally {
    client.close();
  }
});

test('a peer without a permission is not let in: its connection to the relay is closed', async () => {
  const { client, relayed } = await tcpRelayClient();
  try {
    const peer = net.connect({ host: relayed.address, port: relayed.port });
    const ended = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve('still open after 5 s'), 5000);
      peer.on('error', () => {});
      peer.on('close', () => { clearTimeout(timer); resolve('closed'); });
    });
    assert.equal(ended, 'closed');
  } finally {
    client.close();
  }
});

// iceway's resident memory, from the kernel's account of the process.
const rssBytes = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/)[1]) * 1024;

// Writes 64 KiB chunks to `socket` until it stalls (no 'drain' for `stallMs`), `limit` bytes are
// written or `deadlineMs` passes. Resolves with the bytes written and whether it stalled.
async function writeUntilStalled(socket, { limit, stallMs = 2000, deadlineMs = 60000 }) {
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const deadline = Date.now() + deadlineMs;
  let written = 0;
  while (written < limit && Date.now() < deadline) {
    written += chunk.length;
    if (socket.write(chunk)) continue;
    const drained = await Promise.race([
      once(socket, 'drain').then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), stallMs)),
    ]);
    if (!drained) return { written, stalled: true };
  }
  return { written, stalled: false };
}

test('a data connection whose client does not read holds its peer still: the server queues nothing', async () => {
  const { client } = await tcpRelayClient();
  const listener = net.createServer();
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = once(listener, 'connection');
  let data;
  let peer;
  try {
    // Connect to a peer that listens here; its CONNECTION-ID is then bound on a new connection.
    const connected = client.describe(await connect(client, { address: '127.0.0.1', port: listener.address().port }));
    assert.equal(connected.success, true, `Connect: error ${connected.code}`);
    [peer] = await accepted;
    peer.on('error', () => {});
    const connectionId = connected.parsed.attributes.get(CONNECTION_ID);
    assert.ok(connectionId, 'the Connect answer carries CONNECTION-ID');
    data = net.connect({ host: '127.0.0.1', port: tcpPort(server) });
    data.on('error', () => {});
    await once(data, 'connect');
    data.write(client.signed(CONNECTION_BIND, [[CONNECTION_ID, connectionId]]));
    // The ConnectionBind's answer, then not one byte more is read from this connection.
    let answer = Buffer.alloc(0);
    while (answer.length < 20 || answer.length < 20 + answer.readUInt16BE(2)) {
      const [chunk] = await once(data, 'data');
      answer = Buffer.concat([answer, chunk]);
    }
    data.pause();
    data.removeAllListeners('data');
    assert.equal(answer.readUInt16BE(0), 0x010b, 'ConnectionBind success');
    assert.equal(answer.length, 20 + answer.readUInt16BE(2), 'nothing relayed yet');

    const before = rssBytes(server.child.pid);
    // Without backpressure the server would read all 256 MiB from the peer and queue it for the
    // client; with it, the peer stalls once the kernel's socket buffers on the way are full
    // (on loopback a few MiB each: four of them between the peer and the client).
    const result = await writeUntilStalled(peer, { limit: 256 * 1024 * 1024 });
    assert.equal(result.stalled, true, `the peer wrote ${result.written} bytes without stalling`);
    assert.ok(result.written < 64 * 1024 * 1024, `the peer wrote ${result.written} bytes before stalling`);
    const grown = rssBytes(server.child.pid) - before;
    assert.ok(grown < 16 * 1024 * 1024, `iceway's resident memory grew by ${grown} bytes`);
  } finally {
    data?.destroy();
    peer?.destroy();
    listener.close();
    client.close();
  }
});
