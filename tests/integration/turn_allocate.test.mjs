// Allocate's answers on the real iceway binary, through a hand-written client: the error codes
// of RFC 8656 §7.2 (400, 440, 442, 486, 508), EVEN-PORT and DONT-FRAGMENT handled rather than
// mis-parsed, nonces bound to the client address (438), and unauthenticated answers that stay
// small and are rate limited per source IP (SPEC §9). uclient checks DONT-FRAGMENT from the
// outside (and EVEN-PORT R=1 pairs in turn.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import {
  TurnClient, startPeer, uclient, restCredentials, nowUnix, SECRET, turnArgs, Attr, Method, requestedTransportUdp,
} from './lib/turn.mjs';
import { message, parse, errorCode } from './lib/stun.mjs';

const EVEN_PORT = 0x0018;
const RESERVATION_TOKEN = 0x0022;
const DONT_FRAGMENT = 0x001a;
const UNKNOWN_ATTRIBUTES = 0x000a;
const QUOTA = 3;

let server;
let peer;

before(async () => {
  server = await startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers',
    '--set', `turn.max_allocations_per_user=${QUOTA}`]);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

const port = (kind = 'udp') => server[kind].find((e) => e.family === 4).port;
const connect = (transport = 'udp') => TurnClient.connect({ host: '127.0.0.1', port: port(transport === 'udp' ? 'udp' : 'tcp'), transport });
const credentials = (user) => restCredentials(SECRET, user, nowUnix() + 600);

// An Allocate with exactly these attributes, after the challenge (so the answer is the
// server's verdict on them, signed).
async function allocateWith(attributes, { user = 'allocate', transport = 'udp' } = {}) {
  const client = await connect(transport);
  const first = await client.allocate({ ...credentials(user) });  // learns realm and nonce
  if (first.success) assert.equal((await client.refresh(0)).success, true);
  const answer = client.describe(await client.request(Method.allocate, attributes));
  return { client, answer };
}

test('Allocate without REQUESTED-TRANSPORT is 400', async () => {
  const { client, answer } = await allocateWith([]);
  assert.equal(answer.code, 400);
  assert.ok(answer.integrity, 'errors to authenticated requests are signed');
  client.close();
});

// TCP relays themselves: turn_tcp_relay.test.mjs.
test('A TCP relay is 400 over UDP (RFC 6062 §5.1), and any protocol but UDP and TCP is 442', async () => {
  const overUdp = await allocateWith([[Attr.REQUESTED_TRANSPORT, Buffer.from([6, 0, 0, 0])]]);
  assert.equal(overUdp.answer.code, 400);
  overUdp.client.close();
  const sctp = await allocateWith([[Attr.REQUESTED_TRANSPORT, Buffer.from([132, 0, 0, 0])]], { transport: 'tcp' });
  assert.equal(sctp.answer.code, 442);
  sctp.client.close();
});

test('Allocate with an unknown REQUESTED-ADDRESS-FAMILY is 440', async () => {
  const { client, answer } = await allocateWith([requestedTransportUdp(), [Attr.REQUESTED_ADDRESS_FAMILY, Buffer.from([3, 0, 0, 0])]]);
  assert.equal(answer.code, 440);
  client.close();
});

// RFC 8656 §7.2 steps 5 and 8, as uclient's default mode uses them (turn.test.mjs relays
// through such pairs): the token is for another 5-tuple, good once.
test('EVEN-PORT R=1 reserves the next port under a token another client takes once; R=0 gets an even port', async () => {
  const rtp = await allocateWith([requestedTransportUdp(), [EVEN_PORT, Buffer.from([0x80])]], { user: 'pair' });
  assert.equal(rtp.answer.success, true, `error ${rtp.answer.code}`);
  assert.equal(rtp.answer.relayed.port % 2, 0, `relayed port ${rtp.answer.relayed.port}`);
  const token = rtp.answer.parsed.attributes.get(RESERVATION_TOKEN);
  assert.equal(token?.length, 8, 'RESERVATION-TOKEN in the success');

  const rtcp = await allocateWith([requestedTransportUdp(), [RESERVATION_TOKEN, token]], { user: 'pair' });
  assert.equal(rtcp.answer.success, true, `error ${rtcp.answer.code}`);
  assert.equal(rtcp.answer.relayed.port, rtp.answer.relayed.port + 1);
  assert.equal(rtcp.answer.parsed.attributes.get(RESERVATION_TOKEN), undefined);

  const again = await allocateWith([requestedTransportUdp(), [RESERVATION_TOKEN, token]], { user: 'pair-again' });
  assert.equal(again.answer.code, 508, 'a token is good once');
  const unknown = await allocateWith([requestedTransportUdp(), [RESERVATION_TOKEN, Buffer.from('0123456789abcdef', 'hex')]],
    { user: 'pair-again' });
  assert.equal(unknown.answer.code, 508);
  const withEvenPort = await allocateWith([requestedTransportUdp(), [RESERVATION_TOKEN, token], [EVEN_PORT, Buffer.from([0])]],
    { user: 'pair-again' });
  assert.equal(withEvenPort.answer.code, 400, 'RESERVATION-TOKEN with EVEN-PORT');

  const even = await allocateWith([requestedTransportUdp(), [EVEN_PORT, Buffer.from([0x00])]], { user: 'even' });
  assert.equal(even.answer.success, true, `error ${even.answer.code}`);
  assert.equal(even.answer.relayed.port % 2, 0, `relayed port ${even.answer.relayed.port}`);
  assert.equal(even.answer.parsed.attributes.get(RESERVATION_TOKEN), undefined);
  for (const { client } of [rtp, rtcp, again, unknown, withEvenPort, even]) client.close();
});

for (const transport of ['udp', 'tcp']) {
  test(`DONT-FRAGMENT from a ${transport.toUpperCase()} client is accepted (raw client and uclient -g)`, { timeout: 60000 }, async () => {
    const { client, answer } = await allocateWith([requestedTransportUdp(), [DONT_FRAGMENT, Buffer.alloc(0)]], { transport });
    assert.equal(answer.success, true, `error ${answer.code}, unknown ${answer.parsed.attributes.get(UNKNOWN_ATTRIBUTES)?.toString('hex')}`);
    client.close();
    const result = await uclient({ host: '127.0.0.1', port: port(transport), transport, extra: ['-g'], user: `df-${transport}`, secret: SECRET, messages: 10, peer: { address: '127.0.0.1', port: peer.port } });
    assert.equal(result.code, 0, result.output);
    assert.equal(result.lost, 0, result.output);
  });
}

test(`the per-user quota (${QUOTA}) answers 486, and a deleted allocation frees its slot`, async () => {
  const clients = [];
  for (let i = 0; i < QUOTA; ++i) {
    const client = await connect();
    assert.equal((await client.allocate(credentials('quota'))).success, true, `allocation ${i + 1}`);
    clients.push(client);
  }
  const over = await connect();
  const refused = await over.allocate(credentials('quota'));
  assert.equal(refused.code, 486);
  assert.ok(refused.integrity);
  // Another user is not affected by this user's quota.
  const other = await connect();
  assert.equal((await other.allocate(credentials('not-quota'))).success, true);
  assert.equal((await clients[0].refresh(0)).success, true);
  const retry = await over.request(Method.allocate, [requestedTransportUdp()]);
  assert.equal(retry.success, true, `error ${errorCode(retry.parsed)}`);
  for (const client of [...clients, over, other]) client.close();
});

test('a nonce issued to one client address is 438 from another, and the fresh nonce works', async () => {
  const first = await connect();
  assert.equal((await first.allocate(credentials('nonce-a'))).success, true);
  const second = await connect();
  second.realm = first.realm;
  second.nonce = first.nonce;  // borrowed from the other 5-tuple
  second.useCredentials(credentials('nonce-b'));
  const borrowed = await second.transact(second.signed(Method.allocate, [requestedTransportUdp()]));
  assert.equal(borrowed.code, 438);
  const fresh = borrowed.parsed.attributes.get(Attr.NONCE).toString();
  assert.notEqual(fresh, first.nonce);
  second.learnChallenge(borrowed.parsed);
  const retry = await second.transact(second.signed(Method.allocate, [requestedTransportUdp()]));
  assert.equal(retry.success, true, `error ${retry.code}`);
  first.close();
  second.close();
});

test('unauthenticated answers stay small whatever the request carries', async () => {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
  for (const padding of [0, 600, 1200]) {
    const attributes = [requestedTransportUdp()];
    if (padding) attributes.push([0x8888, Buffer.alloc(padding, 0x61)]);  // comprehension-optional, ignored
    const request = message(Method.allocate, attributes);
    const answer = new Promise((resolve) => socket.once('message', resolve));
    socket.send(request, port(), '127.0.0.1');
    const bytes = await answer;
    assert.equal(errorCode(parse(bytes)), 401);
    // Header, ERROR-CODE, REALM "iceway", NONCE (the 13-byte RFC 8489 cookie and at most 39
    // bytes), PASSWORD-ALGORITHMS (12 bytes), FINGERPRINT.
    assert.ok(bytes.length <= 132, `${bytes.length}-byte answer to a ${request.length}-byte request`);
  }
  socket.close();
});

test('a flood of unauthenticated requests from one IP is answered only up to its budget', { timeout: 20000 }, async () => {
  // From 127.0.0.2, so the other tests' address keeps its budget.
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, '127.0.0.2', resolve));
  let answers = 0;
  let bytes = 0;
  socket.on('message', (reply) => { answers += 1; bytes += reply.length; });
  const sent = 1000;
  const started = Date.now();
  for (let i = 0; i < sent; ++i) socket.send(message(Method.allocate, [requestedTransportUdp()]), port(), '127.0.0.1');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  socket.close();
  const seconds = (Date.now() - started) / 1000;
  // Defaults: a burst of 16 KiB, then 8 KiB per second, of answers (turn_amplification.test.mjs
  // floods every kind of answer); a 401 is about 100 bytes.
  assert.ok(answers >= 100, `only ${answers} answers`);
  assert.ok(bytes <= 16384 + 8192 * seconds, `${bytes} bytes in ${answers} answers to ${sent} requests`);
  // 127.0.0.1 is still answered at once.
  const client = await connect();
  assert.equal((await client.allocate(credentials('after-flood'))).success, true);
  client.close();
});
