// Issue 10, part 4 (faults): a browser call over a bad network. iceway runs in a network
// namespace of the test's own, and everything between it and the browser (TURN over UDP, the
// PeerJS and native /ws WebSockets) crosses a link that loses, delays, reorders and duplicates
// packets. The kernel here has no netem qdisc, so lib/impair.py does what `tc netem` would on
// that link, in user space between two TUN devices, and counts what it did.
//
// Two Chromium pages with fake media place an unmodified peerjs media call, relay-only through
// iceway's TURN, while iceway's SDK sends numbered signals and broadcasts between them. What must
// hold: the call connects and video decodes on both sides; every native message arrives once and
// in order; iceway's counters explain every relayed datagram the link delivered (relayed,
// dropped with a reason, or lost at a full receive buffer), and what iceway relayed to the
// clients is what the link saw leaving it; iceway exits 0.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startIceway, stopIceway, run } from './lib/iceway.mjs';
import { launchBrowser, serveFiles, testOutputDir } from './lib/browser.mjs';
import { parseExposition, relayCounters, total, until } from './lib/ops.mjs';
import { turnArgs } from './lib/turn.mjs';
import { PEERJS_CALL_PAGE } from './lib/peerjs_call_page.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const KEY = 'impaired-key';
const ROOM = 'impaired-room';
const MESSAGES = 150;  // signals each way, and broadcasts each way
// netem-like settings for both directions: 3 % loss, 40 ± 15 ms delay (packets closer than
// 30 ms apart may swap), 2 % duplicated. A fixed seed: the same decisions every run.
const IMPAIRMENT = ['--loss', '0.03', '--delay', '40', '--jitter', '15', '--duplicate', '0.02', '--seed', '10'];

const suffix = process.pid % 100000;
const NETNS = `iw-impair-${process.pid}`;
const DEVICES = [`iwi${suffix}`, `iwj${suffix}`];
const NET = `10.199.${process.pid % 250}`;
const [HOST_ADDRESS, SERVER_ADDRESS] = [`${NET}.1`, `${NET}.2`];

let link;
let server;
let browser;
let web;
let netnsMade = false;

after(async () => {
  if (browser) await browser.close();
  if (web) web.close();
  if (server && server.child.exitCode === null) await stopIceway(server);
  if (link) await link.stop();
  if (netnsMade) await run('ip', ['netns', 'del', NETNS]);
});

async function ip(...args) {
  const result = await run('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')}: ${result.stderr}`);
}

// The impaired link: lib/impair.py with its two TUN devices, here and in NETNS, each end given
// an address and a route to the other. stats() asks it for its counters; stop() ends it
// (closing its devices) and returns its last counters.
async function startLink(turnPort) {
  const child = spawn('python3', [join(HERE, 'lib/impair.py'), NETNS, ...DEVICES, ...IMPAIRMENT, '--port', String(turnPort)],
    { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const nextLine = () => new Promise((resolve, reject) => {
    waiting.push(resolve);
    child.once('exit', (code) => reject(new Error(`impair.py exited ${code}: ${stderr}`)));
  });
  assert.deepEqual(await nextLine(), { ready: true });
  await ip('addr', 'add', `${HOST_ADDRESS}/32`, 'dev', DEVICES[0]);
  await ip('link', 'set', DEVICES[0], 'up');
  await ip('route', 'add', `${SERVER_ADDRESS}/32`, 'dev', DEVICES[0]);
  await ip('-n', NETNS, 'addr', 'add', `${SERVER_ADDRESS}/32`, 'dev', DEVICES[1]);
  await ip('-n', NETNS, 'link', 'set', DEVICES[1], 'up');
  // Everything iceway sends goes back over the link: Chromium also reaches it from the host's
  // other addresses (its sockets bound to each interface), and those must be answered too.
  await ip('-n', NETNS, 'route', 'add', 'default', 'dev', DEVICES[1]);
  let last;
  return {
    stats: async () => {
      const line = nextLine();
      child.stdin.write('stats\n');
      return line;
    },
    stop: async () => {
      if (child.exitCode !== null) return last;
      const line = nextLine().catch(() => undefined);
      const exited = once(child, 'exit');
      child.stdin.end();
      last = await line;
      await exited;
      return last;
    },
  };
}

// iceway's metrics, read inside its namespace so the reading does not cross the bad link.
async function metrics() {
  const result = await run('ip', ['netns', 'exec', NETNS, 'python3', '-c',
    `import urllib.request; print(urllib.request.urlopen('http://${server.admin.host}:${server.admin.port}/metrics', timeout=10).read().decode())`]);
  assert.equal(result.code, 0, result.stderr);
  const families = parseExposition(result.stdout.trim() + '\n');
  return {
    ...relayCounters(families),
    signals: total(families, 'iceway_signal_messages_total', { protocol: 'native', type: 'signal' }),
    broadcasts: total(families, 'iceway_signal_messages_total', { protocol: 'native', type: 'broadcast' }),
    allocations: total(families, 'iceway_turn_allocations_total', { result: 'success' }),
  };
}

// Datagrams the kernel lost in iceway's namespace: dropped by the link's device on their way
// out (its queue was full because impair.py had not read them yet) or on their way in; by the
// kernel with ENOBUFS, which a UDP send does not report (Udp SndbufErrors); at a full receive
// buffer or with a bad checksum (RcvbufErrors, InErrors); or sent by one relay to another whose
// allocation had just ended and closed its port (NoPorts: nothing else in the namespace sends
// to a closed port). Returns each count and their sum.
async function kernelDrops() {
  const link = await run('ip', ['-n', NETNS, '-s', '-j', 'link', 'show', 'dev', DEVICES[1]]);
  assert.equal(link.code, 0, link.stderr);
  const snmp = await run('ip', ['netns', 'exec', NETNS, 'cat', '/proc/net/snmp']);
  assert.equal(snmp.code, 0, snmp.stderr);
  const [names, values] = snmp.stdout.split('\n').filter((l) => l.startsWith('Udp:')).map((l) => l.split(/\s+/).slice(1));
  const udp = (name) => Number(values[names.indexOf(name)]);
  const { rx, tx } = JSON.parse(link.stdout)[0].stats64;
  const counts = { deviceOut: tx.dropped, deviceIn: rx.dropped, sndbuf: udp('SndbufErrors'), rcvbuf: udp('RcvbufErrors'),
    inErrors: udp('InErrors'), noPorts: udp('NoPorts') };
  return { ...counts, sum: Object.values(counts).reduce((a, b) => a + b, 0) };
}

// The tutorials' PeerJS media-call page, plus iceway's SDK sending numbered messages.
const PAGE = `${PEERJS_CALL_PAGE}
<script type="module">
import { IcewayClient } from '/sdk/iceway.js';
window.sig = {
  signals: [], broadcasts: [],
  async start(url, id) {
    const client = new IcewayClient(url, { id });
    this.client = client;
    client.on('welcome', (w) => { this.iceServers = w.iceServers; });
    client.on('signal', ({ from, data }) => this.signals.push(from + ' ' + data));
    client.on('broadcast', ({ from, data }) => this.broadcasts.push(from + ' ' + data));
    await client.connect();
    await client.join('${ROOM}');
    return client.id;
  },
  // Paced under the per-connection limit (signal.messages_per_second, 50 by default).
  async send(to, count) {
    for (let i = 0; i < count; i++) {
      this.client.signal(to, 'signal ' + i);
      this.client.broadcast('${ROOM}', 'broadcast ' + i);
      await new Promise((resolve) => setTimeout(resolve, 70));
    }
  },
};
window.ready = true;
</script>`;

function startWeb(sdk) {
  return serveFiles({
    '/': ['text/html', PAGE],
    '/peerjs.js': ['text/javascript', readFileSync(join(HERE, 'node_modules/peerjs/dist/peerjs.js'))],
    '/sdk/iceway.js': ['text/javascript', sdk],
  });
}

// Numbered messages arrived once each and in order.
function inOrder(received, from, kind) {
  const expected = Array.from({ length: MESSAGES }, (_, i) => `${from} ${kind} ${i}`);
  return JSON.stringify(received) === JSON.stringify(expected);
}

test('a relayed PeerJS media call and native signaling survive loss, delay, reordering and duplication', { timeout: 180000 }, async (t) => {
  await ip('netns', 'add', NETNS);
  netnsMade = true;
  await ip('-n', NETNS, 'link', 'set', 'lo', 'up');
  // The link must exist before iceway binds its address, and impair.py must know the TURN port
  // to count relayed data, so the port is picked first: any free one on the new address works.
  const turnPort = 20000 + (process.pid % 20000);
  link = await startLink(turnPort);
  server = await startIceway(['--listen', `${SERVER_ADDRESS}:${turnPort}`, '--relay-ip', SERVER_ADDRESS, '--threads', '2',
    '--signal-listen', `${SERVER_ADDRESS}:0`, '--admin-listen', '127.0.0.1:0', '--log-level', 'info', ...turnArgs,
    '--set', `signal.peerjs.key="${KEY}"`, '--set', 'signal.anonymous_credentials=true',
    '--set', 'server.drain_timeout="1s"'], { netns: NETNS, timeoutMs: 30000 });
  const signalUrl = `${SERVER_ADDRESS}:${server.signal.port}`;
  const sdk = await (await fetch(`http://${signalUrl}/sdk/iceway.js`)).text();
  assert.match(sdk, /export class IcewayClient/);
  web = await startWeb(sdk);
  browser = await launchBrowser({ fakeMedia: true, reachable: [SERVER_ADDRESS] });
  const ids = ['impaired-a', 'impaired-b'];
  const pages = [];
  for (const id of ids) {
    const page = await browser.newPage();
    page.on('pageerror', (error) => t.diagnostic(`page ${id}: ${error}`));
    await page.goto(`http://127.0.0.1:${web.address().port}/`);
    await page.waitForFunction(() => window.ready === true, null, { timeout: 20000 });
    assert.equal(await page.evaluate(([url, name]) => sig.start(url, name), [`ws://${signalUrl}/ws`, id]), id);
    pages.push(page);
  }
  const [a, b] = pages;
  try {
    // TURN over UDP only, so that every relayed datagram crosses the link where it is counted.
    const iceServers = (await a.evaluate(() => sig.iceServers))
      .map((s) => ({ ...s, urls: [].concat(s.urls).filter((u) => u.startsWith('turn:') && u.endsWith('transport=udp')) }))
      .filter((s) => s.urls.length > 0 && s.username);
    assert.equal(iceServers.length, 1, JSON.stringify(iceServers));
    assert.equal(iceServers[0].urls[0], `turn:${SERVER_ADDRESS}:${turnPort}?transport=udp`);
    const peerIds = [];
    for (const [i, page] of pages.entries()) {
      await page.evaluate((o) => { start(o); }, { host: SERVER_ADDRESS, port: server.signal.port,
        path: '/peerjs', key: KEY, config: { iceServers, iceTransportPolicy: 'relay' } });
      peerIds.push(await until(() => page.evaluate(() => peerId), 30000, `${ids[i]}'s peerjs open`));
    }
    const before = await metrics();
    const kernelDropsBefore = await kernelDrops();

    // The call, and the numbered messages sent while it sets up and runs.
    await a.evaluate((id) => callRemote(id), peerIds[1]);
    await until(() => b.evaluate(() => called), 30000, 'the incoming call');
    await b.evaluate(() => acceptCalled());
    const sending = [a.evaluate(([to, n]) => sig.send(to, n), [ids[1], MESSAGES]),
      b.evaluate(([to, n]) => sig.send(to, n), [ids[0], MESSAGES])];
    for (const [name, page] of [['caller', a], ['callee', b]]) {
      const stats = await until(async () => {
        const s = await page.evaluate(() => videoStats());
        return s.frames > 0 && s.local ? s : null;
      }, 60000, `${name}'s decoded video`);
      assert.deepEqual([stats.local, stats.remote], ['relay', 'relay'], `${name}: ${JSON.stringify(stats)}`);
    }
    // Some seconds of video over the bad link; it keeps decoding.
    const framesAt = await Promise.all(pages.map((p) => p.evaluate(() => videoStats().then((s) => s.frames))));
    await new Promise((resolve) => setTimeout(resolve, 5000));
    for (const [i, page] of pages.entries()) {
      const frames = await page.evaluate(() => videoStats().then((s) => s.frames));
      assert.ok(frames > framesAt[i] + 20, `${ids[i]}: ${framesAt[i]} frames decoded, then ${frames} five seconds later`);
      assert.equal(await page.evaluate(() => iceState()), 'connected');
    }
    await Promise.all(sending);
    for (const [i, page] of pages.entries()) {
      const other = ids[1 - i];
      await until(() => page.evaluate((n) => sig.signals.length >= n && sig.broadcasts.length >= n, MESSAGES), 30000,
        `${ids[i]}'s messages`);
      const got = await page.evaluate(() => ({ signals: sig.signals, broadcasts: sig.broadcasts }));
      assert.ok(inOrder(got.signals, other, 'signal'), `${ids[i]} got signals ${JSON.stringify(got.signals.slice(0, 20))}…`);
      assert.ok(inOrder(got.broadcasts, other, 'broadcast'), `${ids[i]} got broadcasts ${JSON.stringify(got.broadcasts.slice(0, 20))}…`);
    }

    // Hang up and close the pages, so the link falls quiet; then compare the counters.
    await a.evaluate(() => callObj.close());
    for (const page of pages) await page.close();
    let quiet;
    let previous = '';
    await until(async () => {
      quiet = await link.stats();
      const text = JSON.stringify(quiet);
      const settled = text === previous;
      previous = text;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 1000));
      return settled;
    }, 30000, 'a quiet link');
    const now = await metrics();
    const d = (key) => now[key] - before[key];
    t.diagnostic(`link: ${JSON.stringify(quiet)}`);
    t.diagnostic(`iceway: ${JSON.stringify(now)}`);

    // The link did impair, both ways, and accounts for every packet it read.
    for (const direction of ['in', 'out']) {
      const c = quiet[direction];
      assert.ok(c.dropped > 0 && c.duplicated > 0 && c.reordered > 0, `${direction}: ${JSON.stringify(c)}`);
      assert.equal(c.read - c.dropped + c.duplicated, c.written + c.write_failed + c.pending, `${direction}: ${JSON.stringify(c)}`);
      assert.equal(c.pending, 0);
      assert.equal(c.fragments, 0, 'a fragmented datagram would be counted as data by its first fragment only');
    }
    // iceway's counters explain every datagram of relayed data the link delivered to it. Both
    // peers are iceway's own relayed addresses, so what arrived is the clients' ChannelData and
    // Send indications (in.data_written) plus what its relays sent each other (clientToPeer);
    // each was relayed (clientToPeer + peerToClient), dropped with a reason, or lost at a full
    // receive buffer. What it relayed to the clients (peerToClient) left through the link
    // (out.data_read), unless the kernel refused the send (a full send buffer while the link
    // lags) or lost it afterwards (kernelDrops). Refused sends are counted with STUN answers,
    // and the kernel's losses with other packets, so those two only bound what is left over:
    //   0 <= in.data_written - out.data_read - dropped - overflowed <= refused + lost
    //   out.data_read <= peerToClient <= out.data_read + refused + lost
    const dropped = Object.values(now.dropped).reduce((s, n) => s + n, 0) -
      Object.values(before.dropped).reduce((s, n) => s + n, 0);
    const kernel = await kernelDrops();
    const lost = kernel.sum - kernelDropsBefore.sum;
    const counted = `data delivered to iceway ${quiet.in.data_written}, data it sent to the clients ${quiet.out.data_read}; ` +
      `relayed ${d('clientToPeer')} to peers and ${d('peerToClient')} to clients, dropped ${dropped} ` +
      `(${JSON.stringify(now.dropped)}), lost at full buffers ${d('overflowed')}, refused by the kernel ${d('refused')}, ` +
      `lost by the kernel ${lost} (now ${JSON.stringify(kernel)})`;
    t.diagnostic(counted);
    assert.ok(quiet.in.data_written > 1000 && quiet.out.data_read > 1000, counted);
    const unexplained = quiet.in.data_written - quiet.out.data_read - dropped - d('overflowed');
    assert.ok(unexplained >= 0 && unexplained <= d('refused') + lost, counted);
    assert.ok(quiet.out.data_read <= d('peerToClient') && d('peerToClient') <= quiet.out.data_read + d('refused') + lost, counted);
    // Native signaling: iceway counted each message it was sent once.
    assert.equal(d('signals'), 2 * MESSAGES);
    assert.equal(d('broadcasts'), 2 * MESSAGES);
    assert.ok(d('allocations') >= 2, `allocations made: ${d('allocations')}`);

    assert.equal(await stopIceway(server), 0, server.output());
  } catch (error) {
    const dir = testOutputDir('fault_impaired_link');
    for (const [i, page] of pages.entries()) await page.screenshot({ path: join(dir, `${ids[i]}.png`) }).catch(() => {});
    throw new Error(`${error.message}\n--- iceway output:\n${server.output().slice(-4000)}`, { cause: error });
  }
});
