// Issue 6 "tried as a new user would": iceway started exactly as `make run` starts it, with no
// arguments and no config file (0.0.0.0:3478, :8080, the detected address advertised, a
// development secret), then two tabs open the URL the banner prints, join one room with relay
// only and call. It runs in a network namespace of its own (lib/netns.mjs), so the default ports
// are free and the advertised address is a real interface's, as on a VPS, while no packet leaves
// the machine. Chromium runs in the same namespace.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startIceway, stopIceway } from './lib/iceway.mjs';
import { launchBrowser, testOutputDir, CHROMIUM_PATH } from './lib/browser.mjs';
import { createNetns } from './lib/netns.mjs';

// Namespaces need root; CI runs as root, so there this test always runs.
const skip = (!existsSync(CHROMIUM_PATH) && `no Chromium at ${CHROMIUM_PATH}`) ||
  (process.getuid() !== 0 && 'network namespaces need root');

let netns;
let server;
let browser;

before(async () => {
  if (skip) return;
  netns = await createNetns('demo');
  server = await startIceway([], { netns: netns.name });
  browser = await launchBrowser({ fakeMedia: true, netns: netns.name });
});

after(async () => {
  try {
    if (browser) await browser.close();
    // The default drain_timeout is 30 s: an allocation the browser did not delete keeps the
    // draining process up to that long, and it still exits 0.
    if (server) assert.equal(await stopIceway(server, 'SIGTERM', 45000), 0, server.output());
  } finally {
    if (netns) await netns.remove();
  }
});

async function until(read, done, what, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what} within ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test('the banner of a run without arguments says where to go and gives the development secret', { skip }, () => {
  const output = server.output();
  assert.match(output, /running with built-in defaults/);
  assert.match(output, /STUN\/TURN\s+udp 0\.0\.0\.0:3478, \[::\]:3478; tcp 0\.0\.0\.0:3478, \[::\]:3478/);
  assert.match(output, new RegExp(`turn:${netns.address.replace(/\./g, '\\.')}:3478`));
  assert.match(output, /Dev secret\s+[0-9a-f]{32,}/);
  assert.match(output, /Try it\s+http:\/\/127\.0\.0\.1:8080\/ /);
});

test('two tabs on the printed URL call each other with relay only and both show video', { skip, timeout: 120000 }, async () => {
  const base = server.output().match(/Try it\s+(http:\/\/\S+)\//)[1];
  const pages = {};
  for (const name of ['alice', 'bob']) {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Room', { exact: true }).fill('first-try');
    await page.getByLabel('Relay only (TURN)').check();
    await page.getByRole('button', { name: 'Join' }).click();
    pages[name] = page;
  }
  await pages.alice.locator('#peers li[data-peer="bob"]').waitFor();
  await pages.alice.getByRole('button', { name: 'Call bob' }).click();
  await pages.bob.getByRole('button', { name: 'Accept' }).click();

  const out = testOutputDir('demo_defaults');
  for (const [name, page] of Object.entries(pages)) {
    const stats = await until(() => page.evaluate(() => window.icewayDemo.readStats()),
      (s) => s && s.local?.type === 'relay' && s.remote?.type === 'relay' && s.framesDecoded > 0, `${name}: relayed video`);
    // Relayed by this iceway, on the address its banner advertised.
    assert.equal(stats.local.address, netns.address, JSON.stringify(stats));
    assert.equal(stats.remote.address, netns.address, JSON.stringify(stats));
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
  }
  await pages.alice.getByRole('button', { name: 'Hang up' }).click();
  await pages.bob.locator('#message', { hasText: 'alice hung up.' }).waitFor();
});
