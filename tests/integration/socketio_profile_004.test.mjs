// Tutorial 004's Socket.IO flow with the unmodified socket.io-client against iceway started with
// deploy/profiles/tutorial-004.toml: offer, answer and candidate as {username, target, ...},
// each relayed unchanged to `target`. The callee is named by its handshake's auth object or a
// login, the caller by the username of its first event; a callee that has sent nothing cannot
// be called (the documented limit) and the caller is told so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopIceway, loopbackArgs, startIceway } from './lib/iceway.mjs';
import { profilePath } from './lib/tutorial.mjs';
import { httpBase, nextEvent, connect } from './lib/socketio.mjs';

let server;
const sockets = [];

before(async () => { server = await startIceway(['--config', profilePath('tutorial-004'), ...loopbackArgs({ ipv6: false })]); });
after(async () => {
  for (const socket of sockets) socket.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

async function page(options = {}) {
  const socket = await connect(httpBase(server), options);
  sockets.push(socket);
  return socket;
}

test('a call by name goes as with the tutorial\'s own server, both transports', { timeout: 30000 }, async () => {
  // The callee says who it is in the handshake; the caller only in its events.
  const bob = await page({ auth: { username: 'bob' } });
  const alice = await page({ transports: ['websocket'] });

  const offer = { username: 'alice', target: 'bob', offer: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } };
  const gotOffer = nextEvent(bob, 'offer');
  alice.emit('offer', offer);
  assert.deepEqual(await gotOffer, [offer]);

  // alice was named by her offer's username, so bob's answer finds her.
  const answer = { username: 'bob', target: 'alice', answer: { type: 'answer', sdp: 'v=0\r\n' } };
  const gotAnswer = nextEvent(alice, 'answer');
  bob.emit('answer', answer);
  assert.deepEqual(await gotAnswer, [answer]);

  const candidate = { username: 'alice', target: 'bob', candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } };
  const gotCandidate = nextEvent(bob, 'candidate');
  alice.emit('candidate', candidate);
  assert.deepEqual(await gotCandidate, [candidate]);
});

test('a callee that has sent nothing cannot be called, the caller gets an error event, and a login fixes it', { timeout: 30000 }, async () => {
  const carol = await page();
  const dave = await page();
  const refused = nextEvent(dave, 'error');
  dave.emit('offer', { username: 'dave', target: 'carol', offer: {} });
  const [body] = await refused;
  assert.equal(body.ok, false);
  assert.equal(body.error, 'unknown-target');
  assert.equal(body.event, 'offer');

  assert.deepEqual(await carol.timeout(10000).emitWithAck('login', 'carol'), { ok: true });
  const offer = { username: 'dave', target: 'carol', offer: { type: 'offer', sdp: 'x' } };
  const gotOffer = nextEvent(carol, 'offer');
  dave.emit('offer', offer);
  assert.deepEqual(await gotOffer, [offer]);
});
