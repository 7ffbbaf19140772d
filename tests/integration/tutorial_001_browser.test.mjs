// Tutorial 001's own call page (tests/integration/tutorials/001/index.html: the tutorial's HTML
// and script, with only the WebSocket URL pointed at iceway) in two Chromium tabs with fake media,
// against iceway started with deploy/profiles/tutorial-001.toml. As the tutorial says to test with
// a second account, the second tab's copy has its `username` changed. The callee's confirm() is
// accepted as a user would; the call must connect with remote video decoded on both sides, hang-up
// must end it on both, and calling a user who is not online must make the page show the tutorial
// server's message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { launchBrowser, testOutputDir } from './lib/browser.mjs';

const PAGE = fileURLToPath(new URL('./tutorials/001/index.html', import.meta.url));
const PROFILE = fileURLToPath(new URL('../../deploy/profiles/tutorial-001.toml', import.meta.url));
const OFFLINE_MESSAGE = 'Sorry，呼叫的用户不在线！';

let server;
let browser;
let site;

before(async () => {
  // The page for each account: the tutorial's file with its username set, as its text says to.
  site = mkdtempSync(join(tmpdir(), 'iceway-tutorial-001-'));
  const page = readFileSync(PAGE, 'utf8');
  assert.match(page, /let username = "fanly";/);
  for (const user of ['fanly', 'xiaoming', 'caller']) {
    writeFileSync(join(site, `${user}.html`), page.replace('let username = "fanly";', `let username = "${user}";`));
  }
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
  page.dialogs = [];
  page.on('dialog', async (dialog) => {
    page.dialogs.push(dialog.message());
    await dialog.accept();
  });
  const connected = page.waitForEvent('console', { predicate: (m) => m.text().includes('WebSocket连接成功'), timeout: 10000 });
  await page.goto(`http://${server.signal.host}:${server.signal.port}/${user}.html`);
  await connected;
  return page;
}

// The page's own RTCPeerConnection (`peer`, a top-level binding of its script).
const framesDecoded = (page) => page.evaluate(async () => {
  if (!peer) return 0;
  let frames = 0;
  (await peer.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0; });
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

test('two tabs call each other through the page\'s own UI, video decodes both ways, hang-up ends it', { timeout: 90000 }, async () => {
  const fanly = await open('fanly');
  const xiaoming = await open('xiaoming');
  try {
    await fanly.fill('#toUser', 'xiaoming');
    await fanly.click('#call');
    // xiaoming's page asks "fanly wants a video call, answer?" and the user says yes.
    await until('the callee\'s confirm', async () => xiaoming.dialogs.some((m) => m.startsWith('fanly')));
    await until('video decoded on both sides', async () => (await framesDecoded(fanly)) > 0 && (await framesDecoded(xiaoming)) > 0);

    await fanly.click('#hangup');
    // The callee's page hears "hangup" and ends its side too.
    await until('both peers closed', async () =>
      (await fanly.evaluate(() => peer === null)) && (await xiaoming.evaluate(() => peer === null)));
  } catch (error) {
    const dir = testOutputDir('tutorial_001');
    await fanly.screenshot({ path: join(dir, 'fanly.png') }).catch(() => {});
    await xiaoming.screenshot({ path: join(dir, 'xiaoming.png') }).catch(() => {});
    writeFileSync(join(dir, 'iceway.log'), server.output());
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
    await until('the page\'s alert', async () => caller.dialogs.includes(OFFLINE_MESSAGE), 10000);
  } finally {
    await caller.close();
  }
});
