// The ICE test page at /ice-test (issue 6), as an operator uses it to check a deployment: it takes
// fresh credentials from the signaling welcome and gathers candidates in headless Chromium
// against each STUN and TURN URL iceway hands out (turn: over UDP and TCP, and turns: since this
// server has a certificate). Each TURN URL must show a relay candidate and a "works" verdict.
// A second server advertises a host where nothing listens (a wrong public_host, or a firewall):
// each TURN URL must then get a failure verdict that says what to check.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, makeCertificate } from './lib/iceway.mjs';
import { launchBrowser, testOutputDir, CHROMIUM_PATH } from './lib/browser.mjs';

const chromiumMissing = !existsSync(CHROMIUM_PATH);
const skip = chromiumMissing && `no Chromium at ${CHROMIUM_PATH}`;

let dir;
let server;
let unreachable;
let browser;
const pageErrors = [];

before(async () => {
  if (chromiumMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'iceway-ice-test-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await makeCertificate(cert, key);
  const tls = ['--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`, '--tls-listen', '127.0.0.1:0'];
  server = await startIceway([...loopbackArgs(), ...tls, '--set', 'server.drain_timeout=0s']);
  // Nothing listens on 127.0.0.2, but the URLs this one hands out name it.
  unreachable = await startIceway([...loopbackArgs({ ipv6: false }), '--public-host', '127.0.0.2',
    '--set', 'server.drain_timeout=0s']);
  // The throwaway certificate is self-signed: Chromium's turns: client must accept it.
  browser = await launchBrowser({ args: ['--ignore-certificate-errors'] });
});

after(async () => {
  if (browser) await browser.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (unreachable) assert.equal(await stopIceway(unreachable), 0, unreachable.output());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Opens /ice-test on `target` (plain HTTP: the listener takes both on one port), waits until
// every URL has a verdict, saves a screenshot; resolves with the page and its results.
async function runPage(target, screenshot) {
  const page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`http://127.0.0.1:${target.signal.port}/ice-test`);
  await page.locator('body[data-done="true"]').waitFor({ timeout: 90000 });
  const results = await page.evaluate(() => window.iceTest.results);
  await page.screenshot({ path: join(testOutputDir('demo'), screenshot), fullPage: true });
  return { page, results };
}

const turnUrls = (results) => results.filter((r) => /^turns?:/.test(r.url));

test('every configured TURN URL (UDP, TCP, TLS) gets a relay candidate and a "works" verdict', { skip }, async () => {
  const { page, results } = await runPage(server, 'ice-test.png');
  try {
    const tcpPort = server.tcp.find((e) => e.family === 4).port;
    const udpPort = server.udp.find((e) => e.family === 4).port;
    const tlsPort = server.tls[0].port;
    assert.deepEqual(results.map((r) => r.url).sort(), [
      `stun:127.0.0.1:${udpPort}`,
      `turn:127.0.0.1:${udpPort}?transport=udp`,
      `turn:127.0.0.1:${tcpPort}?transport=tcp`,
      `turns:127.0.0.1:${tlsPort}?transport=tcp`,
    ].sort());
    const expected = { 'transport=udp': 'TURN over UDP works', 'transport=tcp': 'TURN over TCP works' };
    for (const result of turnUrls(results)) {
      const relays = result.candidates.filter((c) => c.type === 'relay');
      assert.ok(relays.length >= 1, `${result.url}: ${JSON.stringify(result)}`);
      for (const relay of relays) {
        assert.equal(relay.address, '127.0.0.1');
        assert.ok(relay.port > 0 && relay.ms >= 0, JSON.stringify(relay));
      }
      assert.equal(result.ok, true, JSON.stringify(result));
      const words = result.url.startsWith('turns:') ? 'TURN over TLS works' : expected[result.url.split('?')[1]];
      assert.ok(result.text.startsWith(words), `${result.url}: ${result.text}`);
      // What the operator sees: the verdict line and a table row per candidate.
      const section = page.locator(`section[data-url="${result.url}"]`);
      assert.equal(await section.locator('.verdict').getAttribute('data-verdict'), 'ok');
      assert.match(await section.locator('.verdict').textContent(), new RegExp(`^✔ ${words}: relay address 127\\.0\\.0\\.1:\\d+`));
      assert.ok(await section.locator('tr[data-type="relay"]').count() >= 1);
    }
    // iceway made the allocations for the page's fresh credentials (bound to a random signaling id).
    for (const transport of ['udp', 'tcp', 'tls']) {
      assert.match(server.output(), new RegExp(`allocation created: user=[0-9a-f-]{36} client=${transport} `));
    }
    // The STUN row has a verdict too (on a loopback-only machine Chromium has no address to ask from).
    const stun = results.find((r) => r.url.startsWith('stun:'));
    assert.equal(typeof stun.ok, 'boolean');
    assert.match(stun.text, /^(STUN works|no server-reflexive candidate)/);
  } finally {
    await page.close();
  }
});

test('a TURN URL nobody answers gets a failure verdict that says what to check', { skip }, async () => {
  const { page, results } = await runPage(unreachable, 'ice-test-unreachable.png');
  try {
    const turn = turnUrls(results);
    assert.equal(turn.length, 2, JSON.stringify(results));  // no certificate: no turns:
    for (const result of turn) {
      assert.equal(result.ok, false, JSON.stringify(result));
      assert.deepEqual(result.candidates.filter((c) => c.type === 'relay'), []);
      const transport = result.url.endsWith('transport=tcp') ? 'TCP' : 'UDP';
      assert.match(result.text, new RegExp(`^no relay candidate: check that ${transport} \\d+ is open to 127\\.0\\.0\\.2, and that UDP 49152–65535`));
      const verdict = page.locator(`section[data-url="${result.url}"] .verdict`);
      assert.equal(await verdict.getAttribute('data-verdict'), 'fail');
    }
    assert.match(await page.locator('#summary').textContent(), /no TURN URL works/);
    assert.doesNotMatch(unreachable.output(), /allocation created/);
  } finally {
    await page.close();
  }
});

test('the page threw nothing', { skip }, () => {
  assert.deepEqual(pageErrors, []);
});
