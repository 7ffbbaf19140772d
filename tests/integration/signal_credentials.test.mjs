// Who gets TURN credentials in the /ws welcome (issue 11, finding 4; SPEC §2), against the real
// iceway binary with a TURN secret, i.e. outside development mode: an anonymous client that
// names itself alice gets no credentials (so it cannot spend alice's allocations), a client
// with a token gets them for the token's subject, signal.anonymous_credentials = true hands
// them to anyone and --check-config warns about it; without a config file (development mode,
// `make run`) anonymous clients still get them.
import { test, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopIceway, loopbackArgs, run, ICEWAY_BIN } from './lib/iceway.mjs';
import { TurnClient, SECRET, turnArgs } from './lib/turn.mjs';
import { startSignalServer, connectNative, mintToken } from './lib/signal.mjs';

const TOKEN_SECRET = 'credentials-integration-jwt-secret';
const servers = [];
const clients = [];
after(async () => {
  await Promise.all(clients.splice(0).map((c) => c.terminate()));
  for (const server of servers) assert.equal(await stopIceway(server), 0, server.output());
});

async function serverWith(args) {
  const server = await startSignalServer([...loopbackArgs({ ipv6: false }), ...args]);
  servers.push(server);
  return server;
}
async function welcomeOf(server, query) {
  const { client, welcome } = await connectNative(server, query);
  clients.push(client);
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  return welcome;
}
const turnEntry = (welcome) => welcome.iceServers.find((s) => 'username' in s || 'credential' in s);

// A real Allocate with the welcome's credentials.
async function allocateWith(server, entry) {
  const turn = await TurnClient.connect({ host: '127.0.0.1', port: server.udp.find((e) => e.family === 4).port });
  try {
    return await turn.allocate({ username: entry.username, password: entry.credential });
  } finally {
    turn.close();
  }
}

const production = [...turnArgs, '--set', `signal.token_secret="${TOKEN_SECRET}"`];

describe('outside development mode', () => {
  test('an anonymous /ws?id=alice gets the STUN URL, no credentials and ttl 0', async () => {
    const server = await serverWith(production);
    const welcome = await welcomeOf(server, '?id=alice');
    assert.equal(welcome.id, 'alice');
    assert.equal(turnEntry(welcome), undefined, JSON.stringify(welcome));
    assert.equal(welcome.ttl, 0);
    const udpPort = server.udp.find((e) => e.family === 4).port;
    assert.deepEqual(welcome.iceServers, [{ urls: [`stun:127.0.0.1:${udpPort}`] }]);
    // A random id is just as anonymous.
    assert.equal(turnEntry(await welcomeOf(server, '')), undefined);
  });

  test('a token gets credentials bound to its subject that allocate for real', async () => {
    const server = await serverWith(production);
    const token = mintToken(TOKEN_SECRET, { sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 });
    const welcome = await welcomeOf(server, `?token=${token}`);
    const entry = turnEntry(welcome);
    assert.ok(entry?.username.endsWith(':alice'), JSON.stringify(welcome));
    assert.equal(entry.credential, createHmac('sha1', SECRET).update(entry.username).digest('base64'));
    assert.equal(welcome.ttl, 86400);
    assert.equal((await allocateWith(server, entry)).success, true);
  });

  test('signal.anonymous_credentials = true hands them to anonymous clients', async () => {
    const server = await serverWith([...production, '--set', 'signal.anonymous_credentials=true']);
    const welcome = await welcomeOf(server, '?id=alice');
    const entry = turnEntry(welcome);
    assert.ok(entry?.username.endsWith(':alice'), JSON.stringify(welcome));
    assert.equal((await allocateWith(server, entry)).success, true);
  });
});

test('--check-config warns about signal.anonymous_credentials and still accepts the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'iceway-anonymous-'));
  try {
    const path = join(dir, 'iceway.toml');
    writeFileSync(path, '[auth]\nsecrets = ["s"]\n\n[signal]\nanonymous_credentials = false\n');
    const quiet = await run(ICEWAY_BIN, ['--check-config', '--config', path]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /anonymous_credentials/);

    writeFileSync(path, '[auth]\nsecrets = ["s"]\n\n[signal]\nanonymous_credentials = true\n');
    const warned = await run(ICEWAY_BIN, ['--check-config', '--config', path]);
    assert.equal(warned.code, 0, warned.stderr);
    assert.match(warned.stderr, /^warning: signal\.anonymous_credentials is on: anyone who can open \/ws gets TURN credentials/m);
    assert.match(warned.stdout, /configuration OK/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('development mode (no config, no secret) still gives anonymous clients credentials', async () => {
  const server = await serverWith(['--set', 'server.drain_timeout=0s']);
  const entry = turnEntry(await welcomeOf(server, '?id=alice'));
  assert.ok(entry?.username.endsWith(':alice'));
  assert.equal((await allocateWith(server, entry)).success, true);
});
