// TURN credentials against the real iceway binary: the REST-API scheme works with the secret
// and with a hand-written client, and a wrong password, a username signed with another
// secret, an expired username and another user's allocation are refused, with the reason in
// the log. coturn's uclient is the outside opinion; the raw client shows the exact answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import {
  TurnClient, startPeer, uclient, restCredentials, nowUnix, SECRET, turnArgs, Attr, Method, requestedTransportUdp,
} from './lib/turn.mjs';

let server;
let peer;
const udpPort = () => server.udp.find((e) => e.family === 4).port;
const connect = (transport = 'udp') => TurnClient.connect({ host: '127.0.0.1', port: udpPort(), transport });

before(async () => {
  server = await startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers']);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

// Output written after `since` (the tests in this file run one after the other).
const outputSince = (since) => server.output().slice(since);
const created = (user, since = 0) => [...outputSince(since).matchAll(new RegExp(`allocation created: user=${user} `, 'g'))].length;

// The 401 of a refusal looks like the first challenge: REALM and a NONCE to try again with,
// no relayed address, and (having no trusted key) no MESSAGE-INTEGRITY.
function assertRefused(answer) {
  assert.equal(answer.success, false);
  assert.equal(answer.code, 401);
  assert.equal(answer.parsed.attributes.get(Attr.REALM)?.toString(), 'iceway');
  assert.ok(answer.parsed.attributes.get(Attr.NONCE)?.length > 0);
  assert.equal(answer.parsed.attributes.has(Attr.XOR_RELAYED_ADDRESS), false);
  assert.equal(answer.parsed.attributes.has(Attr.MESSAGE_INTEGRITY), false);
}

test('REST credentials from the secret (uclient -W) relay without loss', { timeout: 60000 }, async () => {
  const result = await uclient({ host: '127.0.0.1', port: udpPort(), user: 'secret-user', secret: SECRET, clients: 2, messages: 20, peer: { address: '127.0.0.1', port: peer.port } });
  const why = `${result.command}\n${result.output}`;
  assert.equal(result.code, 0, why);
  assert.equal(result.sent, 40, why);
  assert.equal(result.received, 40, why);
  assert.equal(result.lost, 0, why);
  assert.ok(created('secret-user') >= 2, server.output());
});

test('the hand-written client allocates with REST credentials and the answer is signed', async () => {
  const client = await connect();
  const { username, password } = restCredentials(SECRET, 'raw-ok', nowUnix() + 600);
  const answer = await client.allocate({ username, password });
  assert.equal(client.challenge.code, 401, 'the first Allocate is challenged');
  assert.equal(answer.success, true, `error ${answer.code}`);
  assert.ok(answer.integrity, 'the success answer carries MESSAGE-INTEGRITY with the long-term key');
  assert.equal(answer.relayed.address, '127.0.0.1');
  assert.equal(answer.mapped.port, client.local.port);
  assert.equal(answer.lifetime, 600);
  await waitForOutput(server, /allocation created: user=raw-ok client=udp 127\.0\.0\.1:\d+ relayed=127\.0\.0\.1:\d+ lifetime=600s/);
  client.close();
});

test('a wrong password is refused by uclient: no allocation, no relay', { timeout: 60000 }, async () => {
  const since = server.output().length;
  const result = await uclient({ host: '127.0.0.1', port: udpPort(), user: 'wrong-secret', secret: 'not-the-secret', messages: 10, peer: { address: '127.0.0.1', port: peer.port } });
  const why = `${result.command}\n${result.output}`;
  assert.notEqual(result.code, 0, why);
  assert.match(result.output, /Cannot complete Allocation/, why);
  assert.ok(!result.received, why);
  await waitForOutput(server, /auth failure: client=udp 127\.0\.0\.1:\d+ method=allocate reason=bad_integrity/, 5000, since);
  assert.equal(created('wrong-secret', since), 0, server.output());
});

test('a wrong password over TCP is refused too', { timeout: 60000 }, async () => {
  const since = server.output().length;
  const result = await uclient({ host: '127.0.0.1', port: server.tcp.find((e) => e.family === 4).port, transport: 'tcp', user: 'wrong-tcp', secret: 'not-the-secret', messages: 10, peer: { address: '127.0.0.1', port: peer.port } });
  assert.notEqual(result.code, 0, result.output);
  await waitForOutput(server, /auth failure: client=tcp 127\.0\.0\.1:\d+ method=allocate reason=bad_integrity/, 5000, since);
  assert.equal(created('wrong-tcp', since), 0, server.output());
});

test('a wrong password gets 401 with a fresh challenge, and no allocation', async () => {
  const since = server.output().length;
  const client = await connect();
  const { username } = restCredentials(SECRET, 'raw-wrong', nowUnix() + 600);
  assertRefused(await client.allocate({ username, password: 'wrong' }));
  await waitForOutput(server, /auth failure: client=udp 127\.0\.0\.1:\d+ method=allocate reason=bad_integrity/, 5000, since);
  assert.equal(created('raw-wrong', since), 0);
  // The same 5-tuple still can allocate with the right password: the refusal left nothing behind.
  client.useCredentials(restCredentials(SECRET, 'raw-wrong', nowUnix() + 600));
  const retry = await client.request(Method.allocate, [requestedTransportUdp()]);
  assert.equal(retry.success, true, `error ${retry.code}`);
  client.close();
});

test('a username signed with another secret is refused', async () => {
  const client = await connect();
  assertRefused(await client.allocate(restCredentials('some-other-secret', 'raw-other-secret', nowUnix() + 600)));
  assert.equal(created('raw-other-secret'), 0);
  client.close();
});

test('an expired REST username with the correct password gets 401', async () => {
  const since = server.output().length;
  const client = await connect();
  const expired = restCredentials(SECRET, 'raw-expired', nowUnix() - 60);
  assertRefused(await client.allocate(expired));
  await waitForOutput(server, /auth failure: client=udp 127\.0\.0\.1:\d+ method=allocate reason=expired_username/, 5000, since);
  assert.equal(created('raw-expired', since), 0);
  client.close();
});

test('an expired REST username is refused by uclient', { timeout: 60000 }, async () => {
  const since = server.output().length;
  const expired = restCredentials(SECRET, 'uclient-expired', nowUnix() - 3600);
  const result = await uclient({ host: '127.0.0.1', port: udpPort(), user: expired.username, password: expired.password, messages: 10, peer: { address: '127.0.0.1', port: peer.port } });
  assert.notEqual(result.code, 0, result.output);
  assert.match(result.output, /Cannot complete Allocation/);
  await waitForOutput(server, /auth failure: .* reason=expired_username/, 5000, since);
  assert.equal(created('uclient-expired', since), 0, server.output());
  // The same username with a future expiry and its own password works: only the time differs.
  const fresh = restCredentials(SECRET, 'uclient-expired', nowUnix() + 3600);
  const ok = await uclient({ host: '127.0.0.1', port: udpPort(), user: fresh.username, password: fresh.password, messages: 10, peer: { address: '127.0.0.1', port: peer.port } });
  assert.equal(ok.code, 0, ok.output);
  assert.equal(ok.lost, 0, ok.output);
});

test('a request from the same 5-tuple signed by another user gets 441', async () => {
  const since = server.output().length;
  const client = await connect();
  const owner = restCredentials(SECRET, 'owner', nowUnix() + 600);
  assert.equal((await client.allocate(owner)).success, true);
  const other = restCredentials(SECRET, 'intruder', nowUnix() + 600);
  client.useCredentials(other);
  const refresh = await client.refresh(600);
  assert.equal(refresh.code, 441);
  assert.ok(refresh.integrity, '441 is an authenticated answer, signed with the requester\'s key');
  await waitForOutput(server, /auth failure: client=udp 127\.0\.0\.1:\d+ method=refresh reason=wrong_credentials/, 5000, since);
  client.close();
});
