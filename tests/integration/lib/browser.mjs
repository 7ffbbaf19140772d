// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, with the flags that
// keep it on loopback and off the network. Every test that needs a browser starts it here, so
// the flags live in one place.
import http from 'node:http';
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.CHROMIUM || '/usr/bin/chromium';

// Chromium honours only the last --disable-features flag, and Playwright puts its own before
// the caller's args, so this one wins: it repeats the Playwright entries that keep the browser
// quiet and adds the one iceway's tests need (host candidates as addresses, not mDNS names).
const DISABLED_FEATURES = [
  'WebRtcHideLocalIpsWithMdns',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'MediaRouter',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'Translate',
];

// Every name and address a page asks for resolves to nothing, except loopback and `reachable`
// (IP addresses of the test's own network namespaces). The rules map IP literals too, so a
// WebSocket to a namespace's address needs its EXCLUDE.
function hostResolverRules(reachable = []) {
  return `--host-resolver-rules=${['MAP * ~NOTFOUND', ...['localhost', '127.0.0.1', ...reachable].map((h) => `EXCLUDE ${h}`)].join(' , ')}`;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--disable-features=${DISABLED_FEATURES.join(',')}`,
];

export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

// Starts Chromium with a fresh profile directory. Returns { context, newPage, close }; close()
// ends the browser and removes the profile. `fakeMedia` gives it a camera and microphone; `args`
// are more Chromium flags (e.g. --ignore-certificate-errors for a throwaway turns: certificate).
// With `netns` Chromium runs inside that network namespace (through a small wrapper script, as
// Playwright needs one executable path). `reachable`: addresses outside loopback that pages may
// connect to by IP (the browser's resolver rules refuse all others).
export async function launchBrowser({ fakeMedia = false, args = [], netns, reachable = [] } = {}) {
  const userDataDir = mkdtempSync(join(tmpdir(), 'iceway-chromium-'));
  let executablePath = CHROMIUM_PATH;
  if (netns) {
    executablePath = join(userDataDir, 'chromium-in-netns');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${netns} ${CHROMIUM_PATH} "$@"\n`, { mode: 0o755 });
  }
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, hostResolverRules(reachable), ...(fakeMedia ? FAKE_MEDIA_ARGS : []), ...args],
      permissions: fakeMedia ? ['camera', 'microphone'] : [],
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// A web server on 127.0.0.1 (a free port) for a test's pages: `files` maps each path to
// [content type, body]; anything else is 404. Returns the node:http server.
export async function serveFiles(files) {
  const server = http.createServer((request, response) => {
    const file = files[request.url];
    if (!file) { response.statusCode = 404; return response.end(); }
    response.setHeader('content-type', file[0]);
    return response.end(file[1]);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// The folder a test writes screenshots and other artefacts to (build/test-output/NAME under
// ctest, a temporary folder otherwise).
export function testOutputDir(name) {
  const base = process.env.ICEWAY_TEST_OUTPUT || join(tmpdir(), 'iceway-test-output');
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
