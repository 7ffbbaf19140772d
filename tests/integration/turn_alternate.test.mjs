// server.alternate on the real binary: after SIGTERM a draining node answers a new Allocate
// with 300 Try Alternate naming the alternate of the client's family, signed with the client's
// key (RFC 8489 §10), while the allocation it already holds keeps relaying; a client with no
// alternate of its family gets 508 as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import { TurnClient, startPeer, restCredentials, nowUnix, SECRET, turnArgs } from './lib/turn.mjs';

const ALTERNATE_SERVER = 0x8023;
const IPV4_ALTERNATE = { address: '198.51.100.7', port: 3479 };

let server;
let peer;

before(async () => {
  server = await startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers',
    '--set', 'server.drain_timeout="20s"',
    // Only an IPv4 alternate: the IPv6 client below has none of its family.
    '--set', `server.alternate=["${IPV4_ALTERNATE.address}:${IPV4_ALTERNATE.port}"]`]);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server && server.child.exitCode === null) await stopIceway(server, 'SIGKILL');
});

const udpPort = (family) => server.udp.find((e) => e.family === family).port;
const credentials = (user) => restCredentials(SECRET, user, nowUnix() + 600);

// The plain (not XOR) address of ALTERNATE-SERVER (RFC 8489 §14.15, §14.1's layout).
function alternateServer(parsed) {
  const value = parsed.attributes.get(ALTERNATE_SERVER);
  if (!value) return undefined;
  const port = value.readUInt16BE(2);
  if (value[1] === 1) return { address: [...value.subarray(4, 8)].join('.'), port };
  return { address: value.subarray(4, 20).toString('hex'), port };
}

test('a draining node sends new Allocates to server.alternate of their family, signed', { timeout: 30000 }, async () => {
  // An allocation made before the drain keeps the node draining (it relays on).
  const live = await TurnClient.connect({ host: '127.0.0.1', port: udpPort(4) });
  const made = await live.allocate(credentials('live'));
  assert.equal(made.success, true, `error ${made.code}`);
  assert.equal((await live.createPermission({ address: '127.0.0.1', port: peer.port })).success, true);

  const since = server.output().length;
  server.child.kill('SIGTERM');
  await waitForOutput(server, /SIGTERM: draining/, 5000, since);

  const late = await TurnClient.connect({ host: '127.0.0.1', port: udpPort(4) });
  const redirected = await late.allocate(credentials('late'));
  assert.equal(redirected.code, 300, `Allocate while draining: ${redirected.code}`);
  assert.deepEqual(alternateServer(redirected.parsed), IPV4_ALTERNATE);
  assert.ok(redirected.integrity, 'the redirect carries MESSAGE-INTEGRITY under the client\'s key');
  late.close();

  const lateV6 = await TurnClient.connect({ host: '::1', port: udpPort(6) });
  const refused = await lateV6.allocate(credentials('late-v6'));
  assert.equal(refused.code, 508, 'no IPv6 alternate: the old answer');
  assert.equal(alternateServer(refused.parsed), undefined);
  lateV6.close();

  // The allocation made before the drain still relays.
  live.sendIndication({ address: '127.0.0.1', port: peer.port }, 'still here');
  const echoed = await live.nextData(5000);
  assert.equal(echoed.data.toString(), 'still here');
  live.close();
  assert.match(server.output().slice(since), /allocation/);
});
