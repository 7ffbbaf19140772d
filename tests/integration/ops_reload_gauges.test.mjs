// The reload and certificate gauges on the real binary (issue 14 part 2): at start
// iceway_config_last_reload_success is 1 and iceway_tls_certificate_expiry_timestamp_seconds is
// the served certificate's notAfter; a refused SIGHUP sets the success gauge to 0 (the alert
// IcewayConfigReloadFailed) and moves the timestamp; a reload with a renewed certificate sets
// it back to 1 and the expiry to the new certificate's; a certificate that cannot be loaded
// counts as a failed reload. Without TLS the expiry gauge is absent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, run, waitForOutput } from './lib/iceway.mjs';
import { scrape, total } from './lib/ops.mjs';

let dir;
let configPath;
let cert;
let key;
let server;

function writeConfig({ certPath = cert, broken = false } = {}) {
  writeFileSync(configPath, `[auth]
secrets = ["gauge-secret"]
${broken ? 'no_such_key = 1\n' : ''}
[tls]
cert = "${certPath}"
key = "${key}"
`);
}

// A self-signed certificate valid for `days`, written over `cert` and `key` (as certbot
// renews: new files at the same paths); resolves with its notAfter in Unix seconds.
async function makeCertificate(days) {
  const openssl = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(days),
    '-subj', '/CN=localhost', '-keyout', key, '-out', cert]);
  assert.equal(openssl.code, 0, openssl.stderr);
  return Date.parse(new X509Certificate(readFileSync(cert)).validTo) / 1000;
}

async function gauges() {
  const { families } = await scrape(server);
  const value = (name) => (families.has(name) ? total(families, name) : undefined);
  return {
    success: value('iceway_config_last_reload_success'),
    at: value('iceway_config_last_reload_timestamp_seconds'),
    expiry: value('iceway_tls_certificate_expiry_timestamp_seconds'),
  };
}

// Sends SIGHUP and resolves with the output the reload logged, once it matches `pattern`.
async function reload(pattern) {
  const since = server.output().length;
  server.child.kill('SIGHUP');
  await waitForOutput(server, pattern, 10000, since);
  return server.output().slice(since);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-gauges-'));
  configPath = join(dir, 'iceway.toml');
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('reload success, its time and the certificate expiry follow what the server loaded', async () => {
  const firstExpiry = await makeCertificate(30);
  writeConfig();
  const started = Date.now() / 1000;
  server = await startIceway([...loopbackArgs(), '--config', configPath, '--tls-listen', '127.0.0.1:0']);

  const atStart = await gauges();
  assert.equal(atStart.success, 1);
  assert.ok(atStart.at >= started - 1 && atStart.at <= Date.now() / 1000 + 1, `start load at ${atStart.at}`);
  assert.equal(atStart.expiry, firstExpiry);

  // A refused file: the server keeps the old config, and says so in the gauge.
  writeConfig({ broken: true });
  await reload(/still running with the old one/);
  const refused = await gauges();
  assert.equal(refused.success, 0);
  assert.ok(refused.at >= atStart.at, `${refused.at} before ${atStart.at}`);
  assert.equal(refused.expiry, firstExpiry);

  // A renewal picked up by the reload: applied, and the new expiry is exported.
  const renewedExpiry = await makeCertificate(90);
  assert.ok(renewedExpiry > firstExpiry + 50 * 86400);
  writeConfig();
  await reload(/reload: configuration applied/);
  const renewed = await gauges();
  assert.equal(renewed.success, 1);
  assert.ok(renewed.at >= refused.at);
  assert.equal(renewed.expiry, renewedExpiry);

  // A certificate file OpenSSL cannot load (a half-written renewal): the rest applies, the old
  // certificate stays, and the reload counts as failed so the alert tells the operator.
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, 'not a certificate\n');
  writeConfig({ certPath: garbage });
  const logged = await reload(/reload: configuration applied/);
  assert.match(logged, /garbage\.pem.*keeping the previous certificate/);
  const halfWritten = await gauges();
  assert.equal(halfWritten.success, 0);
  assert.equal(halfWritten.expiry, renewedExpiry);
});

test('without TLS the certificate expiry is absent and the start counts as an applied load', async () => {
  const plain = await startIceway(loopbackArgs());
  try {
    const { families } = await scrape(plain);
    assert.equal(families.has('iceway_tls_certificate_expiry_timestamp_seconds'), false);
    assert.equal(total(families, 'iceway_config_last_reload_success'), 1);
  } finally {
    assert.equal(await stopIceway(plain), 0, plain.output());
  }
});
