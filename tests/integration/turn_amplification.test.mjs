// Issue 11, findings 5 and 11, and issue 14's limiter metric: what a forged UDP source can make
// iceway send. Every answer to an unauthenticated sender (Binding success, 420, the 401/438/400
// of the auth step) is charged to one byte budget per source (an IPv4 address, an IPv6 /64)
// for the whole process, whatever --threads says: turn.unauthenticated_bytes_per_second and
// turn.unauthenticated_burst_bytes. Malformed requests and unknown methods get nothing at all
// (RFC 8489 §6.3). Each flood comes from a loopback address of its own, so the floods never
// spend each other's budget, and each is bounded in count and time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { turnArgs, Method, requestedTransportUdp, TurnClient, restCredentials, SECRET, nowUnix } from './lib/turn.mjs';
import { bindingRequest, message, parse, errorCode } from './lib/stun.mjs';
import { scrape } from './lib/signal.mjs';

// The defaults (docs/configuration.md): the floods below use them.
const RATE = 8192;
const BURST = 16384;
const LARGEST_ANSWER = 128;  // a charge is refused whole, so up to one answer's worth may stay unspent

let server;  // --threads 2 (loopbackArgs), defaults for the budget
const port = () => server.udp.find((e) => e.family === 4).port;

before(async () => {
  server = await startIceway([...loopbackArgs({ ipv6: false, threads: 2 }), ...turnArgs]);
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

const kinds = {
  binding: () => bindingRequest(),
  unknownAttribute: () => bindingRequest([[0x7777, Buffer.from('abcd')]]),  // 420
  allocate: () => message(Method.allocate, [requestedTransportUdp()]),       // 401 challenge
  malformed: () => {
    const request = bindingRequest([[0x8022, Buffer.from('abcd')]]);
    request.writeUInt16BE(40, 22);  // an attribute length past the end of the message
    return request;
  },
  unknownMethod: () => message(0x02ef),
};

// Sends `count` requests built by `make` to `target` from `sockets` sockets bound to `source`
// (several source ports, so SO_REUSEPORT spreads them over both workers), paced in batches so
// the kernel's receive buffer does not drop them, and collects every answer until none came
// for half a second. Resolves { answers, bytes, seconds }: `seconds` runs from the first send
// to the last answer, the time the budget had to refill (performance.now(): a millisecond clock
// would cut up to 16 bytes of refill off the bound the server is held to).
async function flood({ source, make, count, target = port(), sockets = 16 }) {
  const open = await Promise.all(Array.from({ length: sockets }, () => new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, source, () => resolve(socket));
  })));
  let answers = 0;
  let bytes = 0;
  let last = performance.now();
  const kindsSeen = new Map();
  for (const socket of open) {
    socket.on('message', (reply) => {
      answers += 1;
      bytes += reply.length;
      last = performance.now();
      const parsed = parse(reply);
      const key = errorCode(parsed) ?? parsed.type;
      kindsSeen.set(key, (kindsSeen.get(key) ?? 0) + 1);
    });
  }
  const started = performance.now();
  for (let i = 0; i < count; ++i) {
    open[i % sockets].send(make(i), target, '127.0.0.1');
    if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  const deadline = performance.now() + 10000;
  while (performance.now() - Math.max(last, started) < 500 && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const socket of open) socket.close();
  return { answers, bytes, seconds: (Math.max(last, started) - started) / 1000, kinds: kindsSeen };
}

const budget = (seconds, rate = RATE, burst = BURST) => burst + rate * seconds;

for (const [name, make, perAnswer] of [
  ['Binding', kinds.binding, 40],                     // header, XOR-MAPPED-ADDRESS, FINGERPRINT
  ['420-provoking', kinds.unknownAttribute, 72],       // header, ERROR-CODE, UNKNOWN-ATTRIBUTES, FINGERPRINT
  ['unauthenticated Allocate (401)', kinds.allocate, 136],  // header, ERROR-CODE, REALM, NONCE (RFC 8489 cookie), PASSWORD-ALGORITHMS, FINGERPRINT
]) {
  test(`a flood of ${name} requests from one address gets at most the byte budget back`, { timeout: 30000 }, async (t) => {
    const source = { 'Binding': '127.0.0.11', '420-provoking': '127.0.0.12', 'unauthenticated Allocate (401)': '127.0.0.13' }[name];
    const sent = 3000;
    const result = await flood({ source, make, count: sent });
    t.diagnostic(`${result.answers} answers, ${result.bytes} bytes in ${result.seconds.toFixed(2)} s to ${sent} requests`);
    assert.ok(result.bytes <= budget(result.seconds), `${result.bytes} bytes answered in ${result.seconds} s`);
    // The budget is spent, not refused early: at least the burst less one answer came back.
    assert.ok(result.bytes >= BURST - LARGEST_ANSWER, `only ${result.bytes} bytes answered`);
    assert.ok(result.answers < sent);
    assert.ok(result.bytes / result.answers <= perAnswer, `${result.bytes / result.answers} bytes per answer`);
  });
}

test('malformed requests and unknown methods are never answered', { timeout: 30000 }, async () => {
  for (const make of [kinds.malformed, kinds.unknownMethod]) {
    const result = await flood({ source: '127.0.0.14', make, count: 500 });
    assert.equal(result.answers, 0);
  }
});

test('one budget for every kind of answer: a mixed flood gets no more than one kind would', { timeout: 30000 }, async () => {
  const mix = [kinds.binding, kinds.unknownAttribute, kinds.allocate, kinds.malformed, kinds.unknownMethod];
  const result = await flood({ source: '127.0.0.15', make: (i) => mix[i % mix.length](), count: 5000 });
  assert.ok(result.bytes <= budget(result.seconds), `${result.bytes} bytes answered in ${result.seconds} s`);
  assert.ok(result.kinds.has(0x0101) && result.kinds.has(420) && result.kinds.has(401), [...result.kinds.keys()].join());
});

test('after a flood, other addresses are answered at once and the flooder again a moment later', { timeout: 30000 }, async () => {
  await flood({ source: '127.0.0.16', make: kinds.binding, count: 2000 });
  const client = await TurnClient.connect({ host: '127.0.0.1', port: port() });
  const allocated = await client.allocate(restCredentials(SECRET, 'after-flood', nowUnix() + 600));
  assert.equal(allocated.success, true, `error ${allocated.code}`);
  client.close();
  // The budget refills at RATE: a single Binding is answered again within a second or two.
  const deadline = Date.now() + 10000;
  for (;;) {
    const result = await flood({ source: '127.0.0.16', make: kinds.binding, count: 1, sockets: 1 });
    if (result.answers === 1) break;
    assert.ok(Date.now() < deadline, 'the flooding address is never answered again');
  }
});

// Issue 14: a request the limiter dropped was counted as result="success".
test('requests the limiter drops are counted as rate_limited, not as answered', { timeout: 30000 }, async () => {
  const series = (result) => `iceway_stun_requests_total{transport="udp",method="allocate",result="${result}"}`;
  const before = await scrape(server);
  const sent = 2000;
  const result = await flood({ source: '127.0.0.17', make: kinds.allocate, count: sent });
  const deadline = Date.now() + 10000;
  let metrics;
  for (;;) {
    metrics = await scrape(server);
    const counted = ['success', 'error', 'rate_limited']
      .reduce((sum, r) => sum + (metrics.get(series(r)) ?? 0) - (before.get(series(r)) ?? 0), 0);
    if (counted >= result.answers + 1 || Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const moved = (r) => (metrics.get(series(r)) ?? 0) - (before.get(series(r)) ?? 0);
  assert.equal(moved('success'), 0, 'no Allocate succeeded');
  assert.equal(moved('error'), result.answers, 'every 401 sent is counted as an error answer');
  assert.ok(moved('rate_limited') > 0 && moved('rate_limited') <= sent - result.answers, `rate_limited moved by ${moved('rate_limited')}`);
});

// Finding 11: the budget was one per worker thread, so --threads N gave N times it.
test('with --threads 4 a source still gets one budget, not four', { timeout: 60000 }, async () => {
  const rate = 1024;
  const burst = 4096;
  const four = await startIceway([...loopbackArgs({ ipv6: false, threads: 4 }), ...turnArgs,
    '--set', `turn.unauthenticated_bytes_per_second=${rate}`, '--set', `turn.unauthenticated_burst_bytes=${burst}`]);
  try {
    const target = four.udp.find((e) => e.family === 4).port;
    const result = await flood({ source: '127.0.0.18', make: kinds.allocate, count: 2000, target, sockets: 32 });
    assert.ok(result.bytes <= budget(result.seconds, rate, burst), `${result.bytes} bytes answered in ${result.seconds} s`);
    assert.ok(result.bytes >= burst - LARGEST_ANSWER, `only ${result.bytes} bytes answered`);
  } finally {
    assert.equal(await stopIceway(four), 0, four.output());
  }
});

// Issue 14: a 438 Stale Nonce is the normal renewal of a long-lived allocation; counting it as
// an auth failure made the shipped alert fire on a healthy busy server.
test('a stale nonce is counted apart from auth failures and not logged as one', { timeout: 60000 }, async () => {
  const short = await startIceway([...loopbackArgs({ ipv6: false, threads: 1 }), ...turnArgs,
    '--set', 'auth.nonce_lifetime="10s"']);
  try {
    const client = await TurnClient.connect({ host: '127.0.0.1', port: short.udp.find((e) => e.family === 4).port });
    const allocated = await client.allocate(restCredentials(SECRET, 'long-lived', nowUnix() + 600));
    assert.equal(allocated.success, true, `error ${allocated.code}`);
    // Refresh until the nonce has expired (10 s) and the server says 438; then renew.
    const deadline = Date.now() + 40000;
    let stale;
    while (!stale) {
      const answer = await client.transact(client.signed(Method.refresh, []));
      if (answer.code === 438) stale = answer;
      else assert.equal(answer.success, true, `refresh: error ${answer.code}`);
      assert.ok(Date.now() < deadline, 'no 438 after the nonce lifetime');
      if (!stale) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    client.learnChallenge(stale.parsed);
    assert.equal((await client.transact(client.signed(Method.refresh, []))).success, true);
    client.close();
    const metrics = await scrape(short);
    const failures = [...metrics].filter(([name]) => name.startsWith('iceway_auth_failures_total'));
    assert.ok(failures.length > 0, 'the auth failure series are exported');
    for (const [name, value] of failures) assert.equal(value, 0, name);
    assert.equal(metrics.get('iceway_turn_stale_nonces_total'), 1);
    assert.doesNotMatch(short.output(), /auth failure/);
    assert.match(short.output(), /stale nonce: client=udp 127\.0\.0\.1/);  // at debug (loopbackArgs)
  } finally {
    assert.equal(await stopIceway(short), 0, short.output());
  }
});

test('the budget keys are checked: a burst too small for one answer is refused', async () => {
  const { run, ICEWAY_BIN } = await import('./lib/iceway.mjs');
  const result = await run(ICEWAY_BIN, ['--check-config', '--set', 'turn.unauthenticated_burst_bytes=100']);
  assert.notEqual(result.code, 0);
  assert.match(result.stdout + result.stderr, /turn\.unauthenticated_burst_bytes/);
});
