// The demo call page at / (issue 6), as a new user tries it: two tabs of one headless Chromium
// (fake camera and microphone) join one room, tick "relay only" and call. Signaling goes through
// iceway's /ws, media through its TURN server (the browser gathers nothing on loopback, so a
// call here can only work relayed). The test checks what the page's getStats() says (relay on
// both sides, decoded video frames), what iceway's metrics say (relayed bytes, allocations back
// to 0 after hang-up), the reject path, and that the page loads nothing from anywhere else.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { launchBrowser, testOutputDir, CHROMIUM_PATH } from './lib/browser.mjs';

const chromiumMissing = !existsSync(CHROMIUM_PATH);
const skip = chromiumMissing && `no Chromium at ${CHROMIUM_PATH}`;

let server;
let browser;
let base;
let alice;
let bob;
const foreignRequests = [];
const pageErrors = [];

// Built-in defaults as `make run` has them (development mode: a generated secret), on loopback.
const args = [...loopbackArgs(), '--set', 'server.drain_timeout=0s'];

async function metrics() {
  const response = await fetch(`http://${server.admin.host}:${server.admin.port}/metrics`);
  assert.equal(response.status, 200);
  return response.text();
}

// Sum of every sample of `name` (all label sets).
function sum(text, name) {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = line.match(/^(\w+)(?:\{[^}]*\})? (\S+)$/);
    if (match && match[1] === name) total += Number(match[2]);
  }
  return total;
}

// Polls `read` until `done(value)` holds; the last value is in the failure message.
async function until(read, done, what, timeoutMs = 60000, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

async function openPage(name) {
  const page = await browser.newPage();
  page.on('request', (request) => {
    if (!request.url().startsWith(`${base}/`) && !request.url().startsWith('ws://127.0.0.1:')) foreignRequests.push(request.url());
  });
  page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
  return page;
}

const stats = (page) => page.evaluate(() => window.icewayDemo.readStats());
const callState = (page) => page.evaluate(() => window.icewayDemo.call);

before(async () => {
  if (chromiumMissing) return;
  server = await startIceway(args);
  base = `http://127.0.0.1:${server.signal.port}`;
  // The banner's demo URL is the page this test opens.
  assert.match(server.output(), new RegExp(`Try it\\s+${base.replace(/\./g, '\\.')}/ `));
  browser = await launchBrowser({ fakeMedia: true });
  alice = await openPage('alice');
  bob = await openPage('bob');
});

after(async () => {
  if (browser) await browser.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

test('two tabs join a room: one by the form, one by a link with name and room', { skip }, async () => {
  await alice.goto(`${base}/`);
  await alice.getByLabel('Your name').fill('alice');
  await alice.getByLabel('Room', { exact: true }).fill('room-1');
  await alice.getByLabel('Relay only (TURN)').check();
  await alice.getByRole('button', { name: 'Join' }).click();
  await alice.locator('#room-panel').waitFor({ state: 'visible' });
  assert.equal(await alice.locator('#my-id').textContent(), 'alice');
  assert.match(await alice.locator('#st-server').textContent(), /connected as alice/);
  // The share link carries the room and the relay switch.
  const share = new URL(await alice.locator('#share-link').getAttribute('href'));
  assert.equal(share.searchParams.get('room'), 'room-1');
  assert.equal(share.searchParams.get('relay'), '1');

  await bob.goto(`${base}/?name=bob&room=room-1&relay=1`);
  await bob.locator('#room-panel').waitFor({ state: 'visible' });
  assert.equal(await bob.getByLabel('Relay only (TURN)').isChecked(), true);
  await bob.locator('#peers li[data-peer="alice"]').waitFor();
  await alice.locator('#peers li[data-peer="bob"]').waitFor();
});

test('a second tab with a name already in the room is told to pick another', { skip }, async () => {
  const third = await openPage('third');
  try {
    await third.goto(`${base}/?name=alice&room=room-1`);
    await third.locator('#message.error', { hasText: 'is in use' }).waitFor();
    assert.equal(await third.locator('#room-panel').isHidden(), true);
  } finally {
    await third.close();
  }
});

test('a relay-only call shows video on both sides through iceway, then hang-up clears both tabs and the allocations', { skip }, async () => {
  const before = await metrics();
  assert.equal(sum(before, 'iceway_turn_allocations_active'), 0);

  await alice.getByRole('button', { name: 'Call bob' }).click();
  await bob.locator('#incoming', { hasText: 'alice is calling you.' }).waitFor();
  await bob.getByRole('button', { name: 'Accept' }).click();

  // Both sides: the selected pair is relay/relay and video frames arrive decoded.
  const ready = (s) => s && s.local?.type === 'relay' && s.remote?.type === 'relay' && s.framesDecoded > 0;
  const [aliceStats, bobStats] = await Promise.all([
    until(() => stats(alice), ready, 'alice: relay pair with decoded video'),
    until(() => stats(bob), ready, 'bob: relay pair with decoded video'),
  ]);
  for (const s of [aliceStats, bobStats]) {
    assert.equal(s.local.address, '127.0.0.1', JSON.stringify(s));
    assert.equal(s.remote.address, '127.0.0.1', JSON.stringify(s));
    assert.equal(s.iceConnectionState === 'connected' || s.iceConnectionState === 'completed', true, JSON.stringify(s));
  }
  assert.equal((await callState(alice)).state, 'connected');
  assert.equal((await callState(bob)).state, 'connected');

  // The status panel shows it too (refreshed every second).
  for (const page of [alice, bob]) {
    await until(() => page.locator('#st-local').textContent(), (text) => /^relay udp .*127\.0\.0\.1:\d+$/.test(text), 'panel: local relay');
    await until(() => page.locator('#st-frames').textContent(), (text) => Number(text) > 0, 'panel: frames decoded');
    assert.equal(await page.locator('#st-policy').textContent(), 'relay only (TURN)');
    assert.match(await page.locator('#st-signaling').textContent(), /^stable$/);
    assert.match(await page.locator('#st-remote').textContent(), /^relay udp 127\.0\.0\.1:\d+$/);
  }

  // iceway relayed what the browsers received: every byte either page got came through a relay,
  // and the counter has both directions of it.
  const received = (await stats(alice)).bytesReceived + (await stats(bob)).bytesReceived;
  assert.ok(received > 10000, `only ${received} bytes received`);
  const during = await metrics();
  const relayed = sum(during, 'iceway_turn_relay_bytes_total') - sum(before, 'iceway_turn_relay_bytes_total');
  assert.ok(relayed >= received, `iceway relayed ${relayed} bytes, the pages received ${received}`);
  assert.ok(sum(during, 'iceway_turn_allocations_active') >= 2, during);

  const out = testOutputDir('demo');
  await alice.screenshot({ path: join(out, 'call-alice.png'), fullPage: true });
  await bob.screenshot({ path: join(out, 'call-bob.png'), fullPage: true });

  await alice.getByRole('button', { name: 'Hang up' }).click();
  await bob.locator('#message', { hasText: 'alice hung up.' }).waitFor();
  for (const page of [alice, bob]) {
    assert.equal(await callState(page), null);
    assert.equal(await page.locator('#call-controls').isHidden(), true);
    assert.equal(await page.evaluate(() => document.getElementById('remote-video').srcObject), null);
    assert.equal(await page.locator('#st-local').textContent(), '–');
    // Still in the room, ready for the next call.
    assert.equal(await page.getByRole('button', { name: /^Call / }).isEnabled(), true);
  }
  // Closing the RTCPeerConnection released the TURN allocations.
  await until(metrics, (text) => sum(text, 'iceway_turn_allocations_active') === 0, 'allocations back to 0', 30000);
});

test('a rejected call ends on both sides and allocates nothing', { skip }, async () => {
  const allocationsBefore = sum(await metrics(), 'iceway_turn_allocations_total');
  await bob.getByRole('button', { name: 'Call alice' }).click();
  await alice.locator('#incoming', { hasText: 'bob is calling you.' }).waitFor();
  assert.equal((await callState(bob)).state, 'calling');
  await alice.getByRole('button', { name: 'Reject' }).click();
  await bob.locator('#message', { hasText: 'alice declined the call.' }).waitFor();
  assert.equal(await callState(alice), null);
  assert.equal(await callState(bob), null);
  assert.equal(await alice.locator('#incoming').isHidden(), true);
  assert.equal(await bob.locator('#call-controls').isHidden(), true);
  // The offer is made only after an accept, so ringing and rejecting cost no allocation.
  const after = await metrics();
  assert.equal(sum(after, 'iceway_turn_allocations_total'), allocationsBefore);
  assert.equal(sum(after, 'iceway_turn_allocations_active'), 0);
});

test('leaving the room tells the other tab', { skip }, async () => {
  await bob.getByRole('button', { name: 'Leave' }).click();
  await alice.locator('#peers li[data-peer="bob"]').waitFor({ state: 'detached' });
  await alice.locator('#no-peers').waitFor({ state: 'visible' });
});

test('the page loaded nothing from another origin and threw nothing', { skip }, () => {
  assert.deepEqual(foreignRequests, []);
  assert.deepEqual(pageErrors, []);
});
