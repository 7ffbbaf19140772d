// Issue 10, part 4 (faults): iceway killed with SIGKILL (no drain, no close frames, nothing
// flushed) and started again on the same ports. Two Chromium pages each run the SDK iceway
// serves at /sdk/iceway.js and an unmodified peerjs client, the way an app would: the SDK
// reconnects by itself; the page calls peer.reconnect() when peerjs reports 'disconnected'
// (peerjs leaves that to the app). Before the kill and again after the restart, the SDK clients
// signal each other and broadcast in their room, and the peerjs clients open a relay-only
// DataConnection through the server's TURN and exchange messages both ways.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startIceway, stopIceway } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import { launchBrowser, serveFiles, testOutputDir } from './lib/browser.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const KEY = 'fault-kill-key';
const ROOM = 'fault-room';

let server;
let browser;
let web;

after(async () => {
  if (browser) await browser.close();
  if (web) web.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

// A port free on 127.0.0.1 for both TCP and UDP a moment ago (TURN listens on both).
async function freePort() {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = net.createServer();
    await new Promise((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    const { port } = tcp.address();
    const udp = dgram.createSocket('udp4');
    const free = await new Promise((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    udp.close();
    tcp.close();
    if (free) return port;
  }
  throw new Error('no port free for both TCP and UDP');
}

function start(turnPort, signalPort) {
  return startIceway(['--listen', `127.0.0.1:${turnPort}`, '--relay-ip', '127.0.0.1', '--threads', '2',
    '--signal-listen', `127.0.0.1:${signalPort}`, '--admin-listen', '127.0.0.1:0', '--log-level', 'info',
    // The pages take TURN credentials from the SDK's welcome, which outside development mode
    // carries them only for a token or when the operator opens /ws on purpose, as here.
    ...turnArgs, '--set', `signal.peerjs.key="${KEY}"`, '--set', 'signal.anonymous_credentials=true']);
}

// The page: iceway's own SDK (fetched from the server and served here, same-origin) and
// peerjs's bundle, with the small amount of glue an app has.
const PAGE = `<!doctype html><meta charset="utf-8"><title>kill -9</title>
<script src="/peerjs.js"></script>
<script type="module">
import { IcewayClient } from '/sdk/iceway.js';
const until = async (check, ms, what) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(what + ': not in ' + ms + ' ms');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
window.t = {
  welcomes: 0, signals: [], broadcasts: [], received: [], incoming: [], peerOpens: 0, reconnects: 0,
  async start(signalPort, id) {
    const client = new IcewayClient('ws://127.0.0.1:' + signalPort + '/ws', { id, minDelay: 200, maxDelay: 1000 });
    this.client = client;
    client.on('welcome', (w) => { this.welcomes++; this.iceServers = w.iceServers; });
    client.on('signal', ({ from, data }) => this.signals.push({ from, data }));
    client.on('broadcast', ({ from, data }) => this.broadcasts.push({ from, data }));
    await client.connect();
    await client.join('${ROOM}');
    const peer = new peerjs.Peer(id, { host: '127.0.0.1', port: signalPort, path: '/peerjs', key: '${KEY}', secure: false,
      config: { iceServers: this.iceServers, iceTransportPolicy: 'relay' } });
    this.peer = peer;
    peer.on('open', () => this.peerOpens++);
    peer.on('error', () => {});
    peer.on('connection', (conn) => { this.incoming.push(conn); conn.on('data', (d) => this.received.push(d)); });
    // What an app does: keep calling reconnect() while peerjs is disconnected.
    peer.on('disconnected', () => {
      const retry = () => setTimeout(() => {
        if (peer.destroyed || !peer.disconnected) return;
        this.reconnects++;
        peer.reconnect();
        retry();
      }, 300);
      retry();
    });
    await until(() => this.peerOpens > 0, 20000, 'peerjs open');
    return client.id;
  },
  // Both clients connected again: a fresh welcome and peerjs open since the count given.
  ready(welcomes, peerOpens) {
    return this.welcomes > welcomes && this.peerOpens > peerOpens && !this.peer.disconnected;
  },
  // A relay-only DataConnection to id with TURN credentials from the latest welcome.
  async connect(id) {
    this.peer.options.config = { iceServers: this.iceServers, iceTransportPolicy: 'relay' };
    const conn = this.peer.connect(id, { reliable: true });
    conn.on('data', (d) => this.received.push(d));
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('data connection to ' + id + ' did not open')), 45000);
      conn.on('open', () => { clearTimeout(timer); resolve(); });
    });
    this.conn = conn;
  },
  useLatestIceServers() { this.peer.options.config = { iceServers: this.iceServers, iceTransportPolicy: 'relay' }; },
  async accepted(count) {
    await until(() => this.incoming.length >= count, 45000, 'incoming data connection ' + count);
    const conn = this.incoming[count - 1];
    await until(() => conn.open, 45000, 'incoming data connection ' + count + ' open');
    this.conn = conn;
    return conn.peer;
  },
  send(data) { this.conn.send(data); },
  data(value) { return until(() => this.received.includes(value), 20000, 'the message ' + value); },
  signalled(value) { return until(() => this.signals.some((s) => s.data === value), 20000, 'the signal ' + value); },
  broadcasted(value) { return until(() => this.broadcasts.some((s) => s.data === value), 20000, 'the broadcast ' + value); },
  async selectedPair() {
    for (let attempt = 0; attempt < 50; ++attempt) {
      const stats = await this.conn.peerConnection.getStats();
      let selected = null;
      stats.forEach((s) => {
        const pair = s.type === 'transport' && s.selectedCandidatePairId && stats.get(s.selectedCandidatePairId);
        if (pair) selected = { local: stats.get(pair.localCandidateId).candidateType, remote: stats.get(pair.remoteCandidateId).candidateType };
      });
      if (selected) return selected;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return null;
  },
};
window.ready = true;
</script>`;

function startWeb(sdk) {
  const bundle = readFileSync(join(HERE, 'node_modules/peerjs/dist/peerjs.js'));
  return serveFiles({ '/': ['text/html', PAGE], '/peerjs.js': ['text/javascript', bundle], '/sdk/iceway.js': ['text/javascript', sdk] });
}

// Signals, broadcasts and a relayed DataConnection between a and b; `tag` makes each round's
// messages distinct.
async function exchange(a, b, tag, incomingCount) {
  await a.evaluate(([v]) => t.client.signal('fault-b', v), [`signal ${tag}`]);
  await b.evaluate(([v]) => t.signalled(v), [`signal ${tag}`]);
  await b.evaluate(([room, v]) => t.client.broadcast(room, v), [ROOM, `broadcast ${tag}`]);
  await a.evaluate(([v]) => t.broadcasted(v), [`broadcast ${tag}`]);
  await b.evaluate(() => t.useLatestIceServers());
  const accepted = b.evaluate(([n]) => t.accepted(n), [incomingCount]);
  await a.evaluate(() => t.connect('fault-b'));
  assert.equal(await accepted, 'fault-a');
  await a.evaluate(([v]) => t.send(v), [`data ${tag} from a`]);
  await b.evaluate(([v]) => t.data(v), [`data ${tag} from a`]);
  await b.evaluate(([v]) => t.send(v), [`data ${tag} from b`]);
  await a.evaluate(([v]) => t.data(v), [`data ${tag} from b`]);
  for (const page of [a, b]) assert.deepEqual(await page.evaluate(() => t.selectedPair()), { local: 'relay', remote: 'relay' });
}

test('after kill -9 and a restart, the SDK and peerjs reconnect and connections are placed again', { timeout: 240000 }, async (t) => {
  const [turnPort, signalPort] = [await freePort(), await freePort()];
  server = await start(turnPort, signalPort);
  const sdk = await (await fetch(`http://127.0.0.1:${signalPort}/sdk/iceway.js`)).text();
  assert.match(sdk, /export class IcewayClient/);
  web = await startWeb(sdk);
  browser = await launchBrowser();
  const pages = [];
  for (const id of ['fault-a', 'fault-b']) {
    const page = await browser.newPage();
    page.on('pageerror', (error) => t.diagnostic(`page ${id}: ${error}`));
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    assert.equal(await page.evaluate(([port, name]) => t.start(port, name), [signalPort, id]), id);
    pages.push(page);
  }
  const [a, b] = pages;
  try {
    await exchange(a, b, 'before', 1);
    assert.match(server.output(), /allocation created: user=/);

    // SIGKILL: the process ends mid-whatever, the kernel resets its sockets.
    const counts = await Promise.all(pages.map((p) => p.evaluate(() => [t.welcomes, t.peerOpens])));
    const killedAt = Date.now();
    const exited = once(server.child, 'exit');
    server.child.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL');
    // Both clients notice before the server is back.
    for (const page of pages) {
      await page.waitForFunction(() => t.peer.disconnected && t.client._socket?.readyState !== 1, null, { timeout: 20000 });
    }

    server = await start(turnPort, signalPort);
    for (const [i, page] of pages.entries()) {
      await page.waitForFunction(([w, o]) => t.ready(w, o), counts[i], { timeout: 30000, polling: 100 });
    }
    t.diagnostic(`both clients reconnected ${Date.now() - killedAt} ms after the kill`);
    // The SDK kept its id and rejoined its room; peerjs has its id again; and a new relayed
    // DataConnection goes through the new process's TURN.
    for (const [i, page] of pages.entries()) assert.equal(await page.evaluate(() => t.client.id), ['fault-a', 'fault-b'][i]);
    await exchange(a, b, 'after', 2);
    assert.match(server.output(), /allocation created: user=/);
  } catch (error) {
    const dir = testOutputDir('fault_kill_restart');
    await a.screenshot({ path: join(dir, 'a.png') }).catch(() => {});
    throw new Error(`${error.message}\n--- iceway output:\n${server.output().slice(-4000)}`, { cause: error });
  }
});
