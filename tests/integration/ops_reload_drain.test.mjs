// Reload, drain and sd_notify on the real binary (SPEC §3 and §8, issue 5), one server run
// under a NOTIFY_SOCKET the test owns. turn_reload.test.mjs covers secret rotation with TLS and
// uclient; this file adds what an operator sees around it: a WebSocket that stays open and
// working across SIGHUP, a live allocation that keeps refreshing after its secret is rotated
// out, the log naming what changed, the API key and the handed-out credentials following the
// new config, a bad config that changes nothing; then SIGTERM: signaling closed with 1001,
// new allocations and connections refused, the live allocation relaying until drain_timeout,
// /readyz 503, exit 0, and the sd_notify messages of each step (READY, WATCHDOG, RELOADING,
// STOPPING).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import { TurnClient, restCredentials, nowUnix } from './lib/turn.mjs';
import { adminGet, until, udpSocket, WsClient, wsUrl } from './lib/ops.mjs';
import { mintToken } from './lib/signal.mjs';

const DRAIN_MS = 3000;
const WATCHDOG_USEC = 400000;  // iceway pings every 200 ms

let dir;
let configPath;
let server;
let notify;        // { child, messages: [{ at, text }] }
let live;          // a UDP allocation made with the first secret, relaying to `target`
let liveAllocation;
let target;
let alice;
let bob;

// The welcome carries TURN credentials for a token's identity (SPEC §2: not for anonymous
// clients outside development mode), so the signaling clients here connect with tokens.
const TOKEN_SECRET = 'reload-drain-jwt-secret';
const tokenFor = (id) => mintToken(TOKEN_SECRET, { sub: id, exp: nowUnix() + 3600 });

function writeConfig({ secrets, apiKeys, extra = '' }) {
  writeFileSync(configPath, `[server]
drain_timeout = "${DRAIN_MS / 1000}s"

[auth]
secrets = ${JSON.stringify(secrets)}
api_keys = ${JSON.stringify(apiKeys)}

[signal]
token_secret = "${TOKEN_SECRET}"

[peers]
allow_loopback = true
${extra}`);
}

async function startNotifySocket(path) {
  const child = spawn('python3', [new URL('./lib/notify_socket.py', import.meta.url).pathname, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const state = { child, messages: [], errors: '' };
  let buffer = '';
  child.stderr.on('data', (d) => { state.errors += d; });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`notify_socket.py exited with ${code}: ${state.errors}`)));
    child.stdout.on('data', (d) => {
      buffer += d;
      for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line === 'listening') resolve();
        else state.messages.push(JSON.parse(line));
      }
    });
  });
  child.removeAllListeners('exit');
  return state;
}

// The index of the first sd_notify message at or after `from` that has the line `field`.
function waitForNotify(field, from = 0, timeoutMs = 5000) {
  return until(() => {
    const index = notify.messages.findIndex((m, i) => i >= from && m.text.split('\n').includes(field));
    return index >= 0 ? index + 1 : 0;
  }, timeoutMs, `sd_notify ${field} (got ${JSON.stringify(notify.messages.slice(from).map((m) => m.text))})`).then((n) => n - 1);
}

async function reload(config) {
  const since = server.output().length;
  const from = notify.messages.length;
  writeConfig(config);
  server.child.kill('SIGHUP');
  const reloading = await waitForNotify('RELOADING=1', from);
  const ready = await waitForNotify('READY=1', reloading + 1);
  assert.match(notify.messages[reloading].text, /^MONOTONIC_USEC=\d+$/m);
  return { since, ready: notify.messages[ready].text };
}

const udpPort = () => server.udp[0].port;

async function allocate(secret, user) {
  const client = await TurnClient.connect({ host: '127.0.0.1', port: udpPort() });
  const answer = await client.allocate(restCredentials(secret, user, nowUnix() + 600));
  return { client, answer };
}

// Both directions through the live allocation: ChannelData out, a Data indication back.
async function liveRelays(text) {
  live.channelData(0x4001, Buffer.from(`${text} out`));
  const out = await target.next();
  assert.equal(out.data.toString(), `${text} out`);
  assert.equal(out.from.port, liveAllocation.relayed.port);
  target.send(`${text} back`, liveAllocation.relayed.port, '127.0.0.1');
  const back = await live.nextData();
  assert.equal(back.data.toString(), `${text} back`);
}

// A signal from alice to bob and a ping, over the connections opened before the reloads.
async function signalingWorks(text) {
  alice.send({ type: 'signal', to: 'drain-bob', data: text });
  assert.deepEqual((await bob.next('signal')).data, text);
  bob.send({ type: 'ping', ref: text });
  assert.equal((await bob.next('pong')).ref, text);
}

function iceServersWith(key) {
  return fetch(`http://${server.signal.host}:${server.signal.port}/api/v1/ice-servers?user=api`, {
    headers: { Authorization: `Bearer ${key}` },
  }).then(async (response) => ({ status: response.status, body: await response.json() }));
}

const signedWith = (secret, { username, credential }) => credential === createHmac('sha1', secret).update(username).digest('base64');

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-reload-drain-'));
  configPath = join(dir, 'iceway.toml');
  writeConfig({ secrets: ['first-secret'], apiKeys: ['first-key'] });
  notify = await startNotifySocket(join(dir, 'notify.sock'));
  server = await startIceway([...loopbackArgs({ ipv6: false }), '--config', configPath],
    { env: { NOTIFY_SOCKET: join(dir, 'notify.sock'), WATCHDOG_USEC: String(WATCHDOG_USEC) } });
  target = await udpSocket('127.0.0.1');
});

after(async () => {
  for (const ws of [alice, bob]) ws?.close();
  live?.close();
  target?.close();
  if (server) await stopIceway(server, 'SIGKILL');
  if (notify && notify.child.exitCode === null) {
    const exited = new Promise((resolve) => notify.child.once('exit', resolve));
    notify.child.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('sd_notify: READY=1 once listening, then WATCHDOG=1 at half of WATCHDOG_USEC', { timeout: 20000 }, async () => {
  const ready = await waitForNotify('READY=1');
  assert.match(notify.messages[ready].text, /^STATUS=serving STUN\/TURN on 127\.0\.0\.1:\d+/m);
  // The banner is printed before READY: by then the listeners are bound (and /readyz agrees).
  assert.equal((await adminGet(server, '/readyz')).status, 200);
  const first = await waitForNotify('WATCHDOG=1', ready);
  const second = await waitForNotify('WATCHDOG=1', first + 1);
  const third = await waitForNotify('WATCHDOG=1', second + 1);
  const interval = (notify.messages[third].at - notify.messages[first].at) / 2;
  // Half of 400 ms; generous bounds for a busy CI machine (systemd kills only after the full interval).
  assert.ok(interval >= 100 && interval <= WATCHDOG_USEC / 1000, `watchdog every ${interval} ms`);
});

test('SIGHUP rotates the secret and API key while an allocation relays and WebSockets stay open', { timeout: 60000 }, async () => {
  ({ client: live, answer: liveAllocation } = await allocate('first-secret', 'live'));
  assert.equal(liveAllocation.success, true, `error ${liveAllocation.code}`);
  assert.equal((await live.channelBind(0x4001, target.endpoint())).success, true);
  await liveRelays('before');
  alice = await WsClient.open(wsUrl(server, `/ws?token=${tokenFor('drain-alice')}`));
  bob = await WsClient.open(wsUrl(server, `/ws?token=${tokenFor('drain-bob')}`));
  const welcome = await alice.next('welcome');
  await bob.next('welcome');
  const welcomeTurn = welcome.iceServers.find((s) => s.username);
  assert.ok(signedWith('first-secret', welcomeTurn));
  await signalingWorks('before');

  // Rotation, step 1: the new secret signs, the old one still verifies; a new API key.
  const step1 = await reload({ secrets: ['second-secret', 'first-secret'], apiKeys: ['second-key'] });
  assert.match(step1.ready, /^STATUS=configuration reloaded$/m);
  const log1 = await waitForOutput(server, /reload: configuration applied from (\S+); changed: (.*)/, 5000, step1.since);
  assert.equal(log1[1], configPath);
  assert.match(log1[2], /auth\.secrets/);
  assert.match(log1[2], /auth\.api_keys/);
  assert.doesNotMatch(log1[2], /peers\.|turn\.|log\./);

  await liveRelays('after rotation');
  assert.equal((await live.refresh(600)).success, true, 'refresh after the rotation');
  await signalingWorks('after rotation');
  // The API follows the new config: the old key is refused, the new one gets credentials
  // signed with the new first secret; so does a new WebSocket's welcome.
  assert.equal((await iceServersWith('first-key')).status, 401);
  const api = await iceServersWith('second-key');
  assert.equal(api.status, 200);
  assert.ok(signedWith('second-secret', api.body.iceServers.find((s) => s.username)));
  const carol = await WsClient.open(wsUrl(server, `/ws?token=${tokenFor('drain-carol')}`));
  assert.ok(signedWith('second-secret', (await carol.next('welcome')).iceServers.find((s) => s.username)));
  carol.close();

  // Rotation, step 2: the old secret removed.
  const step2 = await reload({ secrets: ['second-secret'], apiKeys: ['second-key'] });
  const log2 = await waitForOutput(server, /reload: configuration applied from \S+; changed: (.*)/, 5000, step2.since);
  assert.equal(log2[1], 'auth.secrets');
  const { client: stale, answer: refused } = await allocate('first-secret', 'retired');
  assert.equal(refused.code, 401);
  stale.close();
  await waitForOutput(server, /auth failure: client=udp \S+ method=allocate reason=bad_integrity/, 5000, step2.since);
  const { client: fresh, answer: accepted } = await allocate('second-secret', 'fresh');
  assert.equal(accepted.success, true, `error ${accepted.code}`);
  assert.equal((await fresh.refresh(0)).success, true);
  fresh.close();

  // The live allocation, made with the secret now gone, is not dropped: it relays and refreshes.
  await liveRelays('after removal');
  const refreshed = await live.refresh(600);
  assert.equal(refreshed.success, true, `refresh of a live allocation after its secret was rotated out: error ${refreshed.code}`);
  await signalingWorks('after removal');

  // A broken file changes nothing: the error is logged, systemd hears READY again.
  const broken = await reload({ secrets: ['third-secret'], apiKeys: ['second-key'], extra: 'allow = ["not a cidr"]\n' });
  assert.match(broken.ready, /^STATUS=reload failed/m);
  await waitForOutput(server, /still running with the old one/, 5000, broken.since);
  const { client: third, answer: notApplied } = await allocate('third-secret', 'not-applied');
  assert.equal(notApplied.code, 401);
  third.close();
  await liveRelays('after a bad reload');
  await signalingWorks('after a bad reload');
  assert.doesNotMatch(server.output(), /allocation ended: user=live /);
});

test('SIGTERM drains: 1001 to signaling, no new allocations or connections, live relays until drain_timeout, exit 0',
  { timeout: 30000 }, async () => {
    assert.ok(live && alice && bob, 'the reload test left a live allocation and two WebSockets');
    const since = server.output().length;
    const from = notify.messages.length;
    const exited = new Promise((resolve) => server.child.once('exit', (code) => resolve({ code, at: Date.now() })));
    const started = Date.now();
    server.child.kill('SIGTERM');

    const stopping = await waitForNotify('STOPPING=1', from);
    assert.match(notify.messages[stopping].text, /^STATUS=draining$/m);
    for (const ws of [alice, bob]) {
      const closed = await ws.closed;
      assert.equal(closed.code, 1001, JSON.stringify(closed));
    }
    const ready = await adminGet(server, '/readyz');
    assert.equal(ready.status, 503);
    assert.match(ready.body, /draining/);

    // Nothing new: an Allocate is 508, a WebSocket is not accepted.
    const { client: late, answer: lateAnswer } = await allocate('second-secret', 'too-late');
    assert.equal(lateAnswer.code, 508, `Allocate during the drain: ${lateAnswer.code}`);
    late.close();
    await assert.rejects(WsClient.open(wsUrl(server, '/ws?id=drain-late')));

    // The live allocation relays on, both ways, and refreshes.
    await liveRelays('while draining');
    assert.equal((await live.refresh(600)).success, true);
    assert.ok(Date.now() - started < DRAIN_MS - 1000, 'the checks above ran early in the drain window; raise DRAIN_MS');
    // And still does shortly before the deadline (time is what the drain is about here).
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS - 700 - (Date.now() - started)));
    await liveRelays('just before the deadline');

    const { code, at } = await exited;
    assert.equal(code, 0, server.output().slice(since));
    assert.ok(at - started >= DRAIN_MS - 100, `exited ${at - started} ms after SIGTERM, drain_timeout ${DRAIN_MS} ms`);
    const output = server.output().slice(since);
    assert.match(output, /SIGTERM: draining: no new allocations or connections; 1 allocation\(s\) relay for up to 3s/);
    // The live allocation ends at the deadline, logged as a shutdown (not as an expiry: its
    // lifetime had most of 600 s left), with what it relayed.
    const ended = output.match(/allocation ended: user=live .* reason=(\w+) .* packets_to_peer=(\d+) packets_to_client=(\d+)/);
    assert.ok(ended, output);
    assert.equal(ended[1], 'shutdown');
    assert.ok(Number(ended[2]) >= 5 && Number(ended[3]) >= 5, ended[0]);
    assert.match(output, /stopped/);
  });
