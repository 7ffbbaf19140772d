// RFC 5780 NAT behaviour discovery on the real binary (turn.alternate_address): iceway runs in
// a network namespace that holds two addresses, the test process is the client across a veth
// pair. coturn's turnutils_natdiscovery classifies the (absent) NAT from iceway's answers, and
// a raw client checks each answer's origin, destination and size. Nothing leaves the namespace
// and its veth pair.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { startIceway, stopIceway, run } from './lib/iceway.mjs';
import { createLinkedNetns } from './lib/netns.mjs';
import { turnArgs } from './lib/turn.mjs';
import { message, parse, errorCode } from './lib/stun.mjs';

const skip = process.getuid() !== 0 && 'network namespaces need root';
const PORT = 3478;  // the namespace has its ports to itself
const CHANGE_REQUEST = 0x0003;
const PADDING = 0x0026;
const RESPONSE_PORT = 0x0027;
const RESPONSE_ORIGIN = 0x802b;
const OTHER_ADDRESS = 0x802c;

let netns;
let server;

before(async () => {
  if (skip) return;
  netns = await createLinkedNetns('natdisc');
  server = await startIceway(['--threads', '2', '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0',
    '--set', `turn.listen=["${netns.address}:${PORT}"]`, '--set', `turn.alternate_address="${netns.secondAddress}"`,
    ...turnArgs], { netns: netns.name });
});

after(async () => {
  try {
    if (server) assert.equal(await stopIceway(server), 0, server.output());
  } finally {
    if (netns) await netns.remove();
  }
});

// A plain (not XOR) address attribute, as text "IP:port".
function address(parsed, type) {
  const value = parsed.attributes.get(type);
  if (!value) return undefined;
  return `${[...value.subarray(4, 8)].join('.')}:${value.readUInt16BE(2)}`;
}

async function socket() {
  const s = dgram.createSocket('udp4');
  await new Promise((resolve) => s.bind(0, netns.hostAddress, resolve));
  s.inbox = [];
  s.waiters = [];
  s.on('message', (bytes, from) => {
    const item = { bytes, from: `${from.address}:${from.port}` };
    const waiter = s.waiters.shift();
    if (waiter) waiter(item);
    else s.inbox.push(item);
  });
  s.next = (ms = 3000) => (s.inbox.length ? Promise.resolve(s.inbox.shift()) : new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer')), ms);
    s.waiters.push((item) => { clearTimeout(timer); resolve(item); });
  }));
  return s;
}

const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };

test('turnutils_natdiscovery finds endpoint-independent mapping and filtering through both addresses', { skip, timeout: 60000 }, async () => {
  const result = await run('turnutils_natdiscovery', ['-m', '-f', '-p', String(PORT), '-L', netns.hostAddress, netns.address],
    { timeoutMs: 40000 });
  const output = result.stdout + result.stderr;
  assert.match(output, /NAT with Endpoint Independent Mapping!/, output);
  assert.match(output, /NAT with Endpoint Independent Filtering!/, output);
  // The tool learnt both of iceway's addresses from OTHER-ADDRESS and RESPONSE-ORIGIN.
  assert.match(output, new RegExp(`Other addr: : ${netns.secondAddress.replaceAll('.', '\\.')}:${PORT + 1}`), output);
  assert.match(output, new RegExp(`Response origin: : ${netns.secondAddress.replaceAll('.', '\\.')}:${PORT}`), output);
});

test('each answer leaves from where CHANGE-REQUEST says, to where RESPONSE-PORT says, no larger than a padded request', { skip, timeout: 30000 }, async () => {
  const [a, b] = [await socket(), await socket()];
  try {
    const primary = `${netns.address}:${PORT}`;
    const cases = [
      { flags: 0, from: primary },
      { flags: 4, from: `${netns.secondAddress}:${PORT}` },
      { flags: 2, from: `${netns.address}:${PORT + 1}` },
      { flags: 6, from: `${netns.secondAddress}:${PORT + 1}` },
    ];
    for (const { flags, from } of cases) {
      a.send(message(0x0001, [[CHANGE_REQUEST, u32(flags)]]), PORT, netns.address);
      const answer = await a.next();
      assert.equal(answer.from, from, `CHANGE-REQUEST ${flags}`);
      const parsed = parse(answer.bytes);
      assert.equal(address(parsed, RESPONSE_ORIGIN), from);
      assert.equal(address(parsed, OTHER_ADDRESS), `${netns.secondAddress}:${PORT + 1}`);
    }

    // RESPONSE-PORT: the answer to a's request arrives at b's port.
    a.send(message(0x0001, [[RESPONSE_PORT, Buffer.from([b.address().port >> 8, b.address().port & 255, 0, 0])]]), PORT, netns.address);
    const redirected = await b.next();
    assert.equal(redirected.from, primary);
    assert.equal(a.inbox.length, 0, 'nothing went back to the requesting port');

    // PADDING: the answer is as large as the request, not the 1500 bytes coturn sends.
    const padded = message(0x0001, [[PADDING, Buffer.alloc(400)]]);
    a.send(padded, PORT, netns.address);
    const paddedAnswer = await a.next();
    assert.ok(paddedAnswer.bytes.length <= padded.length && paddedAnswer.bytes.length >= padded.length - 4,
      `answer ${paddedAnswer.bytes.length} bytes to a ${padded.length}-byte request`);

    // PADDING with RESPONSE-PORT is refused (400), to the request's own port.
    a.send(message(0x0001, [[PADDING, Buffer.alloc(8)], [RESPONSE_PORT, Buffer.from([0x13, 0x88, 0, 0])]], randomBytes(12)), PORT, netns.address);
    assert.equal(errorCode(parse((await a.next()).bytes)), 400);
  } finally {
    a.close();
    b.close();
  }
});
