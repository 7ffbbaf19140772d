// Tutorial 003's own call page (tests/integration/tutorials/003/main.html: the tutorial's HTML and
// script, with only the WebSocket URL pointed at iceway and naming the local user) in two Chromium
// tabs with fake media, against iceway started with deploy/profiles/tutorial-003.toml. The page
// reads its user from ?localUser= (set by the tutorial's login page). The call must connect with
// remote video decoded on both sides, and hang-up ("leave") must end it on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveTutorial, keepEvidence } from './lib/tutorial.mjs';
import { until } from './lib/ops.mjs';

const PAGE = fileURLToPath(new URL('./tutorials/003/main.html', import.meta.url));

let tutorial;

before(async () => { tutorial = await serveTutorial('tutorial-003', { 'main.html': readFileSync(PAGE, 'utf8') }); });
after(async () => {
  if (tutorial) assert.equal(await tutorial.close(), 0, tutorial.server.output());
});

async function open(user) {
  const page = await tutorial.browser.newPage();
  const ready = page.waitForEvent('console', { predicate: (m) => m.text().includes('Connected to the signaling server'), timeout: 10000 });
  await page.goto(tutorial.url(`main.html?localUser=${user}`));
  await ready;
  // The page makes its RTCPeerConnection once the camera is open.
  await until(() => page.evaluate(() => typeof yourConn !== 'undefined' && yourConn !== undefined), 30000, `${user}'s connection`);
  return page;
}

const framesDecoded = (page) => page.evaluate(async () => {
  let frames = 0;
  (await yourConn.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0; });
  return frames;
});

test('two tabs call each other through the page\'s own UI, video decodes both ways, hang-up ends both', { timeout: 90000 }, async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  try {
    await alice.fill('.inputUser', 'bob');
    await alice.click('.callBtn');
    await until(async () => (await framesDecoded(alice)) > 0 && (await framesDecoded(bob)) > 0, 30000, 'video decoded on both sides');
    await alice.click('.hangUpBtn');
    await until(async () => (await alice.evaluate(() => yourConn.signalingState === 'closed')) &&
      (await bob.evaluate(() => yourConn.signalingState === 'closed')), 30000, 'both connections closed');
  } catch (error) {
    await keepEvidence('tutorial_003', { alice, bob }, tutorial.server);
    throw error;
  } finally {
    await alice.close();
    await bob.close();
  }
});
