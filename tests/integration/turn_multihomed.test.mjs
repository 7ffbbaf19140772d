// iceway on a host with several addresses (issue 11): the real binary runs in a network
// namespace of its own with default wildcard listeners, its relay on one address and other
// addresses on the same host that iceway's configuration never mentions (a second NIC's
// public address). The test process is the client, across a veth pair, under the default
// peer policy. Nothing leaves the namespace and its veth pair.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { startIceway, stopIceway } from './lib/iceway.mjs';
import { createLinkedNetns } from './lib/netns.mjs';
import { TurnClient, uclient, restCredentials, nowUnix, SECRET, turnArgs } from './lib/turn.mjs';

const skip = process.getuid() !== 0 && 'network namespaces need root';

// Public-looking addresses (not in SPEC §9's default deny list), so before the host-address
// rule only "is this the server?" could refuse them.
const OTHER = '44.10.20.30';
const ADDED_LATER = '44.10.20.31';
const PORT = 3478;  // the default; the namespace has the port to itself

let netns;
let server;

before(async () => {
  if (skip) return;
  netns = await createLinkedNetns('multihomed', { extra: [`${OTHER}/32`] });
  server = await startIceway(['--relay-ip', netns.address, '--threads', '2', '--signal-listen', '127.0.0.1:0',
    '--admin-listen', '127.0.0.1:0', '--log-level', 'debug', ...turnArgs], { netns: netns.name });
});

after(async () => {
  try {
    if (server) assert.equal(await stopIceway(server), 0, server.output());
  } finally {
    if (netns) await netns.remove();
  }
});

async function allocated(user) {
  const client = await TurnClient.connect({ host: netns.address, port: PORT, localAddress: netns.hostAddress });
  const answer = await client.allocate(restCredentials(SECRET, user, nowUnix() + 600));
  assert.equal(answer.success, true, `Allocate failed with ${answer.code}`);
  client.relayed = answer.relayed;
  return client;
}

test('the server\'s other addresses are refused as peers while live relayed addresses stay reachable', { skip, timeout: 60000 }, async () => {
  const [attacker, victim] = [await allocated('attacker'), await allocated('victim')];
  try {
    for (const port of [22, PORT, 9641]) {
      const permission = await attacker.createPermission({ address: OTHER, port });
      assert.equal(permission.code, 403, `CreatePermission to ${OTHER}:${port}`);
      const channel = await attacker.channelBind(0x4001, { address: OTHER, port });
      assert.equal(channel.code, 403, `ChannelBind to ${OTHER}:${port}`);
    }
    // The relay's own address was protected before; it still is, except its live relays.
    assert.equal((await attacker.createPermission({ address: netns.address, port: PORT })).code, 403);
    assert.equal((await attacker.createPermission(victim.relayed)).success, true);
  } finally {
    attacker.close();
    victim.close();
  }
});

test('turnutils_uclient cannot relay to the server\'s other address', { skip, timeout: 60000 }, async () => {
  const result = await uclient({ host: netns.address, port: PORT, user: 'uclient', secret: SECRET, messages: 5,
    send: true, peer: { address: OTHER, port: 9641 } });
  assert.notEqual(result.code, 0, result.output);
  assert.match(result.output, /create permission error 403 \(Forbidden\)/);
  assert.ok(!result.received, result.output);
});

test('an address the host gains while running is refused as a peer within seconds', { skip, timeout: 60000 }, async () => {
  const client = await allocated('runtime');
  try {
    // Allowed before it is the host's: a public address like any other.
    assert.equal((await client.createPermission({ address: ADDED_LATER, port: 22 })).success, true);
    await netns.addAddress(`${ADDED_LATER}/32`);
    const deadline = Date.now() + 15000;
    let code;
    while (Date.now() < deadline) {
      ({ code } = await client.createPermission({ address: ADDED_LATER, port: 22 }));
      if (code === 403) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(code, 403, `CreatePermission to ${ADDED_LATER} after the host gained it`);
  } finally {
    client.close();
  }
});

// A STUN Binding request to `address`; resolves with the source of every answer seen.
async function bindingAnswerSources(address, count = 5) {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve) => socket.bind(0, netns.hostAddress, resolve));
  const sources = [];
  socket.on('message', (message, rinfo) => sources.push(`${rinfo.address}:${rinfo.port}`));
  try {
    for (let i = 0; i < count; ++i) {
      const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), randomBytes(12)]);
      socket.send(request, PORT, address);
      const deadline = Date.now() + 3000;
      while (sources.length <= i && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return sources;
  } finally {
    socket.close();
  }
}

test('with wildcard listeners a request to the host\'s second address is answered from that address', { skip, timeout: 60000 }, async () => {
  for (const address of [netns.secondAddress, netns.address]) {
    const sources = await bindingAnswerSources(address);
    assert.equal(sources.length, 5, `answers to ${address}`);
    assert.deepEqual(new Set(sources), new Set([`${address}:${PORT}`]), `answers to ${address} came from ${sources}`);
  }
  // A TURN allocation made through the second address relays from it too: the client's
  // 5-tuple is the address it used.
  const client = await TurnClient.connect({ host: netns.secondAddress, port: PORT, localAddress: netns.hostAddress });
  const sources = [];
  client.socket.on('message', (message, rinfo) => sources.push(rinfo.address));
  try {
    const answer = await client.allocate(restCredentials(SECRET, 'second-address', nowUnix() + 600));
    assert.equal(answer.success, true);
    assert.ok(sources.length > 0 && sources.every((source) => source === netns.secondAddress), sources.join(' '));
  } finally {
    client.close();
  }
});
