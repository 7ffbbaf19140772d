// Issue 14: an app served from another origin imports /sdk/iceway.js from iceway and connects
// with it, in headless Chromium. The app's page comes from a small server of this test on
// another port of 127.0.0.1 (another origin), so the browser fetches the module in CORS mode:
// without Access-Control-Allow-Origin the import fails. With signal.allowed_origins set, the
// listed app may import it and an unlisted one may not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { launchBrowser, CHROMIUM_PATH } from './lib/browser.mjs';

const skip = !existsSync(CHROMIUM_PATH) && `no Chromium at ${CHROMIUM_PATH}`;

// Two app origins: the listed one and another.
const apps = [];
let browser;
const servers = [];

function startApp() {
  return new Promise((resolve) => {
    const server = http.createServer((request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>app</title>');
    });
    server.listen(0, '127.0.0.1', () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

before(async () => {
  if (skip) return;
  apps.push(await startApp(), await startApp());
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  for (const server of servers) await stopIceway(server);
  for (const app of apps) await new Promise((resolve) => app.server.close(resolve));
});

// In a page of `appOrigin`: imports the SDK from iceway and connects; returns the welcome's id
// or the import's error.
async function importAndConnect(appOrigin, iceway, id) {
  const page = await browser.newPage();
  try {
    await page.goto(`${appOrigin}/`);
    const base = `http://127.0.0.1:${iceway.signal.port}`;
    return await page.evaluate(async ({ base, id }) => {
      let module;
      try {
        module = await import(`${base}/sdk/iceway.js`);
      } catch (error) {
        return { imported: false, error: String(error) };
      }
      const client = new module.IcewayClient(`${base.replace('http', 'ws')}/ws`, { id, reconnect: false });
      const welcome = await client.connect();
      client.close();
      return { imported: true, id: welcome.id };
    }, { base, id });
  } finally {
    await page.close();
  }
}

test('any origin allowed (the default): an app on another origin imports the SDK and connects', { skip, timeout: 60000 }, async () => {
  const iceway = await startIceway(loopbackArgs({ ipv6: false, threads: 1 }));
  servers.push(iceway);
  assert.deepEqual(await importAndConnect(apps[0].origin, iceway, 'alice'), { imported: true, id: 'alice' });
});

test('allowed_origins set: the listed app imports the SDK and connects, another cannot import it', { skip, timeout: 60000 }, async () => {
  const iceway = await startIceway([...loopbackArgs({ ipv6: false, threads: 1 }),
    '--set', `signal.allowed_origins=["${apps[0].origin}"]`]);
  servers.push(iceway);
  assert.deepEqual(await importAndConnect(apps[0].origin, iceway, 'bob'), { imported: true, id: 'bob' });
  const refused = await importAndConnect(apps[1].origin, iceway, 'mallory');
  assert.equal(refused.imported, false, JSON.stringify(refused));
});
