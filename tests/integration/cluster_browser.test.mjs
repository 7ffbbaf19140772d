// Issue 13 in Chromium: two iceway nodes joined by a real redis-server, each page on its own node
// (its signaling and its TURN, with the one REST secret the nodes share).
//   - the unmodified peerjs client makes a relay-only video call from a tab on node A to a tab on
//     node B; video decodes both ways. Then node B is killed with -9 during the call: within
//     about three heartbeats node A no longer counts B's peer as present (the id is free there),
//     and the caller's call loses its media path;
//   - two y-webrtc providers in separate browsers, one on each node's /yjs, sync a document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs } from './lib/turn.mjs';
import { launchBrowser, testOutputDir } from './lib/browser.mjs';
import { until } from './lib/ops.mjs';
import { startRedis, stopRedis } from './lib/redis.mjs';
import { untilNodes, untilRemotePeers } from './lib/cluster.mjs';
import { SignalClient, signalUrl } from './lib/signal.mjs';
import { PEERJS_CALL_PAGE } from './lib/peerjs_call_page.mjs';
import { bundle, startWeb } from './lib/yjs_page.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const OUTPUT = testOutputDir('cluster_browser');
const API_KEY = 'cluster-browser-api-key';
const HEARTBEAT_MS = 500;

let redis;
const nodes = {};
let peerjsWeb;
let yjsWeb;
const browsers = [];

// Each node's relays are on 127.0.0.1: a relay on one node reaches the other's only as a loopback
// peer, which the default policy refuses. In production relays are public addresses, which it
// allows; here loopback peers are allowed to stand for them.
function nodeArgs(id) {
  return [...loopbackArgs({ ipv6: false }), ...turnArgs, '--allow-loopback-peers', '--set', `auth.api_keys=["${API_KEY}"]`,
    '--set', 'server.drain_timeout="1s"', '--set', `cluster.redis=${redis.url}`, '--set', `cluster.node_id=${id}`,
    '--set', `cluster.heartbeat=${HEARTBEAT_MS}ms`];
}

before(async () => {
  redis = await startRedis();
  let script;
  [nodes.a, nodes.b, script] = await Promise.all([startIceway(nodeArgs('browser-a')), startIceway(nodeArgs('browser-b')),
    bundle(OUTPUT)]);
  yjsWeb = await startWeb(script);
  const peerjs = readFileSync(join(HERE, 'node_modules/peerjs/dist/peerjs.js'));
  peerjsWeb = http.createServer((request, response) => {
    response.setHeader('content-type', request.url === '/peerjs.js' ? 'text/javascript' : 'text/html');
    response.end(request.url === '/peerjs.js' ? peerjs : PEERJS_CALL_PAGE);
  });
  await new Promise((resolve) => peerjsWeb.listen(0, '127.0.0.1', resolve));
});

after(async () => {
  for (const browser of browsers) await browser.close();
  for (const web of [peerjsWeb, yjsWeb]) if (web) web.close();
  for (const server of Object.values(nodes)) {
    if (server.child.exitCode === null && server.child.signalCode === null) assert.equal(await stopIceway(server), 0, server.output());
  }
  if (redis) await stopRedis(redis);
});

async function iceServers(server, user) {
  const response = await fetch(`http://127.0.0.1:${server.signal.port}/api/v1/ice-servers?user=${user}&ttl=600`,
    { headers: { authorization: `Bearer ${API_KEY}` } });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()).iceServers;
}

// A PeerJS client in Node on `server` asking for `id`: OPEN if no node holds it, ID-TAKEN if one does.
async function claimPeerJsId(server, id) {
  const client = await SignalClient.open(signalUrl(server, `/peerjs/peerjs?key=peerjs&id=${id}&token=probe-${Date.now()}`));
  try {
    return (await client.next(undefined, 5000)).type;
  } finally {
    client.ws.terminate();
  }
}

test('a PeerJS video call between tabs on two nodes, relay-only; killing the callee\'s node frees its id on the caller\'s within the bound', { timeout: 150000 }, async () => {
  const browser = await launchBrowser({ fakeMedia: true });
  browsers.push(browser);
  const [a, b] = [await browser.newPage(), await browser.newPage()];
  const pages = { caller: a, callee: b };
  try {
    for (const [page, server, user] of [[a, nodes.a, 'caller'], [b, nodes.b, 'callee']]) {
      page.on('pageerror', (error) => console.log(`page error: ${error}`));
      await page.goto(`http://127.0.0.1:${peerjsWeb.address().port}/`);
      const options = { host: '127.0.0.1', port: server.signal.port, path: '/peerjs',
        config: { iceServers: await iceServers(server, user), iceTransportPolicy: 'relay' } };
      await page.evaluate((o) => start(o), options);
    }
    const calleeId = await until(() => b.evaluate(() => peerId), 30000, 'the callee\'s peer id');
    await until(() => a.evaluate(() => peerId), 30000, 'the caller\'s peer id');
    // Node A must know the callee's id (a claim made on node B) before the OFFER can cross.
    // Read from A's gauge: a probe for the id on A, which sorts first, could take it from B.
    await untilRemotePeers(nodes.a, 1);
    assert.equal(await claimPeerJsId(nodes.a, calleeId), 'ID-TAKEN');
    await a.evaluate((id) => callRemote(id), calleeId);
    await until(() => b.evaluate(() => called), 30000, 'the incoming call on node B');
    await b.evaluate(() => acceptCalled());
    for (const [name, page] of Object.entries(pages)) {
      const stats = await until(async () => {
        const s = await page.evaluate(() => videoStats());
        return s.frames > 0 && s.local ? s : null;
      }, 45000, `${name}'s decoded video`);
      assert.deepEqual([stats.local, stats.remote], ['relay', 'relay'], `${name}: ${JSON.stringify(stats)}`);
    }

    // kill -9 of the callee's node during the call.
    const killedAt = Date.now();
    nodes.b.child.kill('SIGKILL');
    await until(async () => (await claimPeerJsId(nodes.a, calleeId)) === 'OPEN', 10000,
      'node A to drop the dead node\'s peer');
    const gone = Date.now() - killedAt;
    assert.ok(gone < 3 * HEARTBEAT_MS + 2000, `${gone} ms until node A dropped node B's peer`);
    // The call ends on the caller's side: node A announces the callee's release as LEAVE,
    // on which peerjs closes the call (its peerConnection goes null); and the call's relay on
    // node B died with it, so without the LEAVE its ICE would leave "connected".
    await until(async () => a.evaluate(() => callObj.peerConnection === null ||
      ['disconnected', 'failed', 'closed'].includes(iceState())), 45000, 'the caller\'s call to end');
  } catch (error) {
    for (const [name, page] of Object.entries(pages)) await page.screenshot({ path: join(OUTPUT, `${name}.png`) }).catch(() => {});
    throw error;
  } finally {
    await a.close();
    await b.close();
  }
});

test('two y-webrtc providers, one on each node\'s /yjs, sync a document through the cluster', { timeout: 180000 }, async () => {
  // Node B was killed by the test above: start a fresh one in its place.
  if (nodes.b.child.exitCode !== null || nodes.b.child.signalCode !== null) nodes.b = await startIceway(nodeArgs('browser-b2'));
  // The providers' announces cross only between nodes that know each other (a node just started
  // learns the others within a round trip of reaching Redis, not at once).
  await Promise.all([untilNodes(nodes.a, 1), untilNodes(nodes.b, 1)]);
  const room = 'iceway-cluster-yjs-room';
  const pages = {};
  for (const [name, server] of [['alice', nodes.a], ['bob', nodes.b]]) {
    const browser = await launchBrowser();  // separate browsers: no BroadcastChannel between them
    browsers.push(browser);
    const page = await browser.newPage();
    page.on('pageerror', (error) => console.log(`${name}: page error: ${error}`));
    await page.goto(`http://127.0.0.1:${yjsWeb.address().port}/`);
    pages[name] = { page, server };
  }
  try {
    for (const [name, { page, server }] of Object.entries(pages)) {
      await page.evaluate(([r, n, s, i]) => t.start(r, n, s, i),
        [room, name, [`ws://127.0.0.1:${server.signal.port}/yjs`], await iceServers(server, `yjs-${name}`)]);
      await page.evaluate(([n]) => t.edit(n), [name]);
    }
    const [alice, bob] = await Promise.all([pages.alice.page.evaluate(() => t.seen('bob')),
      pages.bob.page.evaluate(() => t.seen('alice'))]);
    for (const [view, who] of [[alice, 'alice'], [bob, 'bob']]) {
      assert.deepEqual(view.users, ['alice', 'bob'], who);
      assert.equal(view.webrtcPeers, 1, who);
      assert.equal(view.bcPeers, 0, who);
    }
    assert.equal(alice.text, bob.text, 'both documents converge');
  } catch (error) {
    for (const [name, { page }] of Object.entries(pages)) await page.screenshot({ path: join(OUTPUT, `${name}.png`) }).catch(() => {});
    throw error;
  }
});
