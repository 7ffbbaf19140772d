// The JSON app profiles shipped in deploy/profiles/ on the real binary, spoken with the `ws`
// client as tutorial 001's and 003's pages speak: names from the URL or the first message, the
// app's JSON forwarded with its keys in order and only the sender field set, and the tutorial
// server's own answer when the callee is not online.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { stopIceway, loopbackArgs } from './lib/iceway.mjs';
import {
  startSignalServer, SignalClient, signalUrl, scrape, waitForMetric, messageMetric, errorMetric,
} from './lib/signal.mjs';

const profile = (name) => fileURLToPath(new URL(`../../deploy/profiles/${name}.toml`, import.meta.url));

async function serve(name) {
  return startSignalServer(['--config', profile(name), ...loopbackArgs({ ipv6: false })]);
}

const clients = [];
async function open(server, path) {
  const client = await SignalClient.open(signalUrl(server, path));
  clients.push(client);
  return client;
}

after(async () => { await Promise.all(clients.map((c) => c.terminate())); });

describe('tutorial 001 (/device/chat)', () => {
  let server;
  before(async () => { server = await serve('tutorial-001'); });
  after(async () => { if (server) assert.equal(await stopIceway(server), 0, server.output()); });

  test('a call between two named pages: the app\'s JSON as written, fromUser set by the server', async () => {
    const fanly = await open(server, `/device/chat?name=fanly`);
    const xiaoming = await open(server, `/device/chat?name=${encodeURIComponent('小明')}`);
    fanly.send({ type: 'call_start', fromUser: 'someone-else', toUser: '小明' });
    const start = await xiaoming.next('call_start');
    assert.deepEqual(Object.keys(start), ['type', 'fromUser', 'toUser'], 'keys in the page\'s order, none added');
    assert.equal(start.fromUser, 'fanly');
    xiaoming.send({ type: 'call_back', toUser: 'fanly', fromUser: '小明', msg: '1' });
    assert.deepEqual(await fanly.next('call_back'), { type: 'call_back', toUser: 'fanly', fromUser: '小明', msg: '1' });
    const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n';
    fanly.send({ type: 'offer', sdp, fromUser: 'fanly', toUser: '小明' });
    assert.equal((await xiaoming.next('offer')).sdp, sdp);
  });

  test('calling a user who is not online gets the tutorial server\'s call_back', async () => {
    const before = await scrape(server);
    const caller = await open(server, '/device/chat?name=caller');
    caller.send({ type: 'call_start', fromUser: 'caller', toUser: 'nobody' });
    const answer = await caller.next('call_back');
    assert.deepEqual(answer, { type: 'call_back', fromUser: '系统消息', msg: 'Sorry，呼叫的用户不在线！' });
    // Counted (the exporter's snapshot may lag the answer a moment).
    const counted = (name) => waitForMetric(server, name, (value) => value === (before.get(name) ?? 0) + 1);
    await counted(errorMetric('peer-unavailable'));
    await counted(messageMetric('profile', 'message'));
  });

  test('a message without toUser is answered with a counted error, not dropped', async () => {
    const page = await open(server, '/device/chat?name=lonely');
    page.send({ type: 'hangup', fromUser: 'lonely' });
    const error = await page.next('error');
    assert.equal(error.code, 'bad-request');
    assert.match(error.message, /toUser/);
  });
});

describe('tutorial 003 (/video)', () => {
  let server;
  before(async () => { server = await serve('tutorial-003'); });
  after(async () => { if (server) assert.equal(await stopIceway(server), 0, server.output()); });

  test('the caller is named by its first message, the callee by its URL', async () => {
    const callee = await open(server, '/video?name=bob');
    const caller = await open(server, '/video');  // the page as written
    caller.send({ type: 'offer', sdp: { type: 'offer', sdp: 'v=0\r\n' }, name: 'bob', from: 'alice' });
    const offer = await callee.next('offer');
    assert.deepEqual(Object.keys(offer), ['type', 'sdp', 'name', 'from']);
    assert.equal(offer.from, 'alice');
    callee.send({ type: 'answer', sdp: { type: 'answer', sdp: 'v=0\r\n' }, name: 'alice', from: 'bob' });
    assert.equal((await caller.next('answer')).from, 'bob');
    callee.send({ type: 'leave', name: 'alice', from: 'bob' });
    await caller.next('leave');
  });

  test('calling a user who is not online ends the call attempt the page\'s way', async () => {
    const caller = await open(server, '/video?name=carol');
    caller.send({ type: 'offer', sdp: {}, name: 'nobody', from: 'carol' });
    assert.deepEqual(await caller.next('leave'), { type: 'leave', from: 'nobody' });
  });

  test('a name in use is refused and the connection closed', async () => {
    await open(server, '/video?name=dave');
    const second = await open(server, '/video?name=dave');
    assert.equal((await second.next('error')).code, 'id-taken');
    assert.equal((await second.closed).code, 1008);
  });
});
