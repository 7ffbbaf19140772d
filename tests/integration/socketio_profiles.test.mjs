// Tutorial 002's Socket.IO flow with the unmodified socket.io-client against iceway started with
// deploy/profiles/tutorial-002.toml, event by event as its pages emit them and as its own server
// answers: connectionSuccess on connect, joinRoom, callRemote and acceptCall to the whole room,
// sendOffer unwrapped, sendAnswer and sendCandidate renamed and unwrapped, hangUp.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { stopIceway, loopbackArgs, startIceway } from './lib/iceway.mjs';
import { profilePath } from './lib/tutorial.mjs';
import { io, httpBase, nextEvent } from './lib/socketio.mjs';

let server;
const sockets = [];

before(async () => { server = await startIceway(['--config', profilePath('tutorial-002'), ...loopbackArgs({ ipv6: false })]); });
after(async () => {
  for (const socket of sockets) socket.close();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

// As the page does: io(url), then on('connectionSuccess') emits joinRoom. The test asks for
// the join's ack (the page does not), so the room is known to hold the socket before the test
// sends to it from another connection.
async function page(roomId) {
  const socket = io(httpBase(server), { reconnection: false, forceNew: true });
  sockets.push(socket);
  await nextEvent(socket, 'connectionSuccess');
  assert.deepEqual(await socket.timeout(10000).emitWithAck('joinRoom', roomId), { ok: true });
  return socket;
}

test('a call in room 001 goes as with the tutorial\'s own server', { timeout: 30000 }, async () => {
  const a = await page('001');
  const b = await page('001');
  const rang = nextEvent(b, 'callRemote');
  const echoed = nextEvent(a, 'callRemote');  // io.to(roomId): the caller too
  a.emit('callRemote', '001');
  assert.deepEqual(await rang, ['001']);
  assert.deepEqual(await echoed, ['001']);

  const accepted = nextEvent(a, 'acceptCall');
  b.emit('acceptCall', '001');
  assert.deepEqual(await accepted, ['001']);

  const offer = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
  const gotOffer = nextEvent(b, 'sendOffer');
  a.emit('sendOffer', { offer, roomId: '001' });
  assert.deepEqual(await gotOffer, [offer]);

  const answer = { type: 'answer', sdp: 'v=0\r\n' };
  const gotAnswer = nextEvent(a, 'receiveAnswer');
  b.emit('sendAnswer', { roomId: '001', answer });
  assert.deepEqual(await gotAnswer, [answer]);

  const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  const gotCandidate = nextEvent(b, 'receiveCandidate');
  a.emit('sendCandidate', { roomId: '001', candidate });
  assert.deepEqual(await gotCandidate, [candidate]);

  const hungUp = nextEvent(b, 'hangUp');
  a.emit('hangUp', '001');
  assert.deepEqual(await hungUp, ['001']);
});

test('an event for a room without its roomId is answered with an error event, not dropped', { timeout: 15000 }, async () => {
  const a = await page('002');
  const error = nextEvent(a, 'error');
  a.emit('sendAnswer', { answer: {} });
  const [body] = await error;
  assert.equal(body.ok, false);
  assert.equal(body.error, 'bad-room');
  assert.equal(body.event, 'sendAnswer');
});
