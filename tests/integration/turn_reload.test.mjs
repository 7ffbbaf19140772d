// SIGHUP on the real iceway binary (SPEC §3, issue 3): secrets rotate (the first signs, all
// verify) and the TLS certificate is reloaded while allocations keep relaying; a secret taken
// out of the file stops verifying.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, waitForOutput, makeCertificate } from './lib/iceway.mjs';
import { TurnClient, startPeer, uclient, restCredentials, nowUnix } from './lib/turn.mjs';

let dir;
let configPath;
let cert;
let key;
let server;
let peer;

function writeConfig(secrets, { allowLoopback = true } = {}) {
  writeFileSync(configPath, `[auth]
secrets = ${JSON.stringify(secrets)}

[peers]
allow_loopback = ${allowLoopback}

[tls]
cert = "${cert}"
key = "${key}"
`);
}

// Resolves with what the reload log line says changed.
async function reload(secrets, options) {
  const since = server.output().length;
  writeConfig(secrets, options);
  server.child.kill('SIGHUP');
  return (await waitForOutput(server, /reload: configuration applied from \S+; changed: (.*)/, 5000, since))[1];
}

async function newCertificate() {
  await makeCertificate(cert, key);
  return new X509Certificate(readFileSync(cert)).fingerprint256;
}

// The SHA-256 fingerprint of the certificate a new TLS connection to the turns: port gets.
function servedFingerprint() {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: server.tls[0].port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.on('error', reject);
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-reload-'));
  configPath = join(dir, 'iceway.toml');
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  await newCertificate();
  writeConfig(['old-secret']);
  server = await startIceway([...loopbackArgs(), '--config', configPath, '--tls-listen', '127.0.0.1:0',
    '--set', 'server.drain_timeout=0s', '--set', 'turn.max_allocations_per_ip=1000']);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const udpPort = () => server.udp.find((e) => e.family === 4).port;

async function tryAllocate(secret, user) {
  const client = await TurnClient.connect({ host: '127.0.0.1', port: udpPort() });
  const answer = await client.allocate(restCredentials(secret, user, nowUnix() + 600));
  return { client, answer };
}

test('secrets rotate on SIGHUP while TLS and UDP allocations keep relaying', { timeout: 90000 }, async () => {
  // A live allocation made with the old secret, relaying to a peer socket of the test's own.
  const { client: live, answer } = await tryAllocate('old-secret', 'live');
  assert.equal(answer.success, true);
  const target = dgram.createSocket('udp4');
  await new Promise((resolve) => target.bind(0, '127.0.0.1', resolve));
  const targetEndpoint = { address: '127.0.0.1', port: target.address().port };
  assert.equal((await live.createPermission(targetEndpoint)).success, true);

  // uclient over TLS across both reloads (200 messages take several seconds).
  const running = uclient({ host: '127.0.0.1', port: server.tls[0].port, transport: 'tls', user: 'across-reload',
    secret: 'old-secret', clients: 2, messages: 100, peer: { address: '127.0.0.1', port: peer.port } });
  await new Promise((resolve) => setTimeout(resolve, 2000));

  // Rotation: the new secret signs, the old one still verifies.
  await reload(['new-secret', 'old-secret']);
  for (const secret of ['new-secret', 'old-secret']) {
    const { client, answer: rotated } = await tryAllocate(secret, `rotated-${secret}`);
    assert.equal(rotated.success, true, `${secret}: error ${rotated.code}`);
    client.close();
  }

  // The old secret removed: it no longer verifies.
  await reload(['new-secret']);
  const { client: refused, answer: stale } = await tryAllocate('old-secret', 'retired');
  assert.equal(stale.code, 401);
  refused.close();

  // Nothing live was dropped: the old allocation still relays both ways...
  target.send('after reload', answer.relayed.port, '127.0.0.1');
  assert.equal((await live.nextData()).data.toString(), 'after reload');
  // ...and the TLS sessions relayed every message across both reloads.
  const result = await running;
  const why = `${result.command}\n${result.output}`;
  assert.equal(result.code, 0, why);
  assert.equal(result.sent, 200, why);
  assert.equal(result.received, 200, why);
  assert.equal(result.lost, 0, why);
  assert.doesNotMatch(server.output(), /allocation ended: user=live /);
  target.close();
  live.close();
});

test('a renewed certificate is served to new connections and reported; unchanged files are not', { timeout: 60000 }, async () => {
  const before = await servedFingerprint();
  assert.equal(before, new X509Certificate(readFileSync(cert)).fingerprint256);
  assert.doesNotMatch(await reload(['new-secret']), /TLS certificate/);
  assert.equal(await servedFingerprint(), before);

  const renewed = await newCertificate();  // as certbot renews: new files at the same paths
  assert.notEqual(renewed, before);
  assert.match(await reload(['new-secret']), /TLS certificate/);
  assert.equal(await servedFingerprint(), renewed);
});

test('a SIGHUP that tightens [peers] stops existing permissions and channels at once', { timeout: 60000 }, async () => {
  await reload(['peers-secret']);
  const { client, answer } = await tryAllocate('peers-secret', 'tightened');
  assert.equal(answer.success, true);
  const target = dgram.createSocket('udp4');
  await new Promise((resolve) => target.bind(0, '127.0.0.1', resolve));
  const received = [];
  target.on('message', (m) => received.push(m.toString()));
  const targetEndpoint = { address: '127.0.0.1', port: target.address().port };
  try {
    assert.equal((await client.createPermission(targetEndpoint)).success, true);
    assert.equal((await client.channelBind(0x4001, targetEndpoint)).success, true);
    client.channelData(0x4001, Buffer.from('before'));
    const deadline = Date.now() + 5000;
    while (!received.includes('before') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(received, ['before']);

    // Loopback peers are no longer allowed: the permission and channel go now, not when
    // they would have expired (300 s, 600 s). (The worker may also remove what earlier tests
    // left, hence "at least one".)
    const since = server.output().length;
    await reload(['peers-secret'], { allowLoopback: false });
    await waitForOutput(server, /peer policy re-checked: removed [1-9]\d* permission\(s\) and [1-9]\d* channel\(s\)/, 5000, since);
    client.channelData(0x4001, Buffer.from('channel after'));
    client.sendIndication(targetEndpoint, 'send after');
    target.send('from the peer after', answer.relayed.port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(received, ['before']);
    await assert.rejects(client.nextData(200));
  } finally {
    await reload(['peers-secret']);
    target.close();
    client.close();
  }
});
