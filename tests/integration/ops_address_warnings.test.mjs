// `iceway --check-config` and the startup banner of the real binary warn about addresses that
// make a valid configuration useless or exposed (issue 14 part 4): a private, carrier-grade NAT
// or documentation relay / advertised address without server.external_ip, and an admin
// listener that is not on loopback; and stay quiet when external_ip maps the private address.
// The relay addresses are given explicitly so the test does not depend on this host's own.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, run, waitForOutput, ICEWAY_BIN } from './lib/iceway.mjs';

let dir;
let config;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-address-warnings-'));
  config = join(dir, 'iceway.toml');
  writeFileSync(config, '[auth]\nsecrets = ["address-warnings"]\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

// A public-looking base (198.18/15, the benchmarking range, is not warned about), loopback admin.
// Each case replaces one of these flags (each may be given once) or adds a --set.
const base = ({ relay4 = '198.18.0.1', relay6 = '2a01:4f8::1', admin = '127.0.0.1:9641' } = {}) => ['--check-config',
  '--config', config, '--listen', '0.0.0.0:3478', '--relay-ip', relay4, '--relay-ipv6', relay6,
  '--set', 'server.public_host="turn.example.net"', '--admin-listen', admin];

const cases = [
  { name: 'a public server', flags: [], warnings: [] },
  { name: 'a private relay without external_ip', use: { relay4: '10.0.0.5' }, flags: [],
    warnings: [/^warning: turn\.relay_ipv4 = "10\.0\.0\.5" is private \(RFC 1918\), and server\.external_ip is not set.*server\.external_ip = "PUBLIC\/10\.0\.0\.5"/m] },
  { name: 'a private relay mapped by external_ip', use: { relay4: '10.0.0.5' }, flags: ['--set', 'server.external_ip="198.18.0.1/10.0.0.5"'],
    warnings: [] },
  { name: 'a carrier-grade NAT relay', use: { relay4: '100.64.0.9' }, flags: [], warnings: [/turn\.relay_ipv4 = "100\.64\.0\.9" is in the carrier-grade NAT range/] },
  { name: 'a unique local IPv6 relay', use: { relay6: 'fd00::9' }, flags: [], warnings: [/turn\.relay_ipv6 = "fd00::9" is a unique local address/] },
  { name: 'a documentation address advertised', flags: ['--set', 'server.public_host="203.0.113.5"'],
    warnings: [/server\.public_host = "203\.0\.113\.5" .* is a documentation address \(RFC 5737\)/] },
  { name: 'a documentation external_ip', flags: ['--set', 'server.external_ip="2001:db8::1"'],
    warnings: [/server\.external_ip = "2001:db8::1" is a documentation address \(RFC 3849\)/] },
  { name: 'admin on every address', use: { admin: '0.0.0.0:9641' }, flags: [],
    warnings: [/^warning: admin\.listen = "0\.0\.0\.0:9641" is not a loopback address: \/metrics/m] },
];

for (const c of cases) {
  test(`--check-config on ${c.name}: ${c.warnings.length} warning(s), still OK`, async () => {
    const result = await run(ICEWAY_BIN, [...base(c.use), ...c.flags]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /configuration OK/);
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    assert.equal(warnings.length, c.warnings.length, result.stderr);
    for (const pattern of c.warnings) assert.match(result.stderr, pattern);
  });
}

test('the startup banner and the log repeat the warning', async () => {
  // Listening and relaying on loopback only; the advertised host is what is wrong.
  const server = await startIceway([...loopbackArgs({ ipv6: false }), '--config', config,
    '--set', 'server.public_host="192.168.7.7"']);
  try {
    await waitForOutput(server, /^  Warning      server\.public_host = "192\.168\.7\.7" .* is private \(RFC 1918\)/m);
    await waitForOutput(server, /warn.*server\.public_host = "192\.168\.7\.7"/);
  } finally {
    assert.equal(await stopIceway(server), 0, server.output());
  }
});
