// The admin listener of the real binary (SPEC §7, issue 5): after STUN, TURN (raw client and
// coturn's turnutils_uclient) and signaling traffic on all four front doors, including auth
// failures, a denied peer, dropped packets and signaling errors, /metrics passes
// `promtool check metrics`, carries every family SPEC §7 and docs/metrics.md list with their
// labels, and every counter and gauge that traffic touches has moved. /healthz and /readyz
// answer 200, and /readyz 503 while SIGTERM drains.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startIceway, stopIceway, loopbackArgs, run, ICEWAY_BIN } from './lib/iceway.mjs';
import { startPeer } from './lib/turn.mjs';
import { adminGet, scrape, total, promtool, until, generateTraffic, opsTurnArgs } from './lib/ops.mjs';

// SPEC §7, as written there: every family and its label names.
const SPEC_FAMILIES = {
  iceway_build_info: ['version'],
  iceway_stun_requests_total: ['transport', 'method', 'result'],
  iceway_turn_allocations_active: ['transport', 'family'],
  iceway_turn_allocations_total: ['result'],
  iceway_turn_relay_bytes_total: ['direction'],
  iceway_turn_relay_packets_total: ['direction'],
  iceway_turn_permissions_active: [],
  iceway_turn_channels_active: [],
  iceway_turn_peer_denied_total: [],
  iceway_auth_failures_total: ['reason'],
  iceway_signal_connections_active: ['protocol'],
  iceway_signal_messages_total: ['protocol', 'type'],
  iceway_signal_rooms_active: [],
  iceway_signal_errors_total: ['code'],
  process_cpu_seconds_total: [],
  process_resident_memory_bytes: [],
  process_open_fds: [],
  process_start_time_seconds: [],
};

// docs/metrics.md's table: | `name` | type | `label`, `label` | meaning |
function documentedFamilies() {
  const text = readFileSync(new URL('../../docs/metrics.md', import.meta.url), 'utf8');
  const families = {};
  for (const [, name, type, labels] of text.matchAll(/^\| `([a-z_]+)` \| (counter|gauge) \|\s*([^|]*?)\s*\|/gm)) {
    families[name] = { type, labels: [...labels.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]) };
  }
  return families;
}

// What the traffic of lib/ops.mjs must have moved: [family, labels, at least].
const MOVED = [
  ['iceway_build_info', {}, 1],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'binding', result: 'success' }, 1],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'allocate', result: 'success' }, 1],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'allocate', result: 'error' }, 1],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'refresh', result: 'success' }, 1],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'create_permission', result: 'success' }, 1],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'create_permission', result: 'error' }, 2],
  ['iceway_stun_requests_total', { transport: 'udp', method: 'channel_bind', result: 'success' }, 1],
  ['iceway_turn_allocations_active', { transport: 'udp', family: 'ipv4' }, 1],
  ['iceway_turn_allocations_limit', {}, 1],
  ['iceway_turn_allocations_total', { result: 'success' }, 4],
  ['iceway_turn_allocations_total', { result: 'challenge' }, 4],
  ['iceway_turn_allocations_total', { result: 'allocation_quota_reached' }, 1],
  ['iceway_turn_allocations_total', { result: 'unauthenticated' }, 2],
  ['iceway_turn_relay_bytes_total', { direction: 'client_to_peer' }, 20 * 170],
  ['iceway_turn_relay_bytes_total', { direction: 'peer_to_client' }, 20 * 170],
  ['iceway_turn_relay_packets_total', { direction: 'client_to_peer' }, 20],
  ['iceway_turn_relay_packets_total', { direction: 'peer_to_client' }, 20],
  ['iceway_turn_relay_dropped_packets_total', { reason: 'no_permission' }, 1],
  ['iceway_turn_relay_dropped_packets_total', { reason: 'bandwidth' }, 1],
  ['iceway_turn_udp_send_dropped_total', {}, 1],
  ['iceway_turn_permissions_active', {}, 1],
  ['iceway_turn_channels_active', {}, 1],
  ['iceway_turn_peer_denied_total', { reason: 'config_deny' }, 1],
  ['iceway_turn_peer_denied_total', { reason: 'default_range' }, 1],
  ['iceway_auth_failures_total', { reason: 'bad_integrity' }, 1],
  ['iceway_auth_failures_total', { reason: 'expired_username' }, 1],
  ['iceway_signal_connections_active', { protocol: 'native' }, 2],
  ['iceway_signal_connections_active', { protocol: 'yjs' }, 1],
  ['iceway_signal_connections_active', { protocol: 'relay' }, 1],
  ['iceway_signal_connections_active', { protocol: 'peerjs' }, 1],
  ['iceway_signal_messages_total', { protocol: 'native', type: 'join' }, 2],
  ['iceway_signal_messages_total', { protocol: 'native', type: 'leave' }, 1],
  ['iceway_signal_messages_total', { protocol: 'native', type: 'signal' }, 2],
  ['iceway_signal_messages_total', { protocol: 'native', type: 'broadcast' }, 1],
  ['iceway_signal_messages_total', { protocol: 'native', type: 'ping' }, 1],
  ['iceway_signal_messages_total', { protocol: 'native', type: 'invalid' }, 1],
  ['iceway_signal_messages_total', { protocol: 'yjs', type: 'subscribe' }, 1],
  ['iceway_signal_messages_total', { protocol: 'yjs', type: 'ping' }, 1],
  ['iceway_signal_messages_total', { protocol: 'relay', type: 'message' }, 1],
  ['iceway_signal_messages_total', { protocol: 'peerjs', type: 'heartbeat' }, 1],
  ['iceway_signal_rooms_active', {}, 2],  // the native room and the y-webrtc topic
  ['iceway_signal_errors_total', { code: 'peer-unavailable' }, 1],
  ['iceway_signal_errors_total', { code: 'bad-request' }, 1],
  ['iceway_signal_errors_total', { code: 'not-in-room' }, 1],
  ['process_cpu_seconds_total', {}, 0.01],
  ['process_resident_memory_bytes', {}, 1 << 20],
  ['process_virtual_memory_bytes', {}, 1 << 20],
  ['process_open_fds', {}, 5],
  ['process_max_fds', {}, 64],
  ['process_start_time_seconds', {}, 1],
];

let server;
let peer;
let traffic;

before(async () => {
  server = await startIceway([...loopbackArgs({ ipv6: false }), ...opsTurnArgs, '--set', 'server.drain_timeout=4s']);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (traffic) await traffic.close();
  if (peer) await peer.stop();
  if (server) await stopIceway(server, 'SIGKILL');
});

test('healthz and readyz answer 200 on a running server, /metrics is Prometheus text', async () => {
  assert.equal((await adminGet(server, '/healthz')).status, 200);
  const ready = await adminGet(server, '/readyz');
  assert.equal(ready.status, 200, ready.body);
  const metrics = await adminGet(server, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.type, /^text\/plain; version=0\.0\.4/);
  assert.equal((await adminGet(server, '/nothing-here')).status, 404);
});

test('after traffic of every kind, every SPEC §7 family is exported with its labels and has moved', { timeout: 90000 }, async () => {
  const started = Date.now() / 1000;
  traffic = await generateTraffic(server, peer);
  const { seen } = traffic;
  // The traffic itself went as planned (else a counter at 0 would be the test's fault).
  assert.equal(seen.deniedConfig, 403);
  assert.equal(seen.deniedDefault, 403);
  assert.equal(seen['ops-wrong'], 401);
  assert.equal(seen['ops-expired'], 401);
  assert.equal(seen.quota, 486);
  const uclient = seen.uclient;
  assert.equal(uclient.code, 0, `${uclient.command}\n${uclient.output}`);
  assert.equal(uclient.received, 20, `${uclient.command}\n${uclient.output}`);
  assert.equal(seen.unavailable.code, 'peer-unavailable');
  assert.equal(seen.badRequest.code, 'bad-request');
  assert.equal(seen.notInRoom.code, 'not-in-room');

  // Counters are summed at scrape time from per-worker state: poll until the last messages
  // (heartbeat, drops) are counted.
  const shortfalls = (families) => MOVED.filter(([name, labels, least]) => !(total(families, name, labels) >= least))
    .map(([name, labels, least]) => `${name}${JSON.stringify(labels)} = ${total(families, name, labels)}, expected >= ${least}`);
  let last;
  try {
    await until(async () => { last = await scrape(server); return shortfalls(last.families).length === 0; }, 10000, 'the counters');
  } catch {
    assert.fail(`metrics that did not move:\n${shortfalls(last.families).join('\n')}\n\n${last.text}`);
  }
  const { families, text } = last;

  // Prometheus' own linter accepts the real exposition.
  const lint = await promtool(['check', 'metrics'], text);
  assert.equal(lint.code, 0, `promtool check metrics:\n${lint.output}\n${text}`);

  // SPEC §7: each family, its label names on every sample, counters end in _total.
  for (const [name, labels] of Object.entries(SPEC_FAMILIES)) {
    const family = families.get(name);
    assert.ok(family, `${name} missing from /metrics:\n${text}`);
    assert.ok(family.samples.length > 0, `${name} has no samples`);
    assert.ok(family.help, `${name} has no HELP`);
    for (const sample of family.samples) {
      for (const label of labels) assert.ok(label in sample.labels, `${name} sample without label ${label}: ${JSON.stringify(sample)}`);
    }
  }
  // docs/metrics.md documents exactly what is exported, with the same types and labels.
  const documented = documentedFamilies();
  // The certificate's expiry exists only while TLS is on, and this server runs without it
  // (ops_reload_gauges.test.mjs checks the gauge with TLS).
  delete documented.iceway_tls_certificate_expiry_timestamp_seconds;
  assert.deepEqual([...families.keys()].sort(), Object.keys(documented).sort());
  for (const [name, { type, labels }] of Object.entries(documented)) {
    const family = families.get(name);
    assert.equal(family.type, type, name);
    assert.equal(name.endsWith('_total'), type === 'counter', `${name}: counters and only counters end in _total`);
    for (const sample of family.samples) assert.deepEqual(Object.keys(sample.labels).sort(), [...labels].sort(), name);
  }
  // No label carries a user, peer id, room or address (SPEC §7).
  assert.doesNotMatch(text, /ops-(alice|bob|room|live|quota|hog|carol|dave|topic)|127\.0\.0\.\d/);

  // iceway_build_info carries the version `iceway --version` prints and the git revision.
  const [build] = families.get('iceway_build_info').samples;
  assert.equal(build.value, 1);
  const version = await run(ICEWAY_BIN, ['--version']);
  const [, printedVersion, printedRevision] = version.stdout.match(/^iceway (\S+) \(git (\S+)\)/);
  assert.equal(build.labels.version, printedVersion);
  assert.equal(build.labels.revision, printedRevision);
  assert.ok(build.labels.revision.length > 0);

  // process_*: plausible values for this very process.
  const startTime = total(families, 'process_start_time_seconds');
  assert.ok(startTime <= started + 1 && startTime > started - 120, `start time ${startTime}, test began ${started}`);
  assert.ok(total(families, 'process_open_fds') <= total(families, 'process_max_fds'));

  // The relay counters moved while the session lives: the live allocation is still open and
  // its Send and ChannelData payloads are already counted.
  const liveBytes = Buffer.byteLength('hello through a Send indication') + Buffer.byteLength('hello through a channel');
  assert.ok(total(families, 'iceway_turn_relay_bytes_total', { direction: 'client_to_peer' }) >= liveBytes + 20 * 170);
  assert.equal(total(families, 'iceway_turn_allocations_limit'), 10000);
});

test('SIGTERM: /readyz turns 503 while the drain runs, /healthz stays 200, then exit 0', { timeout: 60000 }, async () => {
  // The live allocation of the traffic test keeps the drain going (drain_timeout 4s).
  assert.ok(traffic, 'the traffic test ran first');
  const since = server.output().length;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const ready = await until(async () => {
    const answer = await adminGet(server, '/readyz');
    return answer.status === 503 ? answer : null;
  }, 5000, '/readyz 503');
  assert.match(ready.body, /draining/);
  assert.equal((await adminGet(server, '/healthz')).status, 200);
  // Metrics stay scrapeable during the drain.
  const during = await scrape(server);
  assert.ok(total(during.families, 'iceway_turn_allocations_active') >= 1);
  // The allocations left open (the live one, uclient's) relay until drain_timeout, then exit 0.
  const code = await exited;
  assert.equal(code, 0, server.output().slice(since));
  assert.match(server.output().slice(since), /draining/);
});
