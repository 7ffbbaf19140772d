// A tutorial's own pages against iceway started with its profile (deploy/profiles/), in headless
// Chromium with fake media: the pages are written into a folder iceway serves (signal.static_dir),
// so they come from the same origin as the signaling they connect to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIceway, stopIceway, loopbackArgs } from './iceway.mjs';
import { launchBrowser, testOutputDir } from './browser.mjs';

export const profilePath = (name) => fileURLToPath(new URL(`../../../deploy/profiles/${name}.toml`, import.meta.url));

// `pages`: file name -> HTML text. Resolves with { server, browser, url(file), close() }; close()
// returns iceway's exit code.
export async function serveTutorial(profile, pages, extraArgs = []) {
  const site = mkdtempSync(join(tmpdir(), `iceway-${profile}-`));
  for (const [file, text] of Object.entries(pages)) writeFileSync(join(site, file), text);
  const server = await startIceway(['--config', profilePath(profile), ...loopbackArgs({ ipv6: false }),
    '--set', `signal.static_dir="${site}"`, ...extraArgs]);
  const browser = await launchBrowser({ fakeMedia: true });
  return {
    server,
    browser,
    url: (file) => `http://${server.signal.host}:${server.signal.port}/${file}`,
    close: async () => {
      await browser.close();
      rmSync(site, { recursive: true, force: true });
      return stopIceway(server);
    },
  };
}

// A new tab on the tutorial's `file`, resolved once the page has logged `marker` (its "connected"
// line). `prepare(page)` runs before it loads (dialog handlers and the like).
export async function openTab(tutorial, file, marker, prepare = () => {}) {
  const page = await tutorial.browser.newPage();
  prepare(page);
  const logged = page.waitForEvent('console', { predicate: (m) => m.text().includes(marker), timeout: 10000 });
  await page.goto(tutorial.url(file));
  await logged;
  return page;
}

// Video frames decoded so far by the page's RTCPeerConnection, which `connection` names: an
// expression in the page's global scope ('peer', 'window.vm.pc'); 0 while it does not exist.
export function framesDecoded(page, connection) {
  return page.evaluate(async (expression) => {
    let pc;
    try {
      pc = (0, eval)(expression);  // indirect eval: the page's top-level let and const too
    } catch {
      return 0;
    }
    if (!pc) return 0;
    let frames = 0;
    (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0; });
    return frames;
  }, connection);
}

// Screenshots of `pages` ({ name: page }) and iceway's log, for a failed test.
export async function keepEvidence(test, pages, server) {
  const dir = testOutputDir(test);
  for (const [name, page] of Object.entries(pages)) await page.screenshot({ path: join(dir, `${name}.png`) }).catch(() => {});
  writeFileSync(join(dir, 'iceway.log'), server.output());
}
