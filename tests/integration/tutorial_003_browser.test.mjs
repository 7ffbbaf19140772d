// Tutorial 003's own call page (tests/integration/tutorials/003/main.html: the tutorial's HTML and
// script, with only the WebSocket URL pointed at iceway and naming the local user) in two Chromium
// tabs with fake media, against iceway started with deploy/profiles/tutorial-003.toml. The page
// reads its user from ?localUser= (set by the tutorial's login page). The call must connect with
// remote video decoded on both sides, and hang-up ("leave") must end it on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { launchBrowser, testOutputDir } from './lib/browser.mjs';

const PAGE = fileURLToPath(new URL('./tutorials/003/main.html', import.meta.url));
const PROFILE = fileURLToPath(new URL('../../deploy/profiles/tutorial-003.toml', import.meta.url));

let server;
let browser;
let site;

before(async () => {
  site = mkdtempSync(join(tmpdir(), 'iceway-tutorial-003-'));
  copyFileSync(PAGE, join(site, 'main.html'));
  server = await startIceway(['--config', PROFILE, ...loopbackArgs({ ipv6: false }), '--set', `signal.static_dir="${site}"`]);
  browser = await launchBrowser({ fakeMedia: true });
});

after(async () => {
  if (browser) await browser.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (site) rmSync(site, { recursive: true, force: true });
});

async function open(user) {
  const page = await browser.newPage();
  const ready = page.waitForEvent('console', { predicate: (m) => m.text().includes('Connected to the signaling server'), timeout: 10000 });
  await page.goto(`http://${server.signal.host}:${server.signal.port}/main.html?localUser=${user}`);
  await ready;
  // The page makes its RTCPeerConnection once the camera is open.
  await until(`${user}'s connection`, () => page.evaluate(() => typeof yourConn !== 'undefined' && yourConn !== undefined));
  return page;
}

const framesDecoded = (page) => page.evaluate(async () => {
  let frames = 0;
  (await yourConn.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0; });
  return frames;
});

async function until(what, check, ms = 30000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('two tabs call each other through the page\'s own UI, video decodes both ways, hang-up ends both', { timeout: 90000 }, async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  try {
    await alice.fill('.inputUser', 'bob');
    await alice.click('.callBtn');
    await until('video decoded on both sides', async () => (await framesDecoded(alice)) > 0 && (await framesDecoded(bob)) > 0);
    await alice.click('.hangUpBtn');
    await until('both connections closed', async () =>
      (await alice.evaluate(() => yourConn.signalingState === 'closed')) &&
      (await bob.evaluate(() => yourConn.signalingState === 'closed')));
  } catch (error) {
    const dir = testOutputDir('tutorial_003');
    await alice.screenshot({ path: join(dir, 'alice.png') }).catch(() => {});
    await bob.screenshot({ path: join(dir, 'bob.png') }).catch(() => {});
    writeFileSync(join(dir, 'iceway.log'), server.output());
    throw error;
  } finally {
    await alice.close();
    await bob.close();
  }
});
