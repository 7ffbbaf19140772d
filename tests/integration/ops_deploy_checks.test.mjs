// docs/deploy.md's "Start and check" commands, run as written against the real binary
// (issue 14 part 4): `iceway credentials` prints credentials, and the turnutils_uclient line,
// with those credentials pasted in, relays through the server without an error. Only what a
// reader fills in is changed: the config path, the <…> values, the host (127.0.0.1 here)
// and the port (-p: the test server listens on an ephemeral one, the doc's is 3478).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, run, ICEWAY_BIN } from './lib/iceway.mjs';

const deployDoc = readFileSync(new URL('../../docs/deploy.md', import.meta.url), 'utf8');
let dir;
let config;
let server;

// The one line of the doc that starts with `prefix`, split into words like sh would for
// these lines (single quotes only).
function docCommand(prefix) {
  const lines = deployDoc.split('\n').filter((line) => line.startsWith(prefix));
  assert.equal(lines.length, 1, `one "${prefix}" line in docs/deploy.md: ${JSON.stringify(lines)}`);
  return [...lines[0].matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-deploy-checks-'));
  config = join(dir, 'iceway.toml');
  writeFileSync(config, '[auth]\nsecrets = ["deploy-check-secret"]\n\n[server]\ndrain_timeout = "0s"\n');
  server = await startIceway([...loopbackArgs({ ipv6: false }), '--config', config]);
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the credentials and turnutils_uclient checks of docs/deploy.md pass as written', async () => {
  const [, ...credentialArgs] = docCommand('iceway credentials ').map((word) => (word === '/etc/iceway/iceway.toml' ? config : word));
  const printed = await run(ICEWAY_BIN, credentialArgs);
  assert.equal(printed.code, 0, printed.stderr);
  const turn = JSON.parse(printed.stdout).iceServers.find((entry) => entry.username);
  assert.ok(turn, printed.stdout);

  const port = server.udp.find((e) => e.family === 4).port;
  const [tool, ...words] = docCommand('turnutils_uclient ');
  const args = words.map((word) => ({ '<username>': turn.username, '<credential>': turn.credential }[word] ?? word));
  assert.equal(args.at(-1), 'turn.example.com');
  args.splice(-1, 1, '-p', String(port), '127.0.0.1');
  const result = await run(tool, args, { timeoutMs: 60000 });
  const output = result.stdout + result.stderr;
  assert.equal(result.code, 0, output);
  assert.doesNotMatch(output, /error \d{3}/i, output);
  const totals = output.match(/start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/);
  assert.ok(totals && Number(totals[1]) > 0 && totals[1] === totals[2], output);
  assert.doesNotMatch(server.output(), /refused: /);
});
