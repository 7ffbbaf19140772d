// Tutorial 002's video call app (tests/integration/tutorials/002/index.html: the article's App.vue
// fragments in one Vue 3 page from npm's vue, the logic as written, the glue it leaves out
// marked there) in two Chromium tabs with fake media, against iceway started with
// deploy/profiles/tutorial-002.toml. Both tabs join room 001; one calls, the other accepts
// through the page's buttons, the offer, answer and candidates go through the room, and remote
// video must decode on both sides; hang-up ends the call on both.
// As in tutorials 001 and 003, the page builds RTCPeerConnection without ICE servers (as
// written), so the call uses host candidates on this machine's non-loopback interface.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveTutorial, keepEvidence, openTab, framesDecoded } from './lib/tutorial.mjs';
import { until } from './lib/ops.mjs';

// The browser builds, read from the packages' folders (their "exports" do not list them).
const fromModules = (path) => readFileSync(fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url)), 'utf8');
const PAGE = fileURLToPath(new URL('./tutorials/002/index.html', import.meta.url));

let tutorial;

before(async () => {
  tutorial = await serveTutorial('tutorial-002', {
    'index.html': readFileSync(PAGE, 'utf8'),
    'vue.global.prod.js': fromModules('vue/dist/vue.global.prod.js'),
    'socket.io.min.js': fromModules('socket.io-client/dist/socket.io.min.js'),
  });
});
after(async () => {
  if (tutorial) assert.equal(await tutorial.close(), 0, tutorial.server.output());
});

const open = (name) => openTab(tutorial, 'index.html', '连接服务器成功', (page) => {
  if (process.env.DEBUG_002) page.on('console', (m) => console.log(name, m.type(), m.text().slice(0, 200)));
});
const decoded = (page) => framesDecoded(page, 'window.app.peer.value');

test('one tab calls, the other accepts with the page\'s buttons, video decodes both ways, hang-up ends both', { timeout: 90000 }, async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  try {
    await alice.click('.call');
    await bob.click('.accept', { timeout: 10000 });  // shown once the call reaches bob's tab
    await until(async () => (await decoded(alice)) > 0 && (await decoded(bob)) > 0, 30000, 'video decoded on both sides');
    for (const page of [alice, bob]) {
      assert.equal(await page.evaluate(() => window.app.communicating.value), true);
      assert.equal(await page.evaluate(() => document.querySelector('video.remote').srcObject instanceof MediaStream), true);
    }
    await bob.click('.hangup');
    await until(async () => (await alice.evaluate(() => window.app.peer.value === null && !window.app.communicating.value)) &&
      (await bob.evaluate(() => window.app.peer.value === null && !window.app.communicating.value)), 10000, 'both reset');
  } catch (error) {
    await keepEvidence('tutorial_002', { alice, bob }, tutorial.server);
    throw error;
  } finally {
    await alice.close();
    await bob.close();
  }
});
