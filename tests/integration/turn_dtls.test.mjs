// TURN over DTLS on the UDP side of the TLS port (turn.dtls, issue 15 part 4), from outside the
// real binary: a ClientHello without the cookie gets a HelloVerifyRequest and costs no state,
// however many sources send one; a client that starts over from the same address gets a new
// session; the certificate is the TLS one and a SIGHUP replaces it for new sessions;
// turn.dtls = false serves none. Relaying through DTLS with coturn's
// turnutils_uclient -S is in turn.test.mjs with the other transports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIceway, stopIceway, loopbackArgs, waitForOutput, makeCertificate } from './lib/iceway.mjs';
import { scrape, total } from './lib/ops.mjs';
import { turnArgs, freeUdpPort } from './lib/turn.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let dir;
let cert;
let key;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'iceway-dtls-'));
  cert = join(dir, 'cert.pem');
  key = join(dir, 'key.pem');
  await makeCertificate(cert, key);
});

after(() => rmSync(dir, { recursive: true, force: true }));

// A real ClientHello of OpenSSL's DTLS client, without a cookie: the first datagram of the
// checked-in fuzz seed (tests/turn/dtls_session_test.cpp writes it; a mode byte, a 2-byte
// length, the datagram).
function clientHello() {
  const seed = readFileSync(join(here, '..', 'fuzz', 'corpus', 'dtls_session_fuzz', 'hello_without_cookie'));
  return seed.subarray(3, 3 + seed.readUInt16BE(1));
}

// The SHA-256 fingerprint of the certificate a new DTLS session to `port` gets, from
// `openssl s_client -dtls1_2` (stdin closed: it ends after the handshake with close_notify),
// from local port `bind` when given.
function servedFingerprint(port, bind) {
  return new Promise((resolve, reject) => {
    const child = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-showcerts',
      ...(bind ? ['-bind', `127.0.0.1:${bind}`] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('close', () => {
      clearTimeout(timer);
      const pem = output.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/);
      if (!pem) return reject(new Error(`no certificate from s_client -dtls1_2:\n${output}`));
      resolve(new X509Certificate(pem[0]).fingerprint256);
    });
  });
}

test('ClientHellos without the cookie get a HelloVerifyRequest each and leave no session', { timeout: 60000 }, async () => {
  const server = await startIceway([...loopbackArgs(), ...turnArgs, '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`,
    '--tls-listen', '127.0.0.1:0']);
  try {
    assert.equal(server.dtls.length, 1, server.output());
    const hello = clientHello();
    const SOURCES = 300;
    const answers = await Promise.all(Array.from({ length: SOURCES }, () => new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      const timer = setTimeout(() => { socket.close(); reject(new Error('no answer to a ClientHello in 5 s')); }, 5000);
      socket.on('message', (message) => { clearTimeout(timer); socket.close(); resolve(message); });
      socket.send(hello, server.dtls[0].port, '127.0.0.1');
    })));
    for (const answer of answers) {
      assert.equal(answer[0], 22, 'a handshake record');
      assert.equal(answer[13], 3, 'hello_verify_request (RFC 6347 §4.2.1)');
      assert.equal(answer[13 + 12 + 2], 20, 'with iceway\'s 20-byte cookie');
    }
    const { families } = await scrape(server);
    assert.equal(total(families, 'iceway_turn_stream_clients_active', { transport: 'dtls' }), 0,
      'a cookie that never came back opened no session');
    // A real client returns the cookie and gets a session, served the TLS certificate.
    assert.equal(await servedFingerprint(server.dtls[0].port), new X509Certificate(readFileSync(cert)).fingerprint256);
  } finally {
    assert.equal(await stopIceway(server), 0, server.output());
  }
});

test('a client that starts over from the same address and port gets a new session', { timeout: 60000 }, async () => {
  const server = await startIceway([...loopbackArgs(), ...turnArgs, '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`,
    '--tls-listen', '127.0.0.1:0']);
  try {
    const port = server.dtls[0].port;
    const bind = await freeUdpPort(['127.0.0.1']);
    // A client that completes its handshake and dies without close_notify (stdin left open).
    const first = spawn('openssl', ['s_client', '-dtls1_2', '-connect', `127.0.0.1:${port}`, '-bind', `127.0.0.1:${bind}`],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => first.once('exit', resolve));
    try {
      await new Promise((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`s_client did not connect:\n${output}`)), 10000);
        first.stdout.on('data', (d) => {
          output += d;
          if (/Protocol\s*: DTLSv1\.2/.test(output)) { clearTimeout(timer); resolve(); }
        });
      });
    } finally {
      first.kill('SIGKILL');
      await exited;
    }
    let { families } = await scrape(server);
    assert.equal(total(families, 'iceway_turn_stream_clients_active', { transport: 'dtls' }), 1, 'the dead client\'s session');
    // The next client from the same port: its ClientHello reaches the old session's 5-tuple.
    assert.equal(await servedFingerprint(port, bind), new X509Certificate(readFileSync(cert)).fingerprint256);
    ({ families } = await scrape(server));
    assert.equal(total(families, 'iceway_turn_stream_clients_active', { transport: 'dtls' }), 0,
      'the old session was replaced, and the new one ended with its close_notify');
  } finally {
    assert.equal(await stopIceway(server), 0, server.output());
  }
});

test('a SIGHUP with a new certificate serves it to new DTLS sessions', { timeout: 60000 }, async () => {
  const config = join(dir, 'iceway.toml');
  writeFileSync(config, `[tls]\ncert = "${cert}"\nkey = "${key}"\n`);
  const server = await startIceway(['--config', config, ...loopbackArgs(), ...turnArgs, '--tls-listen', '127.0.0.1:0']);
  try {
    const port = server.dtls[0].port;
    const before = await servedFingerprint(port);
    await makeCertificate(cert, key);
    const renewed = new X509Certificate(readFileSync(cert)).fingerprint256;
    assert.notEqual(renewed, before);
    const since = server.output().length;
    server.child.kill('SIGHUP');
    await waitForOutput(server, /reload: configuration applied .*TLS certificate/, 5000, since);
    assert.equal(await servedFingerprint(port), renewed);
  } finally {
    assert.equal(await stopIceway(server), 0, server.output());
  }
});

test('turn.dtls = false: TLS alone, nothing answers on the UDP side', { timeout: 60000 }, async () => {
  const server = await startIceway([...loopbackArgs(), ...turnArgs, '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`,
    '--tls-listen', '127.0.0.1:0', '--set', 'turn.dtls=false']);
  try {
    assert.equal(server.tls.length, 1, server.output());
    assert.deepEqual(server.dtls, [], server.output());
    assert.doesNotMatch(server.output(), /TURN\/DTLS/);
    const socket = dgram.createSocket('udp4');
    const answered = await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), 1500);
      socket.on('message', () => { clearTimeout(timer); resolve(true); });
      socket.on('error', () => { clearTimeout(timer); resolve(false); });  // ICMP port unreachable
      socket.send(clientHello(), server.tls[0].port, '127.0.0.1');
    });
    socket.close();
    assert.equal(answered, false, 'no DTLS on the TLS port');
  } finally {
    assert.equal(await stopIceway(server), 0, server.output());
  }
});
