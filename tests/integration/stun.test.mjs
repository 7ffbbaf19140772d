// STUN Binding against the real iceway binary (issue 2): coturn's turnutils_stunclient over
// IPv4 and IPv6, and raw sockets for TCP framing, the 420 answer, the silent drops, junk, and
// stalls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { once } from 'node:events';
import { startIceway, stopIceway, loopbackArgs, run } from './lib/iceway.mjs';
import { bindingRequest, parse, errorCode, xorMappedAddress, message } from './lib/stun.mjs';

let server;
const port = (family) => server.udp.find((e) => e.family === family).port;

before(async () => { server = await startIceway(loopbackArgs({ threads: 2 })); });
after(async () => { assert.equal(await stopIceway(server), 0, server.output()); });

// turnutils_stunclient prints "UDP reflexive addr: A:P". Binding it to 127.0.0.2 (not the
// server's 127.0.0.1) makes the address check meaningful on loopback.
test('turnutils_stunclient over IPv4 sees its own address', async () => {
  const result = await run('turnutils_stunclient', ['-L', '127.0.0.2', '-p', String(port(4)), '127.0.0.1']);
  const match = result.stdout.match(/UDP reflexive addr: ([\d.]+):(\d+)/);
  assert.ok(match, `no reflexive address in: ${result.stdout}${result.stderr}`);
  assert.equal(match[1], '127.0.0.2');
  assert.notEqual(Number(match[2]), port(4));
});

test('turnutils_stunclient over IPv6 sees its own address', async () => {
  const result = await run('turnutils_stunclient', ['-L', '::1', '-p', String(port(6)), '::1']);
  const match = result.stdout.match(/UDP reflexive addr: \[?([0-9a-f:]+)\]?:(\d+)/);
  assert.ok(match, `no reflexive address in: ${result.stdout}${result.stderr}`);
  assert.equal(match[1], '::1');
});

async function udpExchange(family, request) {
  const socket = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
  await new Promise((resolve) => socket.bind(0, family === 4 ? '127.0.0.1' : '::1', resolve));
  socket.send(request, port(family), family === 4 ? '127.0.0.1' : '::1');
  const reply = await Promise.race([
    once(socket, 'message').then(([m]) => m),
    new Promise((resolve) => setTimeout(() => resolve(null), 1000)),
  ]);
  const local = socket.address();
  socket.close();
  return { reply, local };
}

for (const family of [4, 6]) {
  test(`UDP Binding over IPv${family} reports the exact source address and port`, async () => {
    const request = bindingRequest();
    const { reply, local } = await udpExchange(family, request);
    assert.ok(reply, 'no answer');
    const parsed = parse(reply);
    assert.equal(parsed.type, 0x0101);
    assert.deepEqual(parsed.transactionId, request.subarray(8, 20));
    const mapped = xorMappedAddress(parsed);
    assert.equal(mapped.port, local.port);
    assert.equal(mapped.family, family);
    assert.equal(mapped.address, family === 4 ? '127.0.0.1' : '0:0:0:0:0:0:0:1');
    assert.ok(parsed.attributes.has(0x8028), 'FINGERPRINT');
    // A bare 20-byte request gets only what RFC 8489 requires (issue 11, finding 5): no
    // SOFTWARE, no MAPPED-ADDRESS, so a forged source receives as little as possible.
    assert.deepEqual([...parsed.attributes.keys()], [0x0020, 0x8028]);
    assert.equal(reply.length, family === 4 ? 40 : 52);
  });

  test(`UDP Binding over IPv${family}: a request as large as the full answer gets SOFTWARE and MAPPED-ADDRESS`, async () => {
    const request = bindingRequest([[0x8022, Buffer.alloc(124, 0x61)]]);  // the client's own SOFTWARE (at most 127 characters)
    const { reply } = await udpExchange(family, request);
    const parsed = parse(reply);
    assert.equal(parsed.type, 0x0101);
    assert.ok(parsed.attributes.has(0x0001), 'MAPPED-ADDRESS for RFC 3489-era clients');
    assert.match(parsed.attributes.get(0x8022).toString(), /^iceway\//);
    assert.ok(reply.length <= request.length, `${reply.length}-byte answer to a ${request.length}-byte request`);
  });
}

test('unknown comprehension-required attribute gets 420 listing it', async () => {
  const { reply } = await udpExchange(4, bindingRequest([[0x7777, Buffer.from('abcd')]]));
  const parsed = parse(reply);
  assert.equal(parsed.type, 0x0111);
  assert.equal(errorCode(parsed), 420);
  assert.equal(parsed.attributes.get(0x000a).readUInt16BE(0), 0x7777);
});

test('unknown comprehension-optional attribute is ignored', async () => {
  const { reply } = await udpExchange(4, bindingRequest([[0xc777, Buffer.from('abcd')]]));
  assert.equal(parse(reply).type, 0x0101);
});

test('malformed requests and unknown methods are dropped silently (RFC 8489 §6.3)', { timeout: 10000 }, async () => {
  // Attribute length runs past the end of the message.
  const malformed = bindingRequest([[0x8022, Buffer.from('abcd')]]);
  malformed.writeUInt16BE(40, 22);
  for (const request of [malformed, message(0x02ef)]) {
    const { reply } = await udpExchange(4, request);
    assert.equal(reply, null);
  }
});

test('garbage and indications get no answer', { timeout: 10000 }, async () => {
  for (const bytes of [Buffer.from('hello, this is not stun at all!'), message(0x0011)]) {
    const { reply } = await udpExchange(4, bytes);
    assert.equal(reply, null);
  }
});

function tcpConnect(family) {
  const socket = net.connect({ host: family === 4 ? '127.0.0.1' : '::1', port: server.tcp.find((e) => e.family === family).port });
  return once(socket, 'connect').then(() => socket);
}

function readFrames(socket, count, timeoutMs = 2000) {
  return new Promise((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const frames = [];
    const timer = setTimeout(() => reject(new Error(`got ${frames.length} of ${count} frames`)), timeoutMs);
    const onData = (data) => {
      buffer = Buffer.concat([buffer, data]);
      while (buffer.length >= 20 && buffer.length >= 20 + buffer.readUInt16BE(2)) {
        const size = 20 + buffer.readUInt16BE(2);
        frames.push(parse(buffer.subarray(0, size)));
        buffer = buffer.subarray(size);
      }
      if (frames.length >= count) { clearTimeout(timer); socket.off('data', onData); resolve(frames); }
    };
    socket.on('data', onData);
  });
}

test('TCP: back-to-back requests in one write and one request split byte by byte', async () => {
  const socket = await tcpConnect(4);
  const first = bindingRequest();
  const second = bindingRequest();
  socket.write(Buffer.concat([first, second]));
  const frames = await readFrames(socket, 2);
  assert.deepEqual(frames.map((f) => f.transactionId), [first.subarray(8, 20), second.subarray(8, 20)]);
  const third = bindingRequest();
  const pending = readFrames(socket, 1);
  for (let i = 0; i < third.length; ++i) { socket.write(third.subarray(i, i + 1)); await new Promise((r) => setImmediate(r)); }
  const [answer] = await pending;
  assert.deepEqual(answer.transactionId, third.subarray(8, 20));
  assert.equal(xorMappedAddress(answer).port, socket.localPort);
  socket.destroy();
});

test('TCP over IPv6 answers Binding', async () => {
  const socket = await tcpConnect(6);
  const pending = readFrames(socket, 1);
  socket.write(bindingRequest());
  const [answer] = await pending;
  assert.equal(xorMappedAddress(answer).port, socket.localPort);
  socket.destroy();
});

test('TCP: 420 arrives on the stream too', async () => {
  const socket = await tcpConnect(4);
  const pending = readFrames(socket, 1);
  socket.write(bindingRequest([[0x7001, Buffer.from('xxxx')]]));
  const [answer] = await pending;
  assert.equal(errorCode(answer), 420);
  socket.destroy();
});

test('TCP: junk closes the connection at once', async () => {
  // 0xff is neither STUN nor ChannelData; "GET " looks like ChannelData, which is invalid
  // before the connection has an allocation.
  for (const junk of [Buffer.from([0xff, 1, 2, 3, 4, 5, 6, 7]), Buffer.from('GET / HTTP/1.1\r\n\r\n')]) {
    const socket = await tcpConnect(4);
    socket.write(junk);
    await Promise.race([once(socket, 'close'), new Promise((_, reject) => setTimeout(() => reject(new Error(`not closed after ${junk}`)), 2000))]);
  }
});

test('TCP: a stalled client does not block another', async () => {
  const stalled = await tcpConnect(4);
  stalled.write(bindingRequest().subarray(0, 10));  // half a header, then silence
  const other = await tcpConnect(4);
  const pending = readFrames(other, 1);
  other.write(bindingRequest());
  const [answer] = await pending;
  assert.equal(answer.type, 0x0101);
  other.destroy();
  stalled.destroy();
});
