// socket.io-client v4, bundled unchanged with esbuild, in headless Chromium: a page served from
// another origin connects to iceway's /socket.io/ with the default transports (polling, which
// needs CORS from another origin, then the upgrade to WebSocket), joins a room and relays an
// event between two sockets. A page from an origin that signal.allowed_origins does not list
// cannot connect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { build } from 'esbuild';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import { launchBrowser, testOutputDir } from './lib/browser.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const OUTPUT = testOutputDir('socketio_browser');

let server;
const webs = [];
const browsers = [];

async function bundle() {
  const outfile = join(OUTPUT, 'socket.io-client.bundle.js');
  const result = await build({
    stdin: { contents: "import { io } from 'socket.io-client'; window.io = io;", resolveDir: HERE, loader: 'js' },
    bundle: true, format: 'iife', platform: 'browser', target: 'es2020', outfile, logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  return readFileSync(outfile);
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>socket.io-client on iceway</title>
<script src="/client.js"></script>
<script>
const until = async (check, ms, what) => {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return;
    if (Date.now() > deadline) throw new Error(what + ': not in ' + ms + ' ms');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const connect = (url) => new Promise((resolve, reject) => {
  const socket = io(url, { reconnection: false, forceNew: true });
  socket.once('connect', () => resolve(socket));
  socket.once('connect_error', (error) => { socket.close(); reject(new Error('connect_error: ' + error.message)); });
});
window.call = async (url) => {
  const alice = await connect(url);
  const bob = await connect(url);
  await until(() => alice.io.engine.transport.name === 'websocket' && bob.io.engine.transport.name === 'websocket',
    10000, 'the upgrade to WebSocket');
  const joined = [await alice.emitWithAck('join', 'browser-room'), await bob.emitWithAck('join', 'browser-room')];
  const received = new Promise((resolve) => bob.once('offer', resolve));
  alice.emit('offer', { room: 'browser-room', sdp: 'v=0 from the browser' });
  const offer = await received;
  alice.close();
  bob.close();
  return { joined, offer, transport: 'websocket' };
};
window.tryConnect = async (url) => {
  try { (await connect(url)).close(); return 'connected'; } catch (error) { return error.message; }
};
</script>`;

async function startWeb(script) {
  const web = http.createServer((request, response) => {
    if (request.url === '/client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      return response.end(script);
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(PAGE);
  });
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  webs.push(web);
  return web;
}

let allowed;
let other;
before(async () => {
  const script = await bundle();
  allowed = await startWeb(script);
  other = await startWeb(script);
  server = await startIceway([...loopbackArgs({ ipv6: false }), ...turnArgs,
    '--set', `signal.allowed_origins=["http://127.0.0.1:${allowed.address().port}"]`]);
});
after(async () => {
  for (const browser of browsers) await browser.close();
  for (const web of webs) web.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

test('a page on an allowed origin connects with the default transports, upgrades and relays', async () => {
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${allowed.address().port}/`);
  const url = `http://${server.signal.host}:${server.signal.port}`;
  const result = await page.evaluate((target) => window.call(target), url);
  assert.deepEqual(result.joined, [{ ok: true }, { ok: true }]);
  assert.deepEqual(result.offer, { room: 'browser-room', sdp: 'v=0 from the browser' });
});

test('a page on an origin not in allowed_origins cannot connect', async () => {
  const browser = await launchBrowser();
  browsers.push(browser);
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${other.address().port}/`);
  const url = `http://${server.signal.host}:${server.signal.port}`;
  const outcome = await page.evaluate((target) => window.tryConnect(target), url);
  assert.match(outcome, /connect_error/);
});
