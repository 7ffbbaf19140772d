// `iceway ctl` against the real binary (issue 14 part 1): status, reload (a good and a refused
// config), loglevel, credentials that a real Allocate accepts, and the errors a person meets:
// no server on the socket, an unknown command. The socket is the server's admin.control_socket
// in a folder of this test's own, mode 0660.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, run, ICEWAY_BIN, waitForOutput } from './lib/iceway.mjs';
import { TurnClient, startPeer } from './lib/turn.mjs';
import { until } from './lib/ops.mjs';
import { connectNative } from './lib/signal.mjs';

const dir = mkdtempSync(join(tmpdir(), 'iceway-ctl-'));
const socket = join(dir, 'control.sock');
const config = join(dir, 'iceway.toml');
const writeConfig = (secret, extra = '') => writeFileSync(config, `[auth]\nsecrets = ["${secret}"]\n${extra}`);
const ctl = (...args) => run(ICEWAY_BIN, ['ctl', '--socket', socket, ...args]);

let server;
before(async () => {
  writeConfig('first-secret');
  server = await startIceway(['--config', config, ...loopbackArgs({ ipv6: false }),
    '--set', `admin.control_socket="${socket}"`, '--set', 'server.drain_timeout="0s"', '--allow-loopback-peers']);
});
after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  rmSync(dir, { recursive: true, force: true });
});

test('the socket is only for root and the service user', () => {
  assert.equal(statSync(socket).mode & 0o777, 0o660);
  assert.ok(statSync(socket).isSocket());
});

test('status says ready, with the allocations and the config; --json gives the same as fields', async () => {
  const text = await ctl('status');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^iceway \d/);
  assert.match(text.stdout, /state +ready/);
  assert.match(text.stdout, new RegExp(`config +${config.replace(/[.]/g, '\\.')}`));
  const json = JSON.parse((await ctl('status', '--json')).stdout);
  assert.equal(json.state, 'ready');
  assert.equal(json.allocations, 0);
  assert.equal(typeof json.uptime_seconds, 'number');
});

test('credentials from the running server are accepted by its TURN, and status counts the allocation', async () => {
  const answer = await ctl('credentials', '--user', 'ctl-user', '--ttl', '10m');
  assert.equal(answer.code, 0, answer.stderr);
  const turn = JSON.parse(answer.stdout).iceServers.find((entry) => entry.username);
  assert.match(turn.username, /^\d+:ctl-user$/);
  const client = await TurnClient.connect({ host: '127.0.0.1', port: server.udp[0].port });
  try {
    const allocated = await client.allocate({ username: turn.username, password: turn.credential });
    assert.ok(allocated.success, `Allocate with ctl's credentials: ${allocated.code}`);
    assert.equal(JSON.parse((await ctl('status', '--json')).stdout).allocations, 1);
  } finally {
    await client.refresh(0).catch(() => {});
    client.close();
  }
});

test('reload applies a good config and says what changed; a refused one exits 1 with its problem and keeps the old', async () => {
  writeConfig('second-secret');
  const applied = await ctl('reload');
  assert.equal(applied.code, 0, applied.stderr);
  assert.match(applied.stdout, /changed: auth\.secrets/);
  writeConfig('second-secret', '[turn]\nmax_allocations = "many"\n');
  const refused = await ctl('reload');
  assert.equal(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /refused/);
  assert.match(refused.stderr, new RegExp(`${config.replace(/[.]/g, '\\.')}:4: turn\\.max_allocations`));
  assert.equal(JSON.parse((await ctl('status', '--json')).stdout).state, 'ready', 'still serving');
  writeConfig('second-secret');
});

test('loglevel changes the level at once; an unknown level is a usage error', async () => {
  const set = await ctl('loglevel', 'debug');
  assert.equal(set.code, 0, set.stderr);
  await waitForOutput(server, /log level set to debug/);
  const bad = await ctl('loglevel', 'loud');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /trace, debug, info, warn, error, critical, off/);
  assert.equal((await ctl('loglevel', 'info')).code, 0);
});

test('no server on the socket, and an unknown command, are clear errors with their own exit codes', async () => {
  const missing = await run(ICEWAY_BIN, ['ctl', '--socket', join(dir, 'nothing.sock'), 'status']);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no iceway answers on .*nothing\.sock.*is it running\?/);
  const unknown = await ctl('frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command frobnicate/);
  assert.match(unknown.stderr, /usage: iceway ctl/);
});

test('sessions lists an allocation with its user, client and relayed address; disconnect ends it and the user\'s /ws connection', async () => {
  const answer = JSON.parse((await ctl('credentials', '--user', 'to-end')).stdout);
  const turn = answer.iceServers.find((entry) => entry.username);
  const client = await TurnClient.connect({ host: '127.0.0.1', port: server.udp[0].port });
  const other = await TurnClient.connect({ host: '127.0.0.1', port: server.udp[0].port });
  try {
    const allocated = await client.allocate({ username: turn.username, password: turn.credential });
    assert.ok(allocated.success, String(allocated.code));
    const keep = JSON.parse((await ctl('credentials', '--user', 'to-keep')).stdout).iceServers.find((e) => e.username);
    assert.ok((await other.allocate({ username: keep.username, password: keep.credential })).success);
    const listed = JSON.parse((await ctl('sessions', '--user', 'to-end', '--json')).stdout);
    assert.equal(listed.length, 1, JSON.stringify(listed));
    assert.equal(listed[0].user, 'to-end');
    assert.equal(listed[0].client, `127.0.0.1:${client.local.port}`);
    assert.equal(listed[0].relayed, `${allocated.relayed.address}:${allocated.relayed.port}`);
    assert.equal(listed[0].transport, 'udp');
    const table = await ctl('sessions');
    assert.match(table.stdout, /^ID +USER +TRANSPORT +CLIENT +RELAYED/);
    assert.match(table.stdout, /to-keep/);
    // The same user on /ws (the server's native protocol, an id the user chose).
    const { client: ws, welcome } = await connectNative(server, '?id=to-end');
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    const peers = JSON.parse((await ctl('peers', '--json')).stdout);
    assert.ok(peers.some((p) => p.protocol === 'native' && p.id === 'to-end'), JSON.stringify(peers));

    const ended = await ctl('disconnect', '--user', 'to-end');
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal(ended.stdout, 'ended 1 allocation(s) and 1 signaling connection(s)\n');
    assert.equal((await ws.closed).code, 1008);
    const refresh = await client.refresh(600);
    assert.equal(refresh.code, 437, 'the allocation is gone');
    assert.deepEqual(JSON.parse((await ctl('sessions', '--user', 'to-end', '--json')).stdout), []);
    assert.equal(JSON.parse((await ctl('sessions', '--user', 'to-keep', '--json')).stdout).length, 1, 'others untouched');
    await waitForOutput(server, /allocation ended: user=to-end .*reason=disconnected/);
    const nothing = await ctl('disconnect', '--user', 'to-end');
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /nothing to end/);
  } finally {
    client.close();
    await other.refresh(0).catch(() => {});
    other.close();
  }
});

// The issue's own check: a live turnutils_uclient (coturn's client, relaying over TCP to
// turnutils_peer) is ended by `iceway ctl disconnect --user`, mid-run.
test('disconnect ends the allocations of a live turnutils_uclient mid-run', { timeout: 60000 }, async () => {
  const peer = await startPeer(['127.0.0.1']);
  const turn = JSON.parse((await ctl('credentials', '--user', 'uclient-live')).stdout).iceServers.find((e) => e.username);
  // 2,000 messages 20 ms apart: 40 s, far longer than the test needs.
  const uclient = spawn('turnutils_uclient', ['-t', '-c', '-n', '2000', '-z', '20', '-m', '2', '-l', '100',
    '-e', '127.0.0.1', '-r', String(peer.port), '-u', turn.username, '-w', turn.credential,
    '-p', String(server.tcp[0].port), '127.0.0.1'], { stdio: 'ignore' });
  try {
    const sessions = async () => JSON.parse((await ctl('sessions', '--user', 'uclient-live', '--json')).stdout);
    await until(async () => {
      const live = await sessions();
      return live.length === 2 && live.every((s) => s.bytes_to_peer > 0) ? live : null;
    }, 20000, 'uclient\'s two allocations relaying');
    assert.equal(uclient.exitCode, null, 'uclient is still relaying when the operator ends it');
    const ended = await ctl('disconnect', '--user', 'uclient-live');
    assert.equal(ended.code, 0, ended.stderr);
    assert.match(ended.stdout, /^ended 2 allocation\(s\)/);
    assert.deepEqual(await sessions(), []);
    await waitForOutput(server, /allocation ended: user=uclient-live .*reason=disconnected(?:.|\n)*allocation ended: user=uclient-live .*reason=disconnected/);
  } finally {
    if (uclient.exitCode === null && uclient.signalCode === null) uclient.kill('SIGKILL');
    await peer.stop();
  }
});
