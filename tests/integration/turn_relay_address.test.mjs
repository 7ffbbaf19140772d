// Relay addresses that cannot work (issue 11.13): the unspecified address would be advertised
// to clients as XOR-RELAYED-ADDRESS 0.0.0.0:port, and multicast or broadcast cannot be a UDP
// source. --check-config refuses them with a problem naming the key, and the server does not
// start with them; a loopback relay address outside a loopback-only setup only warns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ICEWAY_BIN, run, startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { TurnClient, restCredentials, nowUnix, SECRET, turnArgs } from './lib/turn.mjs';

const base = ['--set', `auth.secrets=["${SECRET}"]`, '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0'];

const refused = [
  ['turn.relay_ipv4', ['--relay-ip', '0.0.0.0']],
  ['turn.relay_ipv4', ['--relay-ip', '224.0.0.1']],
  ['turn.relay_ipv4', ['--relay-ip', '255.255.255.255']],
  ['turn.relay_ipv6', ['--relay-ipv6', '::']],
  ['turn.relay_ipv6', ['--relay-ipv6', 'ff02::1']],
  ['server.external_ip', ['--external-ip', '0.0.0.0']],
  ['server.external_ip', ['--external-ip', '203.0.113.7/239.0.0.1']],
];

for (const [key, flags] of refused) {
  test(`--check-config refuses ${flags.join(' ')} naming ${key}`, async () => {
    const result = await run(ICEWAY_BIN, ['--check-config', ...base, '--listen', '127.0.0.1:0', ...flags]);
    const output = result.stdout + result.stderr;
    assert.notEqual(result.code, 0, output);
    assert.match(output, new RegExp(key.replace('.', '\\.')));
  });
}

test('the server does not start with an unspecified relay address, so it never advertises 0.0.0.0', async () => {
  const args = ['--listen', '127.0.0.1:0', '--relay-ip', '0.0.0.0', '--signal-listen', '127.0.0.1:0',
    '--admin-listen', '127.0.0.1:0', ...turnArgs];
  let server;
  try {
    server = await startIceway(args);
  } catch (error) {
    assert.match(error.message, /exited with [1-9][\s\S]*turn\.relay_ipv4/);
    return;
  }
  // It started: show what it tells clients, then fail.
  const client = await TurnClient.connect({ host: '127.0.0.1', port: server.udp[0].port });
  const answer = await client.allocate(restCredentials(SECRET, 'unspecified', nowUnix() + 600));
  client.close();
  await stopIceway(server);
  assert.fail(`iceway started with turn.relay_ipv4 = 0.0.0.0 and advertised ${JSON.stringify(answer.relayed)}`);
});

test('a loopback relay address warns when clients from other hosts are accepted, not on loopback only', async () => {
  const wide = await run(ICEWAY_BIN, ['--check-config', ...base, '--listen', '0.0.0.0:0', '--relay-ip', '127.0.0.1']);
  assert.equal(wide.code, 0, wide.stdout + wide.stderr);
  assert.match(wide.stdout + wide.stderr, /turn\.relay_ipv4 = "127\.0\.0\.1" is a loopback address/);
  const narrow = await run(ICEWAY_BIN, ['--check-config', ...base, '--listen', '127.0.0.1:0', '--relay-ip', '127.0.0.1']);
  assert.equal(narrow.code, 0, narrow.stdout + narrow.stderr);
  assert.doesNotMatch(narrow.stdout + narrow.stderr, /is a loopback address/);
});

test('a loopback-only server still relays on 127.0.0.1', async () => {
  const server = await startIceway([...loopbackArgs({ ipv6: false }), ...turnArgs]);
  try {
    const client = await TurnClient.connect({ host: '127.0.0.1', port: server.udp[0].port });
    const answer = await client.allocate(restCredentials(SECRET, 'loopback', nowUnix() + 600));
    assert.equal(answer.success, true);
    assert.equal(answer.relayed.address, '127.0.0.1');
    client.close();
  } finally {
    assert.equal(await stopIceway(server), 0, server.output());
  }
});
