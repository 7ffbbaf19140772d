// Tutorial 004's Vue component (tests/integration/tutorials/004/index.html: its methods as the
// tutorial writes them, in a Vue 3 page from npm's vue; the glue it leaves out is marked there)
// in two Chromium tabs with fake media, against iceway started with
// deploy/profiles/tutorial-004.toml. Its PeerConnection gets iceway's TURN, relay only (this
// machine's Chromium gathers nothing on loopback alone): the callee is named by the handshake's
// auth, the caller's offer, answer and candidates reach it by `target`, and remote video must
// decode on both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveTutorial, keepEvidence, openTab, framesDecoded } from './lib/tutorial.mjs';
import { restCredentials, nowUnix } from './lib/turn.mjs';
import { until } from './lib/ops.mjs';

// The browser builds, read from the packages' folders (their "exports" do not list them).
const fromModules = (path) => readFileSync(fileURLToPath(new URL(`./node_modules/${path}`, import.meta.url)), 'utf8');
const PAGE = fileURLToPath(new URL('./tutorials/004/index.html', import.meta.url));
const SECRET = 'tutorial-004-change-me';  // deploy/profiles/tutorial-004.toml's

let tutorial;

before(async () => {
  tutorial = await serveTutorial('tutorial-004', {
    'index.html': readFileSync(PAGE, 'utf8'),
    'vue.global.prod.js': fromModules('vue/dist/vue.global.prod.js'),
    'socket.io.min.js': fromModules('socket.io-client/dist/socket.io.min.js'),
  }, ['--allow-loopback-peers', '--set', 'server.drain_timeout="0s"']);
});
after(async () => {
  if (tutorial) assert.equal(await tutorial.close(), 0, tutorial.server.output());
});

function iceServers(user) {
  const port = tutorial.server.udp.find((e) => e.family === 4).port;
  const { username, password } = restCredentials(SECRET, user, nowUnix() + 600);
  return {
    iceServers: [{ urls: `turn:127.0.0.1:${port}?transport=udp`, username, credential: password }],
    iceTransportPolicy: 'relay',
  };
}

function open(user) {
  const query = new URLSearchParams({ username: user, iceServers: JSON.stringify(iceServers(user)) });
  return openTab(tutorial, `index.html?${query}`, 'socket connected', (page) => {
    if (process.env.DEBUG_004) page.on('console', (m) => console.log(user, m.type(), m.text().slice(0, 200)));
  });
}
const decoded = (page) => framesDecoded(page, 'window.vm && window.vm.pc');

test('alice calls bob by name through the component\'s own methods; video decodes both ways over TURN', { timeout: 90000 }, async () => {
  const alice = await open('alice');
  const bob = await open('bob');
  try {
    await alice.fill('.target', 'bob');
    await alice.click('.call');
    await until(async () => (await decoded(alice)) > 0 && (await decoded(bob)) > 0, 30000, 'video decoded on both sides');
    // Each side shows the other's stream in the <video> the tutorial's onaddstream made.
    assert.equal(await alice.evaluate(() => document.getElementById('bob')?.srcObject instanceof MediaStream), true);
    assert.equal(await bob.evaluate(() => document.getElementById('alice')?.srcObject instanceof MediaStream), true);
    const pair = await alice.evaluate(async () => {
      const stats = await window.vm.pc.getStats();
      let selected;
      stats.forEach((s) => { if (s.type === 'transport') selected = stats.get(s.selectedCandidatePairId); });
      return selected ? stats.get(selected.localCandidateId).candidateType : undefined;
    });
    assert.equal(pair, 'relay', 'the call goes through iceway\'s TURN');
  } catch (error) {
    await keepEvidence('tutorial_004', { alice, bob }, tutorial.server);
    throw error;
  } finally {
    await alice.close();
    await bob.close();
  }
});
