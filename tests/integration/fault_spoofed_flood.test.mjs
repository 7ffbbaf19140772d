// Issue 10, part 4 (faults): an Allocate flood from 100,000 forged source addresses. The
// server runs in a network namespace of the test's own; next to it, through a veth, a second
// namespace sends raw UDP packets whose sources walk a /15 (lib/spoof_flood.py) and, because
// that /15 is local there, receives every answer the server sends to a forged source. Nothing
// leaves the two namespaces. What must hold: the server keeps no state per source (nonces are
// stateless: RSS stays flat), every datagram that reached it is either answered or counted as
// dropped, nothing is answered twice, and a real client is still served afterwards.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startIceway, stopIceway, run } from './lib/iceway.mjs';
import { createNetns } from './lib/netns.mjs';
import { parseExposition, total } from './lib/ops.mjs';
import { turnArgs } from './lib/turn.mjs';

const FLOOD = 100000;
// 131,072 addresses each: one for a warm-up flood, another for the measured one, so state kept
// per source could not have been made by the warm-up. The test namespaces use 10.200-249.0.0/24.
const WARMUP_RANGE = '10.2.0.0/15';
const RANGE = '10.0.0.0/15';
const FLOOD_PORT = 40000;

let netns;
let server;

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (netns) await netns.remove();
});

async function inNetns(name, command, args, timeoutMs = 60000) {
  const result = await run('ip', ['netns', 'exec', name, command, ...args], { timeoutMs });
  if (result.code !== 0) throw new Error(`${command} in ${name} exited ${result.code ?? result.signal}: ${result.stderr}`);
  return result.stdout;
}

// The server's metrics, read from inside its namespace (its admin listener is there).
async function metrics() {
  const text = await inNetns(netns.name, 'python3', ['-c',
    `import urllib.request; print(urllib.request.urlopen('http://${server.admin.host}:${server.admin.port}/metrics', timeout=10).read().decode())`]);
  const families = parseExposition(text.trim() + '\n');
  return {
    challenges: total(families, 'iceway_turn_allocations_total', { result: 'challenge' }),
    limited: total(families, 'iceway_stun_requests_total', { result: 'rate_limited' }),
    bindings: total(families, 'iceway_stun_requests_total', { method: 'binding' }),
  };
}

// The kernel's UDP counters in the server's namespace: datagrams handed to sockets, and those
// dropped because a socket's receive buffer was full.
async function udpCounters() {
  const lines = (await inNetns(netns.name, 'cat', ['/proc/net/snmp'])).split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  const counters = Object.fromEntries(names.map((n, i) => [n, Number(values[i])]));
  return { delivered: counters.InDatagrams, bufferDrops: counters.RcvbufErrors };
}

const rssKiB = () => Number(readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);

async function flood(count, range) {
  const port = server.udp[0].port;
  const script = new URL('./lib/spoof_flood.py', import.meta.url).pathname;
  return JSON.parse(await inNetns(netns.peer, 'python3',
    [script, netns.address, String(port), range, String(FLOOD_PORT), String(count), netns.peerAddress]));
}

test('an Allocate flood from 100,000 spoofed sources leaves memory flat, every datagram accounted for', async (t) => {
  netns = await createNetns('flood');
  // The sender's namespace owns the whole forged range, so answers to it come back there.
  for (const step of [['-n', netns.peer, 'link', 'set', 'lo', 'up'],
    ['-n', netns.peer, 'route', 'add', 'local', RANGE, 'dev', 'lo'],
    ['-n', netns.peer, 'route', 'add', 'local', WARMUP_RANGE, 'dev', 'lo']]) {
    const result = await run('ip', step);
    assert.equal(result.code, 0, `ip ${step.join(' ')}: ${result.stderr}`);
  }
  server = await startIceway(['--listen', `${netns.address}:0`, '--relay-ip', netns.address, '--threads', '2',
    '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--log-level', 'info', ...turnArgs],
  { netns: netns.name });

  // A first flood warms up what the server keeps anyway (limiter slots, buffers, the pages of
  // the code paths it takes); the second one, from other sources, must not cost anything more.
  const warm = await flood(FLOOD, WARMUP_RANGE);
  assert.equal(warm.binding_answered, true);
  // Scraped before the baseline: the admin listener's first answer costs memory too.
  const before = { ...(await metrics()), ...(await udpCounters()) };
  const baselineKiB = rssKiB();

  const result = await flood(FLOOD, RANGE);
  const after_ = { ...(await metrics()), ...(await udpCounters()) };
  const grownKiB = rssKiB() - baselineKiB;
  const delta = Object.fromEntries(Object.keys(before).map((k) => [k, after_[k] - before[k]]));
  t.diagnostic(`sent ${result.sent} in ${result.seconds} s; server delivered ${delta.delivered}, ` +
    `socket-buffer drops ${delta.bufferDrops}; challenges ${delta.challenges}, rate-limited ${delta.limited}; ` +
    `answers received ${result.answers}; bytes out/in ${(result.answer_bytes / Math.max(1, result.answers)).toFixed(1)}/` +
    `${(result.request_bytes / result.sent).toFixed(1)} per packet; RSS grew ${grownKiB} KiB`);

  // Most of the flood reached the server (else this test tested nothing), and the kernel's
  // counters explain whatever did not reach its sockets.
  assert.ok(delta.delivered + delta.bufferDrops >= 0.9 * FLOOD,
    `only ${delta.delivered + delta.bufferDrops} of ${FLOOD} datagrams reached the server's namespace`);
  assert.ok(delta.delivered >= 0.5 * FLOOD, `only ${delta.delivered} of ${FLOOD} datagrams reached the server's sockets`);
  // Every datagram the server read was answered with a challenge or counted as rate-limited;
  // the one other datagram is the sender's closing Binding.
  assert.equal(delta.challenges + delta.limited, delta.delivered - delta.bindings,
    'datagrams read but neither answered nor counted');
  // Nothing is answered twice, and nothing the server counts as answered is lost on the way.
  assert.ok(result.answers <= delta.challenges, `${result.answers} answers for ${delta.challenges} challenges`);
  assert.ok(result.answers >= 0.9 * delta.challenges, `${result.answers} answers for ${delta.challenges} challenges`);
  // Stateless nonces: nothing is kept per source. 100,000 sources at even 16 bytes each
  // would be 1.5 MiB.
  assert.ok(grownKiB < 1024, `RSS grew by ${grownKiB} KiB during the flood`);
  // The server still serves a real client.
  assert.equal(result.binding_answered, true);
});
