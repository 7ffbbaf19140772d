// Tutorial 000 and the PeerJS appendix of tutorial 002: the unmodified `peerjs` client making a
// MEDIA call (peer.call(id, stream), call.answer(stream)) between two Chromium pages with fake
// media, through iceway started with deploy/profiles/tutorial-000.toml, relay-only through
// iceway's TURN (credentials from iceway's /api/v1/ice-servers). The page script transcribes the
// appendix's Vue component into plain functions, its calls as written: new Peer({host, port,
// path}) with the server changed, on('call') then answer(stream), call(remoteId, stream), and
// on('stream') setting the remote video. Remote video must decode on both sides over a
// relay/relay pair.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { profilePath, keepEvidence } from './lib/tutorial.mjs';
import { until } from './lib/ops.mjs';
import { PEERJS_CALL_PAGE } from './lib/peerjs_call_page.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PROFILE = profilePath('tutorial-000');
const API_KEY = 'tutorial-000-api-key-change-me';  // the profile's own

const PAGE = PEERJS_CALL_PAGE;

let server;
let web;
let browser;

before(async () => {
  // A short drain: allocations the browser leaves behind must not hold the exit.
  server = await startIceway(['--config', PROFILE, ...loopbackArgs({ ipv6: false }), '--set', 'server.drain_timeout="1s"']);
  const bundle = readFileSync(join(HERE, 'node_modules/peerjs/dist/peerjs.js'));
  web = http.createServer((request, response) => {
    if (request.url === '/peerjs.js') {
      response.setHeader('content-type', 'text/javascript');
      return response.end(bundle);
    }
    response.setHeader('content-type', 'text/html');
    return response.end(PAGE);
  });
  await new Promise((resolve) => web.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser({ fakeMedia: true });
});

after(async () => {
  if (browser) await browser.close();
  if (web) web.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

async function iceServers(user) {
  const response = await fetch(`http://127.0.0.1:${server.signal.port}/api/v1/ice-servers?user=${user}&ttl=600`,
    { headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).iceServers;
}

test('a PeerJS media call through iceway, relay-only on its TURN, decodes video both ways', { timeout: 90000 }, async () => {
  const options = { host: '127.0.0.1', port: server.signal.port, path: '/',
    config: { iceServers: await iceServers('tutorial-000'), iceTransportPolicy: 'relay' } };
  const [a, b] = [await browser.newPage(), await browser.newPage()];
  try {
    for (const page of [a, b]) {
      page.on('pageerror', (error) => console.log(`page error: ${error}`));
      await page.goto(`http://127.0.0.1:${web.address().port}/`);
      await page.evaluate((o) => start(o), options);
    }
    const bId = await until(() => b.evaluate(() => peerId), 30000, 'b\'s peer id');
    await until(() => a.evaluate(() => peerId), 30000, 'a\'s peer id');
    await a.evaluate((id) => callRemote(id), bId);
    await until(() => b.evaluate(() => called), 30000, 'the incoming call');
    await b.evaluate(() => acceptCalled());
    for (const [name, page] of [['caller', a], ['callee', b]]) {
      const stats = await until(async () => {
        const s = await page.evaluate(() => videoStats());
        return s.frames > 0 && s.local ? s : null;
      }, 30000, `${name}'s decoded video`);
      assert.equal(stats.local, 'relay', `${name}: ${JSON.stringify(stats)}`);
      assert.equal(stats.remote, 'relay', `${name}: ${JSON.stringify(stats)}`);
    }
    assert.equal(await a.evaluate(() => caller), false, 'the caller\'s on(stream) ran');
  } catch (error) {
    await keepEvidence('tutorial_000', { caller: a, callee: b }, server);
    throw error;
  } finally {
    await a.close();
    await b.close();
  }
});
