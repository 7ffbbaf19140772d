// Tutorial 003's own call page (tests/integration/tutorials/003/main.html: the tutorial's HTML and
// script, with only the WebSocket URL pointed at iceway and naming the local user) in two Chromium
// tabs with fake media, against iceway started with deploy/profiles/tutorial-003.toml. The page
// reads its user from ?localUser= (set by the tutorial's login page). The call must connect with
// remote video decoded on both sides, and hang-up ("leave") must end it on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveTutorial, keepEvidence, openTab, framesDecoded } from './lib/tutorial.mjs';
import { until } from './lib/ops.mjs';

const PAGE = fileURLToPath(new URL('./tutorials/003/main.html', import.meta.url));

let tutorial;

before(async () => { tutorial = await serveTutorial('tutorial-003', { 'main.html': readFileSync(PAGE, 'utf8') }); });
after(async () => {
  if (tutorial) assert.equal(await tutorial.close(), 0, tutorial.server.output());
});

async function open(user) {
  const page = await openTab(tutorial, `main.html?localUser=${user}`, 'Connected to the signaling server');
  // The page makes its RTCPeerConnection once the camera is open.
  await until(() => page.evaluate(() => typeof yourConn !== 'undefined' && yourConn !== undefined), 30000, `${user}'s connection`);
  return page;
}

const decoded = (page) => framesDecoded(page, 'yourConn');

test('two tabs call each other through the page\'s own UI, video decodes both ways, hang-up ends both', { timeout: 90000 }, async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  try {
    await alice.fill('.inputUser', 'bob');
    await alice.click('.callBtn');
    await until(async () => (await decoded(alice)) > 0 && (await decoded(bob)) > 0, 30000, 'video decoded on both sides');
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
