// Signaling across iceway nodes ([cluster], issue 13) on the native /ws, PeerJS, /relay, app
// profile (tutorial 001's, as shipped), y-webrtc and Socket.IO protocols: a real
// redis-server and three real iceway processes, driven by `ws` clients. Ids are unique across
// the nodes, rooms span them, signal and broadcast cross them in order, a node killed with -9
// disappears within the bound, and Redis stopped and started is survived: local traffic goes on,
// /readyz stays ready, cross-node traffic and presence come back.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { stopIceway, loopbackArgs, run } from './lib/iceway.mjs';
import { startSignalServer, connectNative, scrape, SignalClient, signalUrl } from './lib/signal.mjs';
import { until } from './lib/ops.mjs';
import { startRedis, stopRedis } from './lib/redis.mjs';
import { untilRemotePeers } from './lib/cluster.mjs';
import { createLinkedNetns } from './lib/netns.mjs';
import { connect as sioConnect, nextEvent, httpBase } from './lib/socketio.mjs';

const HEARTBEAT_MS = 500;
const fastArgs = ['--set', 'signal.messages_per_second=100000', '--set', 'signal.message_burst=100000'];

function nodeArgs(redis, id) {
  return [...loopbackArgs({ ipv6: false, threads: 1 }), ...fastArgs,
    '--set', `cluster.redis=${redis.url}`, '--set', `cluster.node_id=${id}`, '--set', `cluster.heartbeat=${HEARTBEAT_MS}ms`];
}

const clients = [];
async function connect(server, query) {
  const { client, welcome } = await connectNative(server, query);
  clients.push(client);
  return { client, welcome };
}
async function join(client, room) {
  const answer = await client.request({ type: 'join', room });
  assert.equal(answer.type, 'joined', JSON.stringify(answer));
  return answer;
}
// Waits until `server` refuses `id` as taken: the claim made on another node has reached it.
// Each probe claims `id` on `server`, so use it only where the holder's node id sorts before
// `server`'s: otherwise a probe that arrives before the claim wins the id from its real holder
// (lib/cluster.mjs) and the wait can never end.
async function untilTaken(server, id) {
  await until(async () => {
    const { client, welcome } = await connectNative(server, `?id=${id}`);
    client.ws.terminate();
    return welcome.type === 'error' && welcome.code === 'id-taken';
  }, 10000, `node to learn that ${id} is taken elsewhere`);
}
async function ready(server) {
  const response = await fetch(`http://${server.admin.host}:${server.admin.port}/readyz`);
  return response.status;
}

describe('native signaling across nodes', () => {
  let redis;
  let a;
  let b;
  let c;
  before(async () => {
    redis = await startRedis();
    [a, b, c] = await Promise.all([
      startSignalServer(nodeArgs(redis, 'node-a')),
      startSignalServer(nodeArgs(redis, 'node-b')),
      startSignalServer(nodeArgs(redis, 'node-c')),
    ]);
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((client) => client.ws.terminate()));
    // Node c was killed by the test already; the others stop as a deployment stops them.
    for (const server of [a, b]) if (server) assert.equal(await stopIceway(server), 0, server.output());
    if (c && c.child.exitCode === null && c.child.signalCode === null) await stopIceway(c, 'SIGKILL');
    if (redis) await stopRedis(redis);
  });

  test('an id held on one node is id-taken on the others, and free again once its holder leaves', async () => {
    const { client: holder, welcome } = await connect(a, '?id=unique-1');
    assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
    await untilTaken(b, 'unique-1');
    await untilTaken(c, 'unique-1');
    holder.ws.close();
    await until(async () => {
      const { client, welcome: again } = await connectNative(b, '?id=unique-1');
      client.ws.terminate();
      return again.type === 'welcome';
    }, 10000, 'unique-1 to be free on node b after its holder left node a');
  });

  test('rooms span nodes: joined lists every node\'s members, peer-joined and peer-left reach all', async () => {
    const { client: alice } = await connect(a, '?id=alice');
    const { client: bob } = await connect(b, '?id=bob');
    assert.deepEqual((await join(alice, 'r1')).peers, []);
    await join(bob, 'r1');
    // Node a has seen bob's join once alice hears of it; a newcomer on node a then sees both.
    assert.deepEqual(await alice.next((m) => m.type === 'peer-joined'), { type: 'peer-joined', room: 'r1', id: 'bob' });
    const { client: dave } = await connect(a, '?id=dave');
    assert.deepEqual([...(await join(dave, 'r1')).peers].sort(), ['alice', 'bob']);
    assert.deepEqual(await bob.next((m) => m.type === 'peer-joined' && m.id === 'dave'), { type: 'peer-joined', room: 'r1', id: 'dave' });

    // signal {to} crosses nodes, and a burst keeps its order.
    alice.send({ type: 'signal', to: 'bob', data: { hello: 'from a' } });
    assert.deepEqual(await bob.next('signal'), { type: 'signal', from: 'alice', data: { hello: 'from a' } });
    for (let i = 0; i < 300; i += 1) alice.send({ type: 'signal', to: 'bob', data: { seq: i } });
    for (let i = 0; i < 300; i += 1) assert.deepEqual((await bob.next('signal')).data, { seq: i });

    // broadcast reaches the room on every node, not the sender.
    bob.send({ type: 'broadcast', room: 'r1', data: 'to all' });
    for (const member of [alice, dave]) {
      assert.deepEqual(await member.next('broadcast'), { type: 'broadcast', room: 'r1', from: 'bob', data: 'to all' });
    }
    assert.equal(bob.queue.filter((m) => m.type === 'broadcast').length, 0);

    // leave and disconnect on node b are announced on node a.
    await bob.request({ type: 'leave', room: 'r1' });
    for (const member of [alice, dave]) assert.deepEqual(await member.next('peer-left'), { type: 'peer-left', room: 'r1', id: 'bob' });
    const { client: carol } = await connect(b, '?id=carol');
    await join(carol, 'r1');
    await alice.next((m) => m.type === 'peer-joined' && m.id === 'carol');
    carol.ws.close();
    assert.deepEqual(await alice.next('peer-left'), { type: 'peer-left', room: 'r1', id: 'carol' });

    // A signal to an id no node holds is still refused.
    const refused = await alice.request({ type: 'signal', to: 'nobody', data: 1 });
    assert.equal(refused.code, 'peer-unavailable', JSON.stringify(refused));

    // The metrics say the same (the dashboard's Cluster row and the Redis alert read them).
    // The node and remote-peer gauges follow the nodes' state messages (every heartbeat), not
    // each peer event, so they may be one heartbeat behind the events seen above.
    await until(async () => {
      const gauges = await scrape(a);
      return gauges.get('iceway_cluster_nodes') === 2 && gauges.get('iceway_cluster_remote_peers') >= 1;
    }, 10000, 'node a to count both nodes and node b\'s peers');
    const onA = await scrape(a);
    const onB = await scrape(b);
    assert.equal(onA.get('iceway_cluster_redis_connected'), 1);
    assert.equal(onA.get('iceway_cluster_redis_losses_total'), 0);
    assert.equal(onA.get('iceway_cluster_nodes'), 2);
    assert.ok(onA.get('iceway_cluster_remote_peers') >= 1, String(onA.get('iceway_cluster_remote_peers')));
    assert.ok(onA.get('iceway_cluster_messages_sent_total') >= 301);
    assert.ok(onB.get('iceway_cluster_messages_received_total') >= 301);
    assert.ok(onB.get('iceway_cluster_messages_sent_total') >= 1);  // the broadcast: one publish to node a
    // Something on the channel that is not a bus message is counted and ignored.
    const cli = await run('redis-cli', ['-p', String(redis.port), 'PUBLISH', 'iceway:presence', 'not a bus message']);
    assert.equal(cli.code, 0, cli.stderr);
    await until(async () => (await scrape(a)).get('iceway_cluster_bus_refused_total') === 1, 10000,
      'node a to count the refused bus message');
  });

  test('a node killed with -9 disappears: its room members leave within about three heartbeats', async () => {
    const { client: watcher } = await connect(a, '?id=watcher');
    await join(watcher, 'r2');
    const { client: eve } = await connect(c, '?id=eve');
    await join(eve, 'r2');
    await watcher.next((m) => m.type === 'peer-joined' && m.id === 'eve');
    const killedAt = Date.now();
    await stopIceway(c, 'SIGKILL');
    assert.deepEqual(await watcher.next('peer-left', 10000), { type: 'peer-left', room: 'r2', id: 'eve' });
    const took = Date.now() - killedAt;
    // 3 heartbeats of silence, a quarter heartbeat of expiry granularity and room for a loaded CI.
    assert.ok(took <= 3 * HEARTBEAT_MS + HEARTBEAT_MS + 2000, `peer-left after ${took} ms`);
    // Its last state was at most about a heartbeat before the kill, so about two heartbeats of
    // silence at least: the expiry, not a closed connection, announced it.
    assert.ok(took >= HEARTBEAT_MS, `peer-left after only ${took} ms: presence is not soft state`);
    // eve's id is free on the nodes still alive (node b drops node c on its own clock, within
    // the same bound).
    await until(async () => {
      const { client, welcome } = await connectNative(b, '?id=eve');
      client.ws.terminate();
      return welcome.type === 'welcome';
    }, 3 * HEARTBEAT_MS + 2000, 'eve to be free on node b');
  });

  test('Redis stopped and started: local traffic goes on, /readyz stays ready, presence and cross-node traffic resume', async () => {
    const { client: left } = await connect(a, '?id=left-1');
    const { client: local } = await connect(a, '?id=local-1');
    const { client: right } = await connect(b, '?id=right-1');
    await join(left, 'r3');
    await join(local, 'r3');
    await join(right, 'r3');
    await left.next((m) => m.type === 'peer-joined' && m.id === 'right-1');

    await stopRedis(redis);
    // Node b's members fall out of node a's presence...
    assert.deepEqual(await left.next((m) => m.type === 'peer-left' && m.id === 'right-1', 10000),
      { type: 'peer-left', room: 'r3', id: 'right-1' });
    // ...while node a's own peers still reach each other, and a stays ready.
    left.send({ type: 'signal', to: 'local-1', data: 'still here' });
    assert.deepEqual(await local.next('signal'), { type: 'signal', from: 'left-1', data: 'still here' });
    assert.equal(await ready(a), 200);
    const down = await scrape(a);
    assert.equal(down.get('iceway_cluster_redis_connected'), 0);

    redis = await startRedis({ port: redis.port });
    assert.deepEqual(await left.next((m) => m.type === 'peer-joined' && m.id === 'right-1', 15000),
      { type: 'peer-joined', room: 'r3', id: 'right-1' });
    left.send({ type: 'signal', to: 'right-1', data: 'back' });
    assert.deepEqual(await right.next('signal'), { type: 'signal', from: 'left-1', data: 'back' });
    const up = await scrape(a);
    assert.equal(up.get('iceway_cluster_redis_connected'), 1);
    assert.ok(up.get('iceway_cluster_redis_losses_total') >= 1);
    // Logged once per outage, however many reconnects failed.
    assert.equal(a.output().match(/Redis at \S+ is unreachable/g)?.length, 1, a.output());
    assert.match(a.output(), /Redis at \S+ is reachable again/);
  });
});

describe('the buffer towards Redis while it is down', () => {
  let redis;
  let a;
  let b;
  const extra = ['--set', 'cluster.publish_buffer=64KiB'];
  before(async () => {
    redis = await startRedis();
    // A long heartbeat keeps node b in node a's presence while Redis is down, so frames for
    // b's peers are queued, not refused.
    [a, b] = await Promise.all([
      startSignalServer([...nodeArgs(redis, 'buffer-a'), '--set', 'cluster.heartbeat=5s', ...extra]),
      startSignalServer([...nodeArgs(redis, 'buffer-b'), '--set', 'cluster.heartbeat=5s', ...extra]),
    ]);
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((client) => client.ws.terminate()));
    for (const server of [a, b]) if (server) assert.equal(await stopIceway(server), 0, server.output());
    if (redis) await stopRedis(redis);
  });

  test('holds at most cluster.publish_buffer: the rest is dropped and counted, and the node serves on', async () => {
    const { client: sender } = await connect(a, '?id=sender');
    const { client: local } = await connect(a, '?id=neighbour');
    await connect(b, '?id=far');
    // Node a ("buffer-a") sorts before node b, so probing a with far's id could take it from b.
    await untilRemotePeers(a, 1);
    await stopRedis(redis);
    await until(async () => (await scrape(a)).get('iceway_cluster_redis_connected') === 0, 10000,
      'node a to notice that Redis is gone');
    const payload = 'x'.repeat(1000);
    for (let i = 0; i < 300; i += 1) sender.send({ type: 'signal', to: 'far', data: { seq: i, payload } });
    // 300 frames of about 1.1 KB against a 64 KiB buffer: most are dropped.
    const dropped = await until(async () => {
      const value = (await scrape(a)).get('iceway_cluster_publish_dropped_total');
      return value >= 200 ? value : 0;
    }, 10000, 'the frames beyond the buffer to be counted as dropped');
    assert.ok(dropped < 300, `${dropped} dropped: nothing was buffered`);
    sender.send({ type: 'signal', to: 'neighbour', data: 'local still works' });
    assert.deepEqual(await local.next('signal'), { type: 'signal', from: 'sender', data: 'local still works' });
    assert.equal(await ready(a), 200);
  });
});

describe('PeerJS across nodes', () => {
  let redis;
  let a;
  let b;
  before(async () => {
    redis = await startRedis();
    // A short expire_timeout, so the test's wait for an EXPIRE that must not come is short too.
    const expire = ['--set', 'signal.peerjs.expire_timeout=500ms'];
    [a, b] = await Promise.all([startSignalServer([...nodeArgs(redis, 'peerjs-a'), ...expire]),
      startSignalServer([...nodeArgs(redis, 'peerjs-b'), ...expire])]);
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((client) => client.ws.terminate()));
    for (const server of [a, b]) if (server) assert.equal(await stopIceway(server), 0, server.output());
    if (redis) await stopRedis(redis);
  });
  // The PeerJS wire protocol as the `peerjs` client speaks it; resolves with the client and its
  // first frame (OPEN, or ID-TAKEN).
  async function peer(server, id) {
    const client = await SignalClient.open(signalUrl(server, `/peerjs/peerjs?key=peerjs&id=${id}&token=t-${id}&version=1.5.5`));
    clients.push(client);
    return { client, first: await client.next() };
  }

  test('ids are unique across nodes; OFFER, ANSWER, CANDIDATE and LEAVE reach a peer on the other node', async () => {
    const { client: pa, first } = await peer(a, 'pa');
    assert.equal(first.type, 'OPEN');
    await until(async () => {
      const { client, first: answer } = await peer(b, 'pa');
      client.ws.terminate();
      return answer.type === 'ID-TAKEN';
    }, 10000, 'node b to refuse pa, held on node a');
    const { client: pb } = await peer(b, 'pb');
    // Node a sorts before node b: probing a for pb before b's claim arrived would take pb from b.
    await untilRemotePeers(a, 1);
    const { client: probe, first: refused } = await peer(a, 'pb');
    probe.ws.terminate();
    assert.equal(refused.type, 'ID-TAKEN', JSON.stringify(refused));
    const offer = { type: 'OFFER', dst: 'pb', payload: { sdp: { type: 'offer', sdp: 'v=0' }, type: 'media', connectionId: 'mc_1' } };
    pa.send(offer);
    assert.deepEqual(await pb.next('OFFER'), { ...offer, src: 'pa' });
    pb.send({ type: 'ANSWER', dst: 'pa', payload: { sdp: { type: 'answer', sdp: 'v=0' }, connectionId: 'mc_1' } });
    for (let i = 0; i < 20; i += 1) pb.send({ type: 'CANDIDATE', dst: 'pa', payload: { candidate: { n: i }, connectionId: 'mc_1' } });
    assert.equal((await pa.next('ANSWER')).src, 'pb');
    for (let i = 0; i < 20; i += 1) assert.deepEqual((await pa.next('CANDIDATE')).payload.candidate, { n: i });
    pa.send({ type: 'LEAVE', dst: 'pb' });
    assert.deepEqual(await pb.next('LEAVE'), { type: 'LEAVE', src: 'pa', dst: 'pb' });
  });

  test('a message for a peer on no node waits, and follows it when it appears on another node: no EXPIRE', async () => {
    const { client: sender } = await peer(a, 'early');
    const offer = { type: 'OFFER', dst: 'late', payload: { sdp: { type: 'offer', sdp: 'v=0' }, connectionId: 'mc_2' } };
    sender.send(offer);
    const { client: late } = await peer(b, 'late');
    assert.deepEqual(await late.next('OFFER'), { ...offer, src: 'early' });
    // Three expire_timeouts pass with no EXPIRE to the sender (a queue left behind on node a
    // would have told it after one).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(sender.queue.filter((m) => m.type === 'EXPIRE').length, 0, JSON.stringify(sender.queue));
  });
});

describe('the named relay, an app profile and y-webrtc across nodes', () => {
  let redis;
  let a;
  let b;
  const tutorial001 = fileURLToPath(new URL('../../deploy/profiles/tutorial-001.toml', import.meta.url));
  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([
      startSignalServer(['--config', tutorial001, ...nodeArgs(redis, 'apps-a')]),
      startSignalServer(['--config', tutorial001, ...nodeArgs(redis, 'apps-b')]),
    ]);
  });
  after(async () => {
    await Promise.all(clients.splice(0).map((client) => client.ws.terminate()));
    for (const server of [a, b]) if (server) assert.equal(await stopIceway(server), 0, server.output());
    if (redis) await stopRedis(redis);
  });
  async function open(server, path) {
    const client = await SignalClient.open(signalUrl(server, path));
    clients.push(client);
    return client;
  }

  test('/relay: names are unique across nodes, messages cross them in order, offline only when the name is nowhere', async () => {
    const alice = await open(a, '/relay?name=alice');
    await untilRemotePeers(b, 1);
    const taken = await open(b, '/relay?name=alice');
    assert.equal((await taken.next('error')).code, 'id-taken');
    const bob = await open(b, '/relay?name=bob');
    await untilRemotePeers(a, 1);
    for (let i = 0; i < 100; i += 1) alice.send({ type: 'candidate', to: 'bob', seq: i });
    for (let i = 0; i < 100; i += 1) {
      const got = await bob.next('candidate');
      assert.deepEqual([got.seq, got.from, got.fromUser], [i, 'alice', 'alice']);
    }
    bob.send({ type: 'answer', toUser: 'alice', sdp: 'v=0' });
    assert.equal((await alice.next('answer')).sdp, 'v=0');
    bob.ws.close();
    const offline = await until(async () => {
      alice.send({ type: 'offer', to: 'bob' });
      const answer = await alice.next((m) => m.type === 'error' || m.type === 'offer', 1000).catch(() => null);
      return answer && answer.code === 'peer-unavailable' ? answer : null;
    }, 10000, 'bob to be gone from node a');
    assert.equal(offline.target, 'bob');
  });

  test("tutorial 001's profile: a callee on the other node is called, the app's offline answer only when it is on no node", async () => {
    const caller = await open(a, '/device/chat?name=fanly');
    const callee = await open(b, `/device/chat?name=${encodeURIComponent('小明')}`);
    await untilRemotePeers(a, 1);
    caller.send({ type: 'call_start', toUser: '小明', fromUser: 'mallory' });
    assert.deepEqual(await callee.next('call_start'), { type: 'call_start', toUser: '小明', fromUser: 'fanly' });
    caller.send({ type: 'call_start', toUser: 'nobody' });
    assert.deepEqual(await caller.next('call_back'),
      { type: 'call_back', fromUser: '系统消息', msg: 'Sorry，呼叫的用户不在线！' });
  });

  test('y-webrtc topics span nodes: a publish reaches every subscriber and counts them all', async () => {
    const one = await open(a, '/yjs');
    const two = await open(b, '/yjs');
    const three = await open(b, '/yjs');
    for (const client of [one, two, three]) client.send({ type: 'subscribe', topics: ['doc-1'] });
    // Node a counts node b's subscribers once their joins have arrived.
    const echo = await until(async () => {
      one.send({ type: 'publish', topic: 'doc-1', data: { type: 'announce', from: 'one' } });
      const got = await one.next('publish', 5000);
      return got.clients === 3 ? got : null;
    }, 10000, 'node a to count the subscribers on node b');
    assert.deepEqual(echo.data, { type: 'announce', from: 'one' });
    for (const client of [two, three]) {
      const got = await client.next((m) => m.type === 'publish' && m.clients === 3);
      assert.deepEqual(got.data, { type: 'announce', from: 'one' });
    }
  });
});

describe('Socket.IO across nodes', () => {
  let redis;
  let a;
  let b;
  const sockets = [];
  before(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([startSignalServer(nodeArgs(redis, 'sio-a')), startSignalServer(nodeArgs(redis, 'sio-b'))]);
  });
  after(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const server of [a, b]) if (server) assert.equal(await stopIceway(server), 0, server.output());
    if (redis) await stopRedis(redis);
  });
  // The unmodified socket.io-client, with its default transports (polling, then the upgrade)
  // unless told otherwise.
  async function sio(server, options = {}) {
    const socket = await sioConnect(httpBase(server), options);
    sockets.push(socket);
    return socket;
  }
  // Emits until `receiver` gets `event` (node a learns of node b's rooms and names within a
  // heartbeat); the error events of the attempts made too early are what the sender hears.
  async function untilDelivered(sender, receiver, event, ...args) {
    return until(async () => {
      const got = nextEvent(receiver, event, 1000).catch(() => null);
      sender.emit(event, ...args);
      return got;
    }, 10000, `${event} to cross to the other node`);
  }

  test("tutorial 002's room flow: joinRoom on both nodes, offers and candidates reach the other node's member in order", async () => {
    const caller = await sio(a);
    const callee = await sio(b, { transports: ['websocket'] });
    caller.emit('joinRoom', 'room-002');
    callee.emit('joinRoom', 'room-002');
    const [first] = await untilDelivered(caller, callee, 'sendOffer', { offer: { type: 'offer', sdp: 'v=0' }, roomId: 'room-002' });
    assert.deepEqual(first, { offer: { type: 'offer', sdp: 'v=0' }, roomId: 'room-002' });
    const received = [];
    callee.on('candidate', (c) => received.push(c.seq));
    for (let i = 0; i < 50; i += 1) caller.emit('candidate', { seq: i, roomId: 'room-002' });
    await until(async () => received.length === 50, 10000, 'all 50 candidates on the other node');
    assert.deepEqual(received, [...Array(50).keys()]);
    callee.emit('sendAnswer', { answer: { type: 'answer' }, roomId: 'room-002' });
    assert.deepEqual((await nextEvent(caller, 'sendAnswer'))[0], { answer: { type: 'answer' }, roomId: 'room-002' });
  });

  test('a named socket is reached on the other node; once it is gone the caller is told unknown-target', async () => {
    const caller = await sio(a);
    const callee = await sio(b);
    const ack = await callee.timeout(5000).emitWithAck('login', 'callee-sio');
    assert.deepEqual(ack, { ok: true });
    const [offer] = await untilDelivered(caller, callee, 'offer', { to: 'callee-sio', sdp: 'v=0' });
    assert.deepEqual(offer, { to: 'callee-sio', sdp: 'v=0' });
    // Binary attachments cross as they are.
    caller.emit('file', { to: 'callee-sio' }, Buffer.from([0, 1, 2, 255]));
    const [, bytes] = await nextEvent(callee, 'file');
    assert.deepEqual([...new Uint8Array(bytes)], [0, 1, 2, 255]);
    callee.close();
    const refusal = await until(async () => {
      const answer = await caller.timeout(2000).emitWithAck('offer', { to: 'callee-sio' }).catch(() => null);
      return answer && answer.error === 'unknown-target' ? answer : null;
    }, 10000, 'node a to learn that callee-sio is gone');
    assert.equal(refusal.ok, false);
  });
});

describe('a Redis host that vanishes without a word', () => {
  let ns;
  let redis;
  let node;
  before(async () => {
    // Redis behind a veth pair, so its end can go dark: no FIN, no RST, packets just vanish.
    ns = await createLinkedNetns('redis');
    redis = await startRedis({ netns: ns.name, bind: ns.address });
    node = await startSignalServer(nodeArgs(redis, 'silent-a'));
  });
  after(async () => {
    if (node) assert.equal(await stopIceway(node), 0, node.output());
    if (redis) await stopRedis(redis);
    if (ns) await ns.remove();
  });

  test('the node notices within seconds, not TCP\'s minutes, and keeps serving its own peers', async () => {
    await until(async () => (await scrape(node)).get('iceway_cluster_redis_connected') === 1, 10000, 'the link to Redis');
    const { client: alice } = await connect(node, '?id=silent-alice');
    const { client: bob } = await connect(node, '?id=silent-bob');
    const down = await run('ip', ['-n', ns.name, 'link', 'set', 'dev', (await namespaceLink(ns)), 'down']);
    assert.equal(down.code, 0, down.stderr);
    const started = Date.now();
    await until(async () => (await scrape(node)).get('iceway_cluster_redis_connected') === 0, 20000,
      'the node to notice that Redis is gone');
    assert.ok(Date.now() - started < 15000, `${Date.now() - started} ms`);
    assert.equal((await scrape(node)).get('iceway_cluster_redis_losses_total'), 1);
    alice.send({ type: 'signal', to: 'silent-bob', data: 'still here' });
    assert.deepEqual(await bob.next('signal'), { type: 'signal', from: 'silent-alice', data: 'still here' });
    assert.equal(await ready(node), 200);
  });
});

// The namespace's end of the veth pair (the one ip created inside it).
async function namespaceLink(ns) {
  const links = await run('ip', ['-n', ns.name, '-o', 'link', 'show', 'type', 'veth']);
  return links.stdout.split(':')[1].trim().split('@')[0];
}
