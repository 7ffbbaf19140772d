// Operations helpers for the ops_* integration tests: reading the admin listener (/metrics
// parsed into families, /healthz, /readyz), WebSocket clients for the four signaling front
// doors, and one traffic generator that moves every metric of SPEC §7 on a live server.
import dgram from 'node:dgram';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { bindingRequest, parse, xorMappedAddress } from './stun.mjs';
import { TurnClient, restCredentials, nowUnix, uclient } from './turn.mjs';

// --- the admin listener -----------------------------------------------------------------------

export const adminUrl = (server, path) => `http://${server.admin.host}:${server.admin.port}${path}`;

export async function adminGet(server, path) {
  const response = await fetch(adminUrl(server, path));
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

// The Prometheus text format (0.0.4) as Map name -> { type, help, samples: [{ labels, value }] }.
// Only what iceway writes needs to parse: no timestamps, label values without escapes.
export function parseExposition(text) {
  const families = new Map();
  const family = (name) => {
    if (!families.has(name)) families.set(name, { name, type: undefined, help: undefined, samples: [] });
    return families.get(name);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const comment = line.match(/^# (HELP|TYPE) (\S+) ?(.*)$/);
    if (comment) {
      if (comment[1] === 'HELP') family(comment[2]).help = comment[3];
      else family(comment[2]).type = comment[3];
      continue;
    }
    const sample = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/);
    if (!sample) throw new Error(`unparseable exposition line: ${line}`);
    const labels = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) labels[name] = value;
    family(sample[1]).samples.push({ labels, value: Number(sample[3]) });
  }
  return families;
}

export async function scrape(server) {
  const answer = await adminGet(server, '/metrics');
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}: ${answer.body}`);
  return { text: answer.body, type: answer.type, families: parseExposition(answer.body) };
}

// The sum of a family's samples whose labels include `match`.
export function total(families, name, match = {}) {
  const family = families.get(name);
  if (!family) return undefined;
  return family.samples
    .filter((s) => Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

// What became of relayed datagrams, from a scrape's families: relayed each way, dropped by
// reason, refused by the kernel on send, lost at full receive buffers. The soak and the fault
// tests reconcile these against what their clients sent and received.
export function relayCounters(families) {
  return {
    clientToPeer: total(families, 'iceway_turn_relay_packets_total', { direction: 'client_to_peer' }),
    peerToClient: total(families, 'iceway_turn_relay_packets_total', { direction: 'peer_to_client' }),
    dropped: Object.fromEntries((families.get('iceway_turn_relay_dropped_packets_total')?.samples ?? [])
      .map((s) => [s.labels.reason, s.value])),
    refused: total(families, 'iceway_turn_udp_send_dropped_total'),
    overflowed: total(families, 'iceway_turn_udp_receive_dropped_total'),
  };
}

// Runs `promtool ARGS` with `input` on stdin; resolves { code, output }.
export function promtool(args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output }); });
    child.stdin.end(input);
  });
}

// Polls `condition` (async, truthy = done) every 100 ms until `timeoutMs`.
export async function until(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// --- signaling ----------------------------------------------------------------------------------

// A WebSocket client whose text frames arrive parsed in an inbox: next(predicate) waits for the
// first matching one (earlier non-matching frames stay queued for later calls).
export class WsClient {
  static async open(url, options = {}) {
    const client = new WsClient(new WebSocket(url, options));
    await new Promise((resolve, reject) => {
      client.socket.once('open', resolve);
      client.socket.once('error', reject);
      client.socket.once('unexpected-response', (_, response) => reject(new Error(`${url}: HTTP ${response.statusCode}`)));
    });
    return client;
  }

  constructor(socket) {
    this.socket = socket;
    this.frames = [];
    this.waiters = [];
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => {});
    socket.on('message', (data) => {
      let frame;
      try { frame = JSON.parse(data.toString()); } catch { frame = { raw: data.toString() }; }
      this.frames.push(frame);
      this.deliver();
    });
  }

  deliver() {
    for (const waiter of [...this.waiters]) {
      const index = this.frames.findIndex(waiter.predicate);
      if (index < 0) continue;
      const [frame] = this.frames.splice(index, 1);
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
    }
  }

  next(predicate = () => true, ms = 5000) {
    const match = typeof predicate === 'string' ? (f) => f.type === predicate : predicate;
    return new Promise((resolve, reject) => {
      const waiter = { predicate: match, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no matching frame in ${ms} ms; queued: ${JSON.stringify(this.frames)}`));
      }, ms);
      this.waiters.push(waiter);
      this.deliver();
    });
  }

  send(object) { this.socket.send(typeof object === 'string' ? object : JSON.stringify(object)); }

  close() { if (this.socket.readyState <= WebSocket.OPEN) this.socket.close(); }
}

export const wsUrl = (server, path) => `ws://${server.signal.host}:${server.signal.port}${path}`;

// --- traffic --------------------------------------------------------------------------------------

// A UDP socket the test owns, bound on `address` (127.0.0.2 is loopback too on Linux: a
// source the allocations hold no permission for).
export async function udpSocket(address = '127.0.0.1') {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, address, resolve));
  const inbox = [];
  const waiters = [];
  socket.on('message', (data, from) => {
    const waiter = waiters.shift();
    if (waiter) waiter({ data, from }); else inbox.push({ data, from });
  });
  socket.next = (ms = 3000) => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no datagram on ${socket.address().port} in ${ms} ms`)), ms);
    waiters.push((item) => { clearTimeout(timer); resolve(item); });
  }));
  socket.endpoint = () => ({ address, port: socket.address().port });
  return socket;
}

// One STUN Binding over UDP; resolves with the XOR-MAPPED-ADDRESS.
export async function stunBinding(host, port) {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  try {
    const request = bindingRequest();
    const answer = new Promise((resolve) => socket.once('message', resolve));
    for (let attempt = 0; attempt < 5; ++attempt) {
      socket.send(request, port, host);
      const raw = await Promise.race([answer, new Promise((resolve) => setTimeout(resolve, 500))]);
      if (raw) return xorMappedAddress(parse(raw));
    }
    throw new Error('no Binding answer');
  } finally {
    socket.close();
  }
}

// Flags for a server that the traffic below can drive through every metric: a secret, loopback
// peers (the echo peer is on 127.0.0.1) but 192.0.2.0/24 denied by configuration, a per-user
// quota of 2 that the "quota" user exceeds, and a bandwidth cap whose 64 KiB burst ordinary
// traffic never reaches but the "hog" allocation's burst does.
export const OPS_SECRET = 'ops-integration-secret';
export const opsTurnArgs = [
  '--set', `auth.secrets=["${OPS_SECRET}"]`, '--allow-loopback-peers',
  '--set', 'peers.deny=["192.0.2.0/24"]',
  '--set', 'turn.max_allocations_per_user=2', '--set', 'turn.max_allocations_per_ip=1000',
  '--set', 'turn.bandwidth_per_allocation=2000',
];

const credentials = (user, ttl = 600, secret = OPS_SECRET) => restCredentials(secret, user, nowUnix() + ttl);

// Drives every SPEC §7 metric on `server` (started with opsTurnArgs) against the echo `peer`
// (startPeer), and leaves live state behind so the gauges read > 0: one UDP allocation with a
// permission and a channel, four signaling connections (one per protocol) and a room. Returns
// { live, close() } and what it observed, so a test can compare the counters with it.
export async function generateTraffic(server, peer) {
  const host = '127.0.0.1';
  const port = server.udp.find((e) => e.family === 4).port;
  const peerEndpoint = { address: host, port: peer.port };
  const closers = [];
  const seen = {};

  // STUN Binding.
  seen.mapped = await stunBinding(host, port);

  // TURN: a live allocation with a permission and a channel, relaying both ways through the
  // echo peer by Send indication and by ChannelData.
  const live = await TurnClient.connect({ host, port });
  closers.push(() => live.close());
  const allocated = await live.allocate(credentials('ops-live'));
  if (!allocated.success) throw new Error(`live allocation failed: ${allocated.code}`);
  seen.relayed = allocated.relayed;
  if (!(await live.createPermission(peerEndpoint)).success) throw new Error('CreatePermission to the echo peer failed');
  live.sendIndication(peerEndpoint, 'hello through a Send indication');
  await live.nextData();
  // To port 0 of the permitted peer: the relay passes it on and the kernel refuses it (EINVAL),
  // which iceway_turn_udp_send_dropped_total counts.
  live.sendIndication({ address: host, port: 0 }, 'to port 0');
  if (!(await live.channelBind(0x4000, peerEndpoint)).success) throw new Error('ChannelBind to the echo peer failed');
  live.channelData(0x4000, Buffer.from('hello through a channel'));
  await live.nextData();
  if (!(await live.refresh(600)).success) throw new Error('Refresh failed');

  // A datagram to the relayed address from an address without a permission: dropped.
  const stranger = await udpSocket('127.0.0.2');
  stranger.send('no permission for me', allocated.relayed.port, allocated.relayed.address);
  closers.push(() => stranger.close());

  // Peer policy: a documentation address denied by configuration, a private one by default.
  seen.deniedConfig = (await live.createPermission({ address: '192.0.2.1' })).code;
  seen.deniedDefault = (await live.createPermission({ address: '10.1.2.3' })).code;

  // Auth failures: a wrong secret, an expired username. Each also counts an Allocate error.
  for (const [user, secret, ttl] of [['ops-wrong', 'not-the-secret', 600], ['ops-expired', OPS_SECRET, -60]]) {
    const client = await TurnClient.connect({ host, port });
    const answer = await client.allocate(credentials(user, ttl, secret));
    client.close();
    seen[user] = answer.code;
  }

  // Quota: the third allocation of one user is 486.
  const quota = [];
  for (let i = 0; i < 3; ++i) {
    const client = await TurnClient.connect({ host, port });
    quota.push(client);
    closers.push(() => client.close());
    const answer = await client.allocate(credentials('ops-quota'));
    seen.quota = answer.code;
  }
  for (const client of quota.slice(0, 2)) await client.refresh(0);  // end them: the limit gauge stays honest

  // TURN over TCP: one connection that stays open (answered a Binding), and one that sends
  // bytes that are neither STUN nor ChannelData, which the server closes (invalid_frame).
  const stream = await TurnClient.connect({ host, port, transport: 'tcp' });
  closers.push(() => stream.close());
  if (!(await stream.transact(bindingRequest())).success) throw new Error('Binding over TCP failed');
  const garbage = await TurnClient.connect({ host, port, transport: 'tcp' });
  garbage.sendBytes(Buffer.from([0xc0, 0, 0, 0]));
  await until(() => garbage.closed, 5000, 'the server to close a TCP connection that sent garbage');

  // Bandwidth: 120 KiB in one burst through one allocation, past the 64 KiB burst of the cap.
  const hog = await TurnClient.connect({ host, port });
  closers.push(() => hog.close());
  const hogAllocation = await hog.allocate(credentials('ops-hog'));
  const sink = await udpSocket('127.0.0.1');
  closers.push(() => sink.close());
  await hog.createPermission(sink.endpoint());
  const chunk = Buffer.alloc(1200, 7);
  for (let i = 0; i < 100; ++i) hog.sendIndication(sink.endpoint(), chunk);
  seen.hogRelayed = hogAllocation.relayed;
  await sink.next();
  await hog.refresh(0);

  // coturn's client through the server: channels, 20 messages.
  const result = await uclient({ host, port, user: 'ops-uclient', secret: OPS_SECRET, messages: 20, peer: peerEndpoint });
  seen.uclient = result;

  // Signaling: native protocol, two peers in a room, a signal, a broadcast, a ping, and errors.
  const alice = await WsClient.open(wsUrl(server, '/ws?id=ops-alice'));
  const bob = await WsClient.open(wsUrl(server, '/ws?id=ops-bob'));
  closers.push(() => alice.close(), () => bob.close());
  seen.welcome = await alice.next('welcome');
  await bob.next('welcome');
  alice.send({ type: 'join', room: 'ops-room', ref: 1 });
  await alice.next('joined');
  bob.send({ type: 'join', room: 'ops-room', ref: 1 });
  await bob.next('joined');
  alice.send({ type: 'signal', to: 'ops-bob', data: { type: 'offer', sdp: 'v=0' } });
  await bob.next('signal');
  bob.send({ type: 'broadcast', room: 'ops-room', data: 'hi all' });
  await alice.next('broadcast');
  alice.send({ type: 'ping' });
  await alice.next('pong');
  alice.send({ type: 'signal', to: 'ops-nobody', data: 'x', ref: 2 });
  seen.unavailable = await alice.next('error');
  alice.send('this is not JSON');
  seen.badRequest = await alice.next('error');
  alice.send({ type: 'leave', room: 'not-a-member', ref: 3 });
  seen.notInRoom = await alice.next('error');

  // The other three front doors, one connection and a message each.
  const yjs = await WsClient.open(wsUrl(server, '/yjs'));
  closers.push(() => yjs.close());
  yjs.send({ type: 'subscribe', topics: ['ops-topic'] });
  yjs.send({ type: 'ping' });
  await yjs.next('pong');
  const relay = await WsClient.open(wsUrl(server, '/relay?name=ops-carol'));
  closers.push(() => relay.close());
  relay.send({ to: 'ops-nobody', text: 'anyone?' });
  seen.relayAnswer = await relay.next();
  const peerjs = await WsClient.open(wsUrl(server, '/peerjs/peerjs?key=peerjs&id=ops-dave&token=t1'));
  closers.push(() => peerjs.close());
  await peerjs.next('OPEN');
  peerjs.send({ type: 'HEARTBEAT' });

  return {
    seen,
    live,
    alice,
    bob,
    async close() { for (const close of closers.reverse()) { try { await close(); } catch { /* already closed */ } } },
  };
}
