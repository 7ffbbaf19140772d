// Issue 11, finding 6: per-source limits counted IPv6 clients address by address, so one
// subscriber, who holds a whole /64, opened as many connections as it had addresses (8 of 8
// with a cap of 2). Every per-source limit now counts an IPv6 client by its prefix of
// server.ipv6_prefix bits (/64 by default). The clients run in a network namespace of the
// test's own whose loopback holds several addresses of one prefix (lib/netns.mjs); a helper
// inside it opens one client from each address in turn (lib/from_addresses.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, run } from './lib/iceway.mjs';
import { createIpv6LoopbackNetns } from './lib/netns.mjs';
import { turnArgs } from './lib/turn.mjs';

const skip = process.getuid() !== 0 && 'network namespaces need root';
const HELPER = new URL('./lib/from_addresses.mjs', import.meta.url).pathname;

async function fromAddresses(netns, args) {
  const result = await run('ip', ['netns', 'exec', netns, process.execPath, HELPER, ...args], { timeoutMs: 60000 });
  assert.equal(result.code, 0, `${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

// iceway inside `netns`, on ::1 only, with these extra --set values.
function startInside(netns, settings) {
  const args = ['--listen', '[::1]:0', '--relay-ip', '127.0.0.1', '--relay-ipv6', '::1', '--threads', '1',
    '--signal-listen', '[::1]:0', '--admin-listen', '127.0.0.1:0', ...turnArgs];
  for (const setting of settings) args.push('--set', setting);
  return startIceway(args, { netns });
}

async function withNetns(tag, addresses, body) {
  const netns = await createIpv6LoopbackNetns(tag, addresses);
  try {
    await body(netns.name);
  } finally {
    await netns.remove();
  }
}

test('signal.max_connections_per_ip counts every address of one IPv6 /64 as one source', { skip, timeout: 120000 }, async () => {
  const subscriber = Array.from({ length: 8 }, (_, i) => `2001:db8:64::${(i + 1).toString(16)}`);
  const neighbour = '2001:db8:65::1';  // the next /64: another subscriber
  await withNetns('v6sig', [...subscriber, neighbour].map((a) => `${a}/64`), async (netns) => {
    const server = await startInside(netns, ['signal.max_connections_per_ip=2']);
    try {
      const results = await fromAddresses(netns, ['signal', `ws://[::1]:${server.signal.port}/ws`, ...subscriber, neighbour]);
      assert.deepEqual(results.map((r) => r.type), ['welcome', 'welcome', ...Array(6).fill('error'), 'welcome'],
        JSON.stringify(results));
      for (const refused of results.slice(2, 8)) assert.equal(refused.code, 'too-many-connections');
    } finally {
      assert.equal(await stopIceway(server), 0, server.output());
    }
  });
});

test('server.ipv6_prefix = 56: TURN max_allocations_per_ip counts a whole /56 as one source', { skip, timeout: 120000 }, async () => {
  const subscriber = ['2001:db8:100:1::1', '2001:db8:100:2::1', '2001:db8:100:ff::1'];  // three /64s of one /56
  const neighbour = '2001:db8:200::1';
  await withNetns('v6turn', [...subscriber, neighbour].map((a) => `${a}/64`), async (netns) => {
    const server = await startInside(netns, ['turn.max_allocations_per_ip=2', 'server.ipv6_prefix=56']);
    try {
      const port = server.udp.find((e) => e.family === 6).port;
      const results = await fromAddresses(netns, ['turn', '::1', String(port), ...subscriber, neighbour]);
      assert.deepEqual(results.map((r) => (r.success ? 'ok' : r.code)), ['ok', 'ok', 486, 'ok'], JSON.stringify(results));
    } finally {
      assert.equal(await stopIceway(server), 0, server.output());
    }
  });
});
