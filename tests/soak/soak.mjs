// The soak (issue 10): one real iceway on loopback under steady churn for --minutes, sampled
// into a CSV and a PNG, then judged by criteria.mjs.
//
//   node tests/soak/soak.mjs --minutes 60 --out build/soak      (make soak)
//   node tests/soak/soak.mjs --minutes 3 --out build/test-output/soak  (ctest soak.short, in make test)
//
// First a burst of allocations fills iceway's bounded caches (fillCaches), so that what grows
// after warm-up is not their fill. Then the churn, every loop bounded by the load deadline and
// every wait by a timeout:
// - TURN lanes over UDP, TCP and TLS: Allocate, CreatePermission, ChannelBind, windows of
//   ChannelData and Send indications echoed back by a peer, Refresh, then an end that rotates
//   between Refresh 0, closing the connection and (UDP) leaving the allocation to expire;
// - a keeper: one UDP allocation for the whole run that refreshes itself, its permission and
//   channel, binds a channel to a second peer that it lets expire and binds again, and receives
//   datagrams from a stranger no permission lets through (dropped, with a reason);
// - a lane per signaling front door (/ws native rooms, /peerjs, /relay, /yjs): join, messages,
//   disconnects (clean closes and abrupt ones, alternately) and reconnects with the same ids;
// - a SIGHUP every --sighup-seconds with the config rewritten (the secrets' order rotated), each
//   waited for until iceway logs that it applied it.
// Traffic is paced: a window waits for its echoes before the next is sent, so no socket buffer
// on loopback can overflow and every packet is accounted for exactly.
//
// Each --sample-seconds it writes RSS, open fds and CPU (from /proc) and the live allocations,
// permissions, channels, connections and rooms (from the admin /metrics) to soak.csv. After
// the load it waits (bounded) for the allocations to expire and the fds to come back, writes
// soak.png (gnuplot), summary.txt and iceway.log, and exits 1 unless every criterion holds.
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { startIceway, stopIceway, makeCertificate, waitForOutput, run } from '../integration/lib/iceway.mjs';
import { TurnClient, restCredentials, nowUnix } from '../integration/lib/turn.mjs';
import { scrape, total, until, WsClient, wsUrl, relayCounters } from '../integration/lib/ops.mjs';
import { COLUMNS, toCsvRow, judgeRss, judgeFds, judgeRelay, judgeSignal } from './criteria.mjs';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: process.env.SOAK_MINUTES ?? '60' },
    out: { type: 'string', default: 'build/soak' },
    'sample-seconds': { type: 'string' },
    'sighup-seconds': { type: 'string' },
    'warmup-seconds': { type: 'string' },
  },
});
const minutes = Number(args.minutes);
if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, not ${args.minutes}`);
const short = minutes <= 10;
// The short run samples every 10 s and reloads every 45 s so three minutes hold enough of both;
// the hour samples each minute and reloads every 4 minutes.
const SAMPLE_MS = 1000 * Number(args['sample-seconds'] ?? (short ? 10 : 60));
const SIGHUP_MS = 1000 * Number(args['sighup-seconds'] ?? (short ? 45 : 240));
const WARMUP_MS = 1000 * Number(args['warmup-seconds'] ?? Math.min(300, Math.max(40, minutes * 12)));
const LOAD_MS = minutes * 60000;
const OUT = resolve(args.out);

// Lifetimes short enough that allocations, permissions and channels expire many times within
// even the 3-minute run; the cool-down waits for the last of them.
const LIFETIME_S = 20;
const PERMISSION_S = 30;
const CHANNEL_S = 30;
const NONCE_S = 60;         // stale nonces (438, then a retry) happen in every run, not only the hour
const REQUEST_MS = 15000;   // one request's answer, generous for a loaded 2-core machine
const DATA_MS = 15000;      // one echoed packet
const WINDOW = 8;           // ChannelData and Send indications per window, each way
const PACE_MS = 250;        // between two iterations of a lane: steady churn, not a stress test
const MAX_LANE_ERRORS = 5;  // a lane that keeps failing stops (the run fails anyway)
const SECRETS = ['soak-secret-one', 'soak-secret-two'];

const startedAt = Date.now();
const elapsed = () => (Date.now() - startedAt) / 1000;
const log = (text) => console.log(`[${elapsed().toFixed(1).padStart(7)} s] ${text}`);
let loadEndsAt = Infinity;
const loading = () => Date.now() < loadEndsAt;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A pause that ends early when the load does.
const pause = (ms) => sleep(Math.max(0, Math.min(ms, loadEndsAt - Date.now())));

// --- what the soak itself counts ----------------------------------------------------------------

const tally = {
  client: 0, clientReceived: 0, stranger: 0,
  frames: { native: 0, peerjs: 0, relay: 0, yjs: 0 },
  allocations: { udp: 0, tcp: 0, tls: 0, keeper: 0 },
  ends: { deleted: 0, closed: 0, expired: 0 },
  signaling: { native: 0, peerjs: 0, relay: 0, yjs: 0 },
  reloads: 0,
  errors: [],
};

function laneError(lane, error) {
  tally.errors.push({ lane, at: elapsed(), message: String(error?.message ?? error) });
  log(`${lane}: ${error?.message ?? error}`);
}

// Runs `iteration(i)` until the load ends; an error is recorded and the lane goes on (a real
// leak or loss must show in the verdict, not stop the measuring), up to MAX_LANE_ERRORS.
async function lane(name, iteration) {
  let errors = 0;
  for (let i = 0; loading(); ++i) {
    try {
      await iteration(i);
    } catch (error) {
      laneError(name, error);
      if (++errors >= MAX_LANE_ERRORS) { log(`${name}: stopping after ${errors} errors`); return; }
      await pause(1000);
    }
    await pause(PACE_MS);
  }
}

// --- peers ----------------------------------------------------------------------------------------

// A UDP echo peer on `address` that counts what it receives and sends back.
async function echoPeer(address) {
  const socket = dgram.createSocket('udp4');
  await new Promise((done, fail) => { socket.once('error', fail); socket.bind(0, address, done); });
  const peer = { socket, received: 0, sent: 0, sendErrors: 0, endpoint: { address, port: socket.address().port } };
  socket.on('message', (data, from) => {
    peer.received += 1;
    socket.send(data, from.port, from.address, (error) => { if (error) peer.sendErrors += 1; else peer.sent += 1; });
  });
  return peer;
}

// --- TURN ---------------------------------------------------------------------------------------

const credentials = (user) => restCredentials(SECRETS[0], user, nowUnix() + 3600);

async function check(answerPromise, what) {
  const answer = await answerPromise;
  if (!answer.success) throw new Error(`${what} answered ${answer.code}`);
  return answer;
}

// WINDOW ChannelData and WINDOW Send indications to `peer`, then every echo back.
async function relayWindow(client, channel, peer) {
  for (let k = 0; k < WINDOW; ++k) {
    client.channelData(channel, Buffer.from(`soak channel ${k}`));
    client.sendIndication(peer.endpoint, `soak send ${k}`);
  }
  tally.client += 2 * WINDOW;
  for (let k = 0; k < 2 * WINDOW; ++k) {
    await client.nextData(DATA_MS);
    tally.clientReceived += 1;
  }
}

function turnLane(transport, endpoint, peer) {
  const expiring = [];  // { until, port }: the UDP allocations this lane left to expire
  const connect = () => TurnClient.connect({ host: endpoint.host, port: endpoint.port, transport, requestMs: REQUEST_MS });
  return lane(`turn-${transport}`, async (i) => {
    let client = await connect();
    // The kernel may hand out the port of an allocation still waiting to expire; an Allocate
    // from that 5-tuple is rightly 437 (RFC 8656 §7.2 step 2), so take another port.
    while (expiring.some((e) => e.port === client.local.port)) {
      client.close();
      client = await connect();
    }
    try {
      await check(client.allocate({ ...credentials(`soak-${transport}`), lifetime: LIFETIME_S }), 'Allocate');
      tally.allocations[transport] += 1;
      await check(client.createPermission(peer.endpoint), 'CreatePermission');
      const channel = 0x4000 + (i % 0x1000);
      await check(client.channelBind(channel, peer.endpoint), 'ChannelBind');
      for (let w = 0; w < 3; ++w) await relayWindow(client, channel, peer);
      await check(client.refresh(LIFETIME_S), 'Refresh');
      await relayWindow(client, channel, peer);
      // How it ends rotates. At most 4 expiring allocations per lane, so the number alive
      // stays bounded whatever the machine's speed.
      const now = Date.now();
      while (expiring.length && expiring[0].until < now) expiring.shift();
      const mode = i % 3;
      if (mode === 0 || (transport === 'udp' && expiring.length >= 4)) {
        await check(client.refresh(0), 'Refresh 0');
        tally.ends.deleted += 1;
      } else if (transport === 'udp') {
        expiring.push({ until: now + (LIFETIME_S + 5) * 1000, port: client.local.port });
        tally.ends.expired += 1;
      } else {
        tally.ends.closed += 1;  // iceway ends a TCP/TLS allocation with its connection
      }
    } finally {
      client.close();
    }
  });
}

// iceway keeps bounded caches that fill with use, most of all the retransmit cache: a ring of
// 4096 authenticated answers per worker whose slots keep their buffers and grow them to the
// largest answer they held (turn/retransmit_cache.hpp). At the lanes' pace it takes minutes to
// fill, which looks exactly like a leak after warm-up. A burst first fills every slot with the
// largest answer the lanes get, an Allocate success: allocations over TCP, each ended by
// closing its connection, so no smaller answer (a Refresh 0) lands in between. Each connection
// needs a 401 challenge first; the burst comes from 16 loopback addresses (127.0.1.1-16), and
// the config raises the byte budget for unauthenticated answers per source (8 KiB/s by default,
// about 80 challenges a second) to what a trusted load from a few addresses needs: the limiter
// stays on the path, it just does not refuse this test's own clients.
async function fillCaches(endpoint, { parallel = 16, allocations = 12000 } = {}) {
  await Promise.all(Array.from({ length: parallel }, async (_, lane) => {
    for (let n = 0; n < allocations / parallel; ++n) {
      const client = await TurnClient.connect({ host: endpoint.host, port: endpoint.port, transport: 'tcp',
        localAddress: `127.0.1.${lane + 1}`, requestMs: REQUEST_MS });
      try {
        await check(client.allocate({ ...credentials(`soak-warmup-${lane}`), lifetime: LIFETIME_S }), 'warm-up Allocate');
      } finally {
        client.close();
      }
    }
  }));
}

// One allocation for the whole run (see the header).
async function keeper(endpoint, peer, farPeer) {
  const stranger = dgram.createSocket('udp4');
  await new Promise((done) => stranger.bind(0, '127.0.0.2', done));
  const client = await TurnClient.connect({ host: endpoint.host, port: endpoint.port, requestMs: REQUEST_MS });
  try {
    const allocation = await check(client.allocate({ ...credentials('soak-keeper'), lifetime: LIFETIME_S }), 'keeper Allocate');
    tally.allocations.keeper += 1;
    let farBoundAt = -Infinity;
    await lane('keeper', async () => {
      await check(client.refresh(LIFETIME_S), 'keeper Refresh');
      await check(client.createPermission(peer.endpoint), 'keeper CreatePermission');
      await check(client.channelBind(0x4000, peer.endpoint), 'keeper ChannelBind');
      await relayWindow(client, 0x4000, peer);
      // The far peer's channel (and its permission) is bound, used once, then left to expire
      // and bound again once it has.
      if (Date.now() - farBoundAt > (Math.max(CHANNEL_S, PERMISSION_S) + 5) * 1000) {
        await check(client.channelBind(0x4001, farPeer.endpoint), 'keeper ChannelBind to the far peer');
        farBoundAt = Date.now();
        await relayWindow(client, 0x4001, farPeer);
      }
      for (let k = 0; k < 2; ++k) stranger.send(`no permission ${k}`, allocation.relayed.port, allocation.relayed.address);
      tally.stranger += 2;
      await pause(4000);
    });
    await check(client.refresh(0), 'keeper Refresh 0');
    tally.ends.deleted += 1;
  } catch (error) {
    laneError('keeper', error);
  } finally {
    client.close();
    stranger.close();
  }
}

// --- signaling ------------------------------------------------------------------------------------

const MESSAGE_MS = 15000;

function counted(protocol, client) {
  return { client, send(message) { tally.frames[protocol] += 1; client.send(message); } };
}

// Opens a client and adds it to `clients` (which the iteration disconnects whatever happens),
// then waits for the protocol's greeting if it has one.
async function open(server, protocol, path, clients, first) {
  const client = await WsClient.open(wsUrl(server, path));
  const wrapped = counted(protocol, client);
  clients.push(wrapped);
  if (first) wrapped.greeting = await client.next(first, MESSAGE_MS);
  return wrapped;
}

async function activeConnections(server, protocol) {
  return total((await scrape(server)).families, 'iceway_signal_connections_active', { protocol });
}

// Ends the iteration's clients: a clean close on even iterations, an abrupt one (no close
// frame: what a phone losing its network looks like) on odd ones; then waits until iceway has
// noticed, so the next iteration's reconnect with the same ids is not refused as a duplicate.
async function disconnect(server, protocol, clients, i, expected = 0) {
  for (const { client } of clients) {
    if (i % 2) client.socket.terminate(); else client.close();
  }
  await Promise.all(clients.map(({ client }) => client.closed));
  await until(async () => (await activeConnections(server, protocol)) === expected, 15000, `${protocol} connections to reach ${expected}`);
}

function nativeLane(server) {
  return lane('native', async (i) => {
    const clients = [];
    try {
      const alice = await open(server, 'native', '/ws?id=soak-alice', clients, 'welcome');
      const bob = await open(server, 'native', '/ws?id=soak-bob', clients, 'welcome');
      if (alice.greeting.id !== 'soak-alice') throw new Error(`welcome for ${JSON.stringify(alice.greeting)}`);
      alice.send({ type: 'join', room: 'soak-room', ref: i });
      await alice.client.next('joined', MESSAGE_MS);
      bob.send({ type: 'join', room: 'soak-room', ref: i });
      await bob.client.next('joined', MESSAGE_MS);
      await alice.client.next('peer-joined', MESSAGE_MS);
      alice.send({ type: 'signal', to: 'soak-bob', data: { type: 'offer', sdp: `v=0 ${i}` } });
      await bob.client.next('signal', MESSAGE_MS);
      bob.send({ type: 'signal', to: 'soak-alice', data: { type: 'answer', sdp: `v=0 ${i}` } });
      await alice.client.next('signal', MESSAGE_MS);
      bob.send({ type: 'broadcast', room: 'soak-room', data: `hello ${i}` });
      await alice.client.next('broadcast', MESSAGE_MS);
      alice.send({ type: 'ping' });
      await alice.client.next('pong', MESSAGE_MS);
      if (i % 3 === 0) {
        bob.send({ type: 'leave', room: 'soak-room', ref: i });
        await bob.client.next('left', MESSAGE_MS);
        await alice.client.next('peer-left', MESSAGE_MS);
      }
      tally.signaling.native += 1;
    } finally {
      await disconnect(server, 'native', clients, i);
    }
  });
}

// PeerJS: OFFER/ANSWER/CANDIDATE between two clients, HEARTBEATs, then bob disconnects, alice
// sends him an OFFER that waits in the queue, and bob reconnects with the same id and token
// and receives it. Every fifth time bob stays away long enough for alice to get EXPIRE.
function peerjsLane(server) {
  const path = (id) => `/peerjs/peerjs?key=peerjs&id=${id}&token=soak-${id}`;
  return lane('peerjs', async (i) => {
    const clients = [];
    try {
      const alice = await open(server, 'peerjs', path('soak-pa'), clients, 'OPEN');
      let bob = await open(server, 'peerjs', path('soak-pb'), clients, 'OPEN');
      alice.send({ type: 'OFFER', dst: 'soak-pb', payload: { sdp: { type: 'offer', sdp: `v=0 ${i}` }, connectionId: `c${i}` } });
      await bob.client.next((m) => m.type === 'OFFER' && m.src === 'soak-pa', MESSAGE_MS);
      bob.send({ type: 'ANSWER', dst: 'soak-pa', payload: { sdp: { type: 'answer', sdp: `v=0 ${i}` }, connectionId: `c${i}` } });
      await alice.client.next('ANSWER', MESSAGE_MS);
      alice.send({ type: 'CANDIDATE', dst: 'soak-pb', payload: { candidate: { candidate: 'candidate:1' }, connectionId: `c${i}` } });
      await bob.client.next('CANDIDATE', MESSAGE_MS);
      alice.send({ type: 'HEARTBEAT' });
      bob.send({ type: 'HEARTBEAT' });
      await disconnect(server, 'peerjs', [bob], i, 1);
      alice.send({ type: 'OFFER', dst: 'soak-pb', payload: { sdp: { type: 'offer', sdp: `again ${i}` }, connectionId: `d${i}` } });
      if (i % 5 === 4) {
        // Nobody claims the queue within expire_timeout (5 s).
        await alice.client.next((m) => m.type === 'EXPIRE' && m.src === 'soak-pb', MESSAGE_MS);
        bob = await open(server, 'peerjs', path('soak-pb'), clients, 'OPEN');
      } else {
        // The OFFER is counted before bob reconnects, so it is queued, not sent to the old socket.
        await until(async () => total((await scrape(server)).families, 'iceway_signal_messages_total', { protocol: 'peerjs' }) >= tally.frames.peerjs,
          15000, 'the queued OFFER to be counted');
        bob = await open(server, 'peerjs', path('soak-pb'), clients, 'OPEN');
        await bob.client.next((m) => m.type === 'OFFER' && m.payload?.connectionId === `d${i}`, MESSAGE_MS);
      }
      tally.signaling.peerjs += 1;
    } finally {
      await disconnect(server, 'peerjs', clients, i);
    }
  });
}

function relayLane(server) {
  return lane('relay', async (i) => {
    const clients = [];
    try {
      const alice = await open(server, 'relay', '/relay?name=soak-ra', clients);
      const bob = await open(server, 'relay', '/relay?name=soak-rb', clients);
      // /relay has no greeting: a ping answered proves each one is registered.
      alice.send({ type: 'ping' });
      await alice.client.next('pong', MESSAGE_MS);
      bob.send({ type: 'ping' });
      await bob.client.next('pong', MESSAGE_MS);
      alice.send({ type: 'offer', toUser: 'soak-rb', offer: { type: 'offer', sdp: `v=0 ${i}` } });
      await bob.client.next((m) => m.type === 'offer' && m.from === 'soak-ra', MESSAGE_MS);
      bob.send({ type: 'answer', to: 'soak-ra', answer: { type: 'answer', sdp: `v=0 ${i}` } });
      await alice.client.next((m) => m.type === 'answer' && m.from === 'soak-rb', MESSAGE_MS);
      alice.send({ type: 'candidate', target: 'soak-nobody', candidate: 'candidate:1' });
      await alice.client.next((m) => m.code === 'peer-unavailable', MESSAGE_MS);
      tally.signaling.relay += 1;
    } finally {
      await disconnect(server, 'relay', clients, i);
    }
  });
}

function yjsLane(server) {
  return lane('yjs', async (i) => {
    const clients = [];
    try {
      const a = await open(server, 'yjs', '/yjs', clients);
      const b = await open(server, 'yjs', '/yjs', clients);
      for (const client of [a, b]) {
        client.send({ type: 'subscribe', topics: ['soak-doc'] });
        client.send({ type: 'ping' });
        await client.client.next('pong', MESSAGE_MS);
      }
      a.send({ type: 'publish', topic: 'soak-doc', from: 'a', data: `update ${i}` });
      for (const client of [a, b]) await client.client.next((m) => m.type === 'publish' && m.data === `update ${i}`, MESSAGE_MS);
      b.send({ type: 'unsubscribe', topics: ['soak-doc'] });
      b.send({ type: 'ping' });
      await b.client.next('pong', MESSAGE_MS);
      tally.signaling.yjs += 1;
    } finally {
      await disconnect(server, 'yjs', clients, i);
    }
  });
}

// --- SIGHUP -----------------------------------------------------------------------------------

function writeConfig(path, { secrets, cert, key }) {
  writeFileSync(path, `# Written by tests/soak/soak.mjs; rewritten before each SIGHUP.
[server]
drain_timeout = "0s"

[turn]
default_lifetime = "${LIFETIME_S}s"
permission_lifetime = "${PERMISSION_S}s"
channel_lifetime = "${CHANNEL_S}s"
max_allocations_per_user = 100
max_allocations_per_ip = 500
unauthenticated_bytes_per_second = "1MiB"
unauthenticated_burst_bytes = "2MiB"

[auth]
secrets = ${JSON.stringify(secrets)}
nonce_lifetime = "${NONCE_S}s"

[peers]
allow_loopback = true

[tls]
cert = "${cert}"
key = "${key}"
`);
}

async function reloader(server, configPath, files) {
  for (let n = 1; ; ++n) {
    await pause(SIGHUP_MS);
    if (!loading()) return;
    // Both secrets verify, whichever signs: the rotation changes the config without
    // invalidating the credentials the lanes use.
    const secrets = n % 2 ? [...SECRETS].reverse() : SECRETS;
    writeConfig(configPath, { secrets, ...files });
    const since = server.output().length;
    server.child.kill('SIGHUP');
    try {
      await waitForOutput(server, /reload: configuration applied/, 30000, since);
      tally.reloads += 1;
      log(`SIGHUP ${n} applied`);
    } catch (error) {
      laneError('sighup', error);
    }
  }
}

// --- sampling ---------------------------------------------------------------------------------------

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

function processSample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(status.match(/^VmRSS:\s+(\d+) kB/m)[1]);
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;  // utime + stime
  return { rss, fds, cpu };
}

function makeSampler(server, csvPath) {
  writeFileSync(csvPath, `${COLUMNS.join(',')}\n`);
  const samples = [];
  let last;
  return {
    samples,
    async take(phase) {
      const proc = processSample(server.child.pid);
      const { families } = await scrape(server);
      const now = elapsed();
      const sample = {
        elapsed_s: Math.round(now),
        phase,
        rss_kib: proc.rss,
        fds: proc.fds,
        cpu_s: proc.cpu.toFixed(2),
        cpu_percent: last ? ((100 * (proc.cpu - last.cpu)) / Math.max(0.001, now - last.at)).toFixed(1) : 0,
        allocations: total(families, 'iceway_turn_allocations_active'),
        permissions: total(families, 'iceway_turn_permissions_active'),
        channels: total(families, 'iceway_turn_channels_active'),
        connections: total(families, 'iceway_signal_connections_active'),
        rooms: total(families, 'iceway_signal_rooms_active'),
        relayed_packets: total(families, 'iceway_turn_relay_packets_total'),
        dropped_packets: total(families, 'iceway_turn_relay_dropped_packets_total'),
        reloads: tally.reloads,
      };
      last = { cpu: proc.cpu, at: now };
      samples.push(sample);
      appendFileSync(csvPath, `${toCsvRow(sample)}\n`);
      return sample;
    },
  };
}

function counters(families) {
  return {
    ...relayCounters(families),
    messages: Object.fromEntries(Object.keys(tally.frames)
      .map((protocol) => [protocol, total(families, 'iceway_signal_messages_total', { protocol })])),
  };
}

function delta(after, before) {
  const dropped = Object.fromEntries(Object.entries(after.dropped).map(([reason, n]) => [reason, n - (before.dropped[reason] ?? 0)]));
  return {
    clientToPeer: after.clientToPeer - before.clientToPeer,
    peerToClient: after.peerToClient - before.peerToClient,
    dropped,
    refused: after.refused - before.refused,
    overflowed: after.overflowed - before.overflowed,
    messages: Object.fromEntries(Object.entries(after.messages).map(([p, n]) => [p, n - before.messages[p]])),
  };
}

// --- the run -----------------------------------------------------------------------------------------

async function main() {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'iceway-soak-'));
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
  await makeCertificate(files.cert, files.key);
  const configPath = join(dir, 'iceway.toml');
  writeConfig(configPath, { secrets: SECRETS, ...files });
  const server = await startIceway(['--config', configPath, '--listen', '127.0.0.1:0', '--tls-listen', '127.0.0.1:0',
    '--relay-ip', '127.0.0.1', '--threads', '2', '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0',
    '--log-level', 'info']);
  const peers = [await echoPeer('127.0.0.1'), await echoPeer('127.0.0.3')];
  const sampler = makeSampler(server, join(OUT, 'soak.csv'));
  const verdicts = [];
  let exitCode = 1;
  try {
    log(`iceway pid ${server.child.pid}; load ${minutes} min, warm-up ${WARMUP_MS / 1000} s, ` +
      `a sample every ${SAMPLE_MS / 1000} s, SIGHUP every ${SIGHUP_MS / 1000} s; output in ${OUT}`);
    const baseline = await sampler.take('baseline');
    const before = counters((await scrape(server)).families);
    const endpoint = (list) => ({ host: list[0].host, port: list[0].port });

    await fillCaches(endpoint(server.tcp));
    log('warm-up burst done');
    const loadStart = Date.now();
    loadEndsAt = loadStart + LOAD_MS;
    const lanes = [
      turnLane('udp', endpoint(server.udp), peers[0]),
      turnLane('tcp', endpoint(server.tcp), peers[0]),
      turnLane('tls', endpoint(server.tls), peers[0]),
      keeper(endpoint(server.udp), peers[0], peers[1]),
      nativeLane(server), peerjsLane(server), relayLane(server), yjsLane(server),
      reloader(server, configPath, files),
    ];
    const sampling = (async () => {
      for (let next = loadStart + SAMPLE_MS; next <= loadEndsAt; next += SAMPLE_MS) {
        await sleep(Math.max(0, next - Date.now()));
        const sample = await sampler.take(Date.now() - loadStart < WARMUP_MS ? 'warmup' : 'load');
        log(`rss ${sample.rss_kib} KiB, fds ${sample.fds}, cpu ${sample.cpu_percent} %, allocations ${sample.allocations}, ` +
          `connections ${sample.connections}, reloads ${sample.reloads}`);
      }
    })();
    await Promise.all([...lanes, sampling]);
    log(`load over: ${JSON.stringify({ allocations: tally.allocations, ends: tally.ends, signaling: tally.signaling })}`);

    // Cool-down: every client is gone; wait for the left allocations to expire and for the
    // fds to come back, each wait bounded.
    let coolingDown = true;
    const coolSampling = (async () => {
      for (let next = Date.now() + SAMPLE_MS; coolingDown; next += SAMPLE_MS) {
        while (coolingDown && Date.now() < next) await sleep(Math.min(200, next - Date.now()));
        if (coolingDown) await sampler.take('cooldown');
      }
    })();
    let fdsBack = false;
    try {
      await until(async () => {
        const { families } = await scrape(server);
        return total(families, 'iceway_turn_allocations_active') === 0 && total(families, 'iceway_signal_connections_active') === 0;
      }, (LIFETIME_S + 40) * 1000, 'allocations to expire and connections to close');
      fdsBack = await until(() => processSample(server.child.pid).fds <= baseline.fds, 30000, 'fds back at the baseline')
        .then(() => true, () => false);
    } catch (error) {
      laneError('cool-down', error);
    }
    coolingDown = false;
    await coolSampling;
    const final = await sampler.take('final');
    log(`cool-down over: fds ${final.fds} (baseline ${baseline.fds}, back: ${fdsBack}), allocations ${final.allocations}`);

    // Counters lag the packets that moved them by a scrape at most; wait (bounded) for the
    // account to settle before judging it.
    let after;
    const settle = Date.now() + 10000;
    do {
      after = delta(counters((await scrape(server)).families), before);
      const relayVerdict = judgeRelay(relayInputs(after, peers));
      if (relayVerdict.pass && judgeSignal({ sent: tally.frames, counted: after.messages }).pass) break;
      await sleep(200);
    } while (Date.now() < settle);

    verdicts.push({ name: 'RSS after warm-up within 5 %', ...judgeRss(sampler.samples) });
    verdicts.push({ name: 'fds back at the baseline', ...judgeFds({ baseline: baseline.fds, final: final.fds }) });
    verdicts.push({ name: 'relay counters reconcile', ...judgeRelay(relayInputs(after, peers)) });
    verdicts.push({ name: 'signaling counters reconcile', ...judgeSignal({ sent: tally.frames, counted: after.messages }) });
    const expectedReloads = Math.floor(LOAD_MS / SIGHUP_MS - 0.01);
    verdicts.push({ name: 'every SIGHUP applied', pass: tally.reloads >= expectedReloads && !tally.errors.some((e) => e.lane === 'sighup'),
      detail: `${tally.reloads} reloads applied (${expectedReloads} expected)` });
    const churned = Object.values(tally.allocations).reduce((a, b) => a + b, 0);
    verdicts.push({ name: 'every lane churned without an error', pass: tally.errors.length === 0 && Object.values(tally.signaling).every((n) => n > 0) &&
        tally.allocations.udp > 0 && tally.allocations.tcp > 0 && tally.allocations.tls > 0 && tally.ends.expired > 0,
      detail: `${churned} allocations (${JSON.stringify(tally.allocations)}), ends ${JSON.stringify(tally.ends)}, ` +
        `signaling iterations ${JSON.stringify(tally.signaling)}; ${tally.errors.length} errors${tally.errors.length ? `: ${JSON.stringify(tally.errors.slice(0, 10))}` : ''}` });
    const code = await stopIceway(server);
    verdicts.push({ name: 'iceway exits 0 on SIGTERM', pass: code === 0, detail: `exit code ${code}` });
    exitCode = verdicts.every((v) => v.pass) ? 0 : 1;
  } finally {
    if (server.child.exitCode === null) await stopIceway(server);
    for (const peer of peers) peer.socket.close();
    writeFileSync(join(OUT, 'iceway.log'), server.output());
    rmSync(dir, { recursive: true, force: true });
  }

  const plot = await run('gnuplot', ['-e', `csv='${join(OUT, 'soak.csv')}'; png='${join(OUT, 'soak.png')}'; title='iceway soak, ${minutes} min'`,
    new URL('./plot.gp', import.meta.url).pathname], { timeoutMs: 60000 });
  if (plot.code !== 0) {
    verdicts.push({ name: 'plot drawn', pass: false, detail: plot.stderr });
    exitCode = 1;
  }
  const summary = [`iceway soak: ${minutes} min of load, ${exitCode === 0 ? 'PASS' : 'FAIL'}`,
    ...verdicts.map((v) => `${v.pass ? 'PASS' : 'FAIL'}  ${v.name}: ${v.detail}`),
    `CSV ${join(OUT, 'soak.csv')}, plot ${join(OUT, 'soak.png')}, log ${join(OUT, 'iceway.log')}`].join('\n');
  writeFileSync(join(OUT, 'summary.txt'), `${summary}\n`);
  console.log(summary);
  return exitCode;
}

function relayInputs(after, peers) {
  return {
    sent: { client: tally.client, peer: peers.reduce((n, p) => n + p.sent, 0), stranger: tally.stranger },
    received: { client: tally.clientReceived, peer: peers.reduce((n, p) => n + p.received, 0) },
    relayed: { clientToPeer: after.clientToPeer, peerToClient: after.peerToClient },
    dropped: after.dropped,
    refused: after.refused,
    overflowed: after.overflowed,
  };
}

process.exitCode = await main();
