// Tutorial 001's own call page (tests/integration/tutorials/001/index.html: the tutorial's HTML
// and script, with only the WebSocket URL pointed at iceway) in two Chromium tabs with fake media,
// against iceway started with deploy/profiles/tutorial-001.toml. As the tutorial says to test with
// a second account, the second tab's copy has its `username` changed. The callee's confirm() is
// accepted as a user would; the call must connect with remote video decoded on both sides, hang-up
// must end it on both, and calling a user who is not online must make the page show the tutorial
// server's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serveTutorial, keepEvidence, openTab, framesDecoded } from './lib/tutorial.mjs';
import { until } from './lib/ops.mjs';

const PAGE = fileURLToPath(new URL('./tutorials/001/index.html', import.meta.url));
const OFFLINE_MESSAGE = 'Sorry，呼叫的用户不在线！';

let tutorial;

before(async () => {
  // The page for each account: the tutorial's file with its username set, as its text says to.
  const page = readFileSync(PAGE, 'utf8');
  assert.match(page, /let username = "fanly";/);
  const pages = {};
  for (const user of ['fanly', 'xiaoming', 'caller']) {
    pages[`${user}.html`] = page.replace('let username = "fanly";', `let username = "${user}";`);
  }
  tutorial = await serveTutorial('tutorial-001', pages);
});

after(async () => {
  if (tutorial) assert.equal(await tutorial.close(), 0, tutorial.server.output());
});

const open = (user) => openTab(tutorial, `${user}.html`, 'WebSocket连接成功', (page) => {
  page.dialogs = [];
  page.on('dialog', async (dialog) => {
    page.dialogs.push(dialog.message());
    await dialog.accept();
  });
});

// The page's own RTCPeerConnection (`peer`, a top-level binding of its script).
const decoded = (page) => framesDecoded(page, 'peer');

test('two tabs call each other through the page\'s own UI, video decodes both ways, hang-up ends it', { timeout: 90000 }, async () => {
  const fanly = await open('fanly');
  const xiaoming = await open('xiaoming');
  try {
    await fanly.fill('#toUser', 'xiaoming');
    await fanly.click('#call');
    // xiaoming's page asks "fanly wants a video call, answer?" and the user says yes.
    await until(async () => xiaoming.dialogs.some((m) => m.startsWith('fanly')), 30000, 'the callee\'s confirm');
    await until(async () => (await decoded(fanly)) > 0 && (await decoded(xiaoming)) > 0, 30000,
      'video decoded on both sides');

    await fanly.click('#hangup');
    // The callee's page hears "hangup" and ends its side too.
    await until(async () => (await fanly.evaluate(() => peer === null)) && (await xiaoming.evaluate(() => peer === null)),
      30000, 'both peers closed');
  } catch (error) {
    await keepEvidence('tutorial_001', { fanly, xiaoming }, tutorial.server);
    throw error;
  } finally {
    await fanly.close();
    await xiaoming.close();
  }
});

test('calling a user who is not online makes the page show the tutorial server\'s message', { timeout: 30000 }, async () => {
  const caller = await open('caller');
  try {
    await caller.fill('#toUser', 'nobody');
    await caller.click('#call');
    await until(async () => caller.dialogs.includes(OFFLINE_MESSAGE), 10000, 'the page\'s alert');
  } finally {
    await caller.close();
  }
});
