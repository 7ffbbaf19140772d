// log.format = "json" on the real binary (issue 14 part 3): every line on stderr is one JSON
// object with its event, level, time and message, and the events an operator filters on carry
// their facts as fields: the start with its addresses, an allocation's user, client, relayed
// address and lifetime, and its end with the reason, duration and bytes, as numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { until } from './lib/ops.mjs';
import { TurnClient, restCredentials, nowUnix, SECRET, turnArgs } from './lib/turn.mjs';

let server;
before(async () => {
  server = await startIceway([...loopbackArgs({ ipv6: false }), ...turnArgs, '--log-format', 'json']);
});
after(async () => {
  if (server) assert.equal(await stopIceway(server), 0);
});

// stderr's lines as parsed objects (the banner is on stdout).
function logLines() {
  // Complete lines only: the last one may still be arriving.
  return server.stderr().split('\n').slice(0, -1).filter((line) => line.trim() !== '').map((line) => {
    // Under systemd a "<N>" priority comes first; here stderr is a pipe, so none.
    try { return JSON.parse(line); } catch { assert.fail(`not a JSON log line: ${line}`); }
  });
}
const find = (event) => logLines().find((line) => line.event === event);

test('the start is an event with the bound addresses as fields', async () => {
  const started = await until(async () => find('started'), 10000, 'the started event');
  assert.equal(started.level, 'info');
  assert.equal(typeof started.time, 'number');
  assert.equal(started.stun_udp, `127.0.0.1:${server.udp[0].port}`);
  assert.equal(started.signal, `127.0.0.1:${server.signal.port}`);
  assert.match(started.version, /^iceway /);
  assert.match(started.msg, /^started: /);
});

test("an allocation's creation and end carry user, client, relayed, reason, duration and bytes as fields", async () => {
  const client = await TurnClient.connect({ host: '127.0.0.1', port: server.udp[0].port });
  const credentials = restCredentials(SECRET, 'log-user', nowUnix() + 600);
  const allocated = await client.allocate({ ...credentials, lifetime: 600 });
  assert.ok(allocated.success, String(allocated.code));
  const relayed = `${allocated.relayed.address}:${allocated.relayed.port}`;
  const created = await until(async () => find('allocation created'), 10000, 'the allocation created event');
  assert.equal(created.user, 'log-user');  // the REST name without its expiry
  assert.equal(created.client, `udp 127.0.0.1:${client.local.port}`);
  assert.equal(created.relayed, relayed);
  assert.equal(created.lifetime_s, 600);
  assert.ok((await client.refresh(0)).success);
  client.close();
  const ended = await until(async () => find('allocation ended'), 10000, 'the allocation ended event');
  assert.equal(ended.user, 'log-user');
  assert.equal(ended.relayed, relayed);
  assert.equal(typeof ended.reason, 'string');
  assert.equal(typeof ended.duration_s, 'number');
  assert.equal(ended.bytes_to_peer, 0);
  assert.equal(ended.bytes_to_client, 0);
  for (const line of logLines()) {
    for (const key of ['event', 'level', 'time', 'msg']) assert.ok(key in line, `${key} missing: ${JSON.stringify(line)}`);
  }
});
