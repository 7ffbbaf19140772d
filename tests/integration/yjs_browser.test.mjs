// Issue 4: y-webrtc apps use iceway's /yjs unchanged. Two WebrtcProvider instances of the npm
// y-webrtc package, each in its own Chromium (separate launches, so no BroadcastChannel can
// carry the sync), join one room through iceway's signaling and iceway's TURN (relay-only) and
// see each other's awareness state and document edits. A raw WebSocket exchange in Node runs
// against iceway and against y-webrtc's own signaling server (its bin/server.js) and both must
// answer alike: subscribe, publish to every subscriber with `clients`, unsubscribe, ping/pong,
// leaving topics on close.
//
// y-webrtc, lib0 and simple-peer (CommonJS) are bundled for the browser with esbuild at test
// time into the test output folder; nothing of theirs is changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import { launchBrowser, testOutputDir } from './lib/browser.mjs';
import { bundle, startWeb } from './lib/yjs_page.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const API_KEY = 'yjs-browser-api-key';
const OUTPUT = testOutputDir('yjs_browser');

let server;
let reference;  // y-webrtc's own signaling server
let web;
const browsers = [];
const sockets = new Set();

async function iceServers(user) {
  const response = await fetch(`http://127.0.0.1:${server.signal.port}/api/v1/ice-servers?user=${user}&ttl=600`,
    { headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).iceServers;
}

before(async () => {
  let script;
  [server, script] = await Promise.all([
    startIceway([...loopbackArgs({ ipv6: false }), ...turnArgs, '--set', `auth.api_keys=["${API_KEY}"]`]),
    bundle(OUTPUT),
  ]);
  web = await startWeb(script);
});

after(async () => {
  for (const socket of sockets) socket.terminate();
  for (const browser of browsers) await browser.close();
  if (web) web.close();
  if (reference && reference.child.exitCode === null) {
    const exited = once(reference.child, 'exit');
    reference.child.kill('SIGTERM');
    await exited;
  }
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

test('two y-webrtc providers in separate browsers sync awareness and a document through /yjs and TURN', { timeout: 180000 }, async () => {
  const signaling = [`ws://127.0.0.1:${server.signal.port}/yjs`];
  const room = 'iceway-yjs-browser-room';
  const pages = {};
  for (const name of ['alice', 'bob']) {
    const browser = await launchBrowser();
    browsers.push(browser);
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.log(`${name}: page error: ${error}`));
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    pages[name] = page;
  }
  try {
    for (const name of ['alice', 'bob']) {
      await pages[name].evaluate(([r, n, s, i]) => t.start(r, n, s, i), [room, name, signaling, await iceServers(`yjs-${name}`)]);
      await pages[name].evaluate(([n]) => t.edit(n), [name]);
    }
    const [alice, bob] = await Promise.all([pages.alice.evaluate(() => t.seen('bob')), pages.bob.evaluate(() => t.seen('alice'))]);
    for (const [view, who] of [[alice, 'alice'], [bob, 'bob']]) {
      assert.deepEqual(view.users, ['alice', 'bob'], who);
      assert.deepEqual(view.map, { alice: { at: 'edit' }, bob: { at: 'edit' } }, who);
      assert.match(view.text, /written by alice\./, who);
      assert.match(view.text, /written by bob\./, who);
      // Only iceway could have carried it: one WebRTC peer, no BroadcastChannel peer.
      assert.equal(view.webrtcPeers, 1, who);
      assert.equal(view.bcPeers, 0, who);
    }
    assert.equal(alice.text, bob.text, 'both documents converge');
    for (const name of ['alice', 'bob']) {
      assert.deepEqual(await pages[name].evaluate(() => t.selectedPair()), { local: 'relay', remote: 'relay' }, name);
    }
    // The relayed candidates are allocations iceway made for the users the API was asked for.
    assert.match(server.output(), /allocation created: user=yjs-alice /);
    assert.match(server.output(), /allocation created: user=yjs-bob /);
  } catch (error) {
    for (const [name, page] of Object.entries(pages)) await page.screenshot({ path: join(OUTPUT, `${name}.png`) }).catch(() => {});
    throw error;
  }
});

// --- the signaling protocol on raw WebSockets, next to y-webrtc's own server ----------------------

class Socket {
  constructor(url) {
    this.frames = [];
    this.waiters = [];
    this.ws = new WebSocket(url);
    sockets.add(this.ws);
    this.ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      for (const waiter of this.waiters.splice(0)) waiter();
    });
    this.opened = once(this.ws, 'open');
  }

  async send(message) {
    await this.opened;
    this.ws.send(JSON.stringify(message));
  }

  // The next frame, waiting up to timeoutMs.
  async next(timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame in ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    return this.frames.shift();
  }

  // ping is answered in order, so every frame before the pong was sent before it.
  async drain() {
    await this.send({ type: 'ping' });
    const before = [];
    for (let frame = await this.next(); frame.type !== 'pong'; frame = await this.next()) before.push(frame);
    return before;
  }
}

// One scripted exchange; resolves with everything the three clients saw.
async function signalingExchange(url) {
  const seen = {};
  const [a, b, c] = [new Socket(url), new Socket(url), new Socket(url)];
  await a.send({ type: 'subscribe', topics: ['doc-1', 42, 'doc-2'] });  // a non-string topic is skipped
  await b.send({ type: 'subscribe', topics: ['doc-1'] });
  await c.send({ type: 'subscribe', topics: ['doc-2'] });
  seen.afterSubscribe = [await a.drain(), await b.drain(), await c.drain()];

  // Everyone subscribed to the topic gets it, the sender included, with the subscriber count.
  await a.send({ type: 'publish', topic: 'doc-1', data: { type: 'announce', from: 'peer-a' } });
  seen.publish = [await a.next(), await b.next()];
  // Encrypted rooms publish a base64 string; a publisher need not be subscribed.
  await b.send({ type: 'publish', topic: 'doc-2', data: 'ZW5jcnlwdGVk' });
  seen.publishString = [await c.next(), await a.next(), await b.drain()];

  await b.send({ type: 'unsubscribe', topics: ['doc-1'] });
  await b.drain();
  await a.send({ type: 'publish', topic: 'doc-1', data: 'after-unsubscribe' });
  seen.afterUnsubscribe = [await a.next(), await a.drain(), await b.drain(), await c.drain()];

  // A closed socket leaves its topics. The server learns of the close on a's connection, so
  // publish until the count drops (bounded), checking that nothing else changes meanwhile.
  a.ws.close();
  await once(a.ws, 'close');
  let frame = { clients: 2 };
  for (let attempt = 0; attempt < 100 && frame.clients !== 1; ++attempt) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await b.send({ type: 'publish', topic: 'doc-2', data: `after-close-${attempt}` });
    frame = await c.next();
    assert.equal(frame.data, `after-close-${attempt}`);
  }
  seen.afterClose = frame.clients;
  b.ws.close();
  c.ws.close();
  return seen;
}

// y-webrtc's bin/server.js, unchanged, in its own process. It listens on process.env.PORT on
// every interface; a preloaded hook makes that 127.0.0.1 with a kernel-picked port and prints it.
async function startReference() {
  const hook = `import http from 'node:http';
    const listen = http.Server.prototype.listen;
    http.Server.prototype.listen = function () {
      this.once('listening', () => console.log('listening ' + this.address().port));
      return listen.call(this, 0, '127.0.0.1');
    };`;
  const child = spawn(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`,
    join(HERE, 'node_modules/y-webrtc/bin/server.js')], { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (d) => { output += d; });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`y-webrtc's server did not start:\n${output}`)), 15000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`y-webrtc's server exited with ${code}:\n${output}`)); });
    child.stdout.on('data', (d) => {
      output += d;
      const match = output.match(/listening (\d+)/);
      if (match) { clearTimeout(timer); child.removeAllListeners('exit'); resolve(Number(match[1])); }
    });
  });
  return { child, port };
}

test('/yjs answers the y-webrtc signaling protocol as y-webrtc\'s own server does', async () => {
  reference = await startReference();
  const [ours, theirs] = await Promise.all([
    signalingExchange(`ws://127.0.0.1:${server.signal.port}/yjs`),
    signalingExchange(`ws://127.0.0.1:${reference.port}`),
  ]);
  const announce = { type: 'publish', topic: 'doc-1', data: { type: 'announce', from: 'peer-a' }, clients: 2 };
  const encrypted = { type: 'publish', topic: 'doc-2', data: 'ZW5jcnlwdGVk', clients: 2 };
  const expected = {
    afterSubscribe: [[], [], []],
    publish: [announce, announce],
    publishString: [encrypted, encrypted, []],
    afterUnsubscribe: [{ type: 'publish', topic: 'doc-1', data: 'after-unsubscribe', clients: 1 }, [], [], []],
    afterClose: 1,
  };
  assert.deepEqual(theirs, expected, "y-webrtc's server");
  assert.deepEqual(ours, expected, 'iceway');
});

// y-webrtc's server throws on a frame that is not JSON (its process ends); iceway answers an
// `error` frame, which y-webrtc clients ignore, and the connection keeps working.
test('iceway: /yjs answers junk with an error frame and keeps the connection', async () => {
  const url = `ws://127.0.0.1:${server.signal.port}/yjs`;
  const [a, b] = [new Socket(url), new Socket(url)];
  for (const junk of ['not json', 'null', '{"type":"nope"}']) {
    await a.opened;
    a.ws.send(junk);
  }
  const errors = await a.drain();
  assert.equal(errors.length, 3, JSON.stringify(errors));
  for (const frame of errors) {
    assert.equal(frame.type, 'error');
    assert.equal(frame.code, 'bad-request');
    assert.equal(typeof frame.message, 'string');
  }
  await a.send({ type: 'subscribe', topics: ['after-junk'] });
  await b.send({ type: 'subscribe', topics: ['after-junk'] });
  assert.deepEqual(await b.drain(), []);
  await a.send({ type: 'publish', topic: 'after-junk', data: 'still here' });
  assert.deepEqual(await b.next(), { type: 'publish', topic: 'after-junk', data: 'still here', clients: 2 });
  a.ws.close();
  b.ws.close();
});
