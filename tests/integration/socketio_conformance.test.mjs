// The behaviours the Engine.IO v4 and Socket.IO v5 protocol test suites of the socketio/socket.io
// repository check, written here in our own words against iceway started with
// socketio_conformance.toml (an Engine.IO echo at /engine.io/, the suites' app at /socket.io/,
// pingInterval 300 ms, pingTimeout 200 ms, maxPayload 1,000,000). Raw HTTP with fetch and raw
// WebSocket frames with `ws`, as those suites speak.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';

const CONFIG = new URL('./socketio_conformance.toml', import.meta.url).pathname;
const PING_INTERVAL = 300;
const PING_TIMEOUT = 200;

let server;
let http;
let wsBase;
const sockets = [];
before(async () => {
  server = await startIceway(['--config', CONFIG, ...loopbackArgs({ ipv6: false })]);
  http = `http://${server.signal.host}:${server.signal.port}`;
  wsBase = `ws://${server.signal.host}:${server.signal.port}`;
});
after(async () => {
  for (const socket of sockets) socket.terminate();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A WebSocket whose frames (text as strings, binary as Buffers) and close are queued, so a test
// reads them in order without racing the listeners.
function openSocket(path, query) {
  const socket = new WebSocket(`${wsBase}${path}?${query}`);
  sockets.push(socket);
  const frames = [];
  const waiters = [];
  let closed = false;
  const wake = () => { while (waiters.length) waiters.shift()(); };
  socket.on('message', (data, binary) => { frames.push(binary ? Buffer.from(data) : data.toString()); wake(); });
  socket.on('close', () => { closed = true; wake(); });
  socket.on('error', () => { closed = true; wake(); });
  const wait = async (ready, what, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 50); });
    }
  };
  return {
    socket,
    opened: () => new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); }),
    send: (data) => socket.send(data),
    async next({ skipPings = false, timeoutMs = 5000 } = {}) {
      for (;;) {
        await wait(() => frames.length > 0, 'frame', timeoutMs);
        const frame = frames.shift();
        if (skipPings && frame === '2') continue;
        return frame;
      }
    },
    closed: (timeoutMs = 5000) => wait(() => closed, 'close', timeoutMs),
  };
}

async function pollingSession(path) {
  const response = await fetch(`${http}${path}?EIO=4&transport=polling`);
  const text = await response.text();
  return JSON.parse(text.slice(1)).sid;
}
const get = (path, sid, extra = '') => fetch(`${http}${path}?EIO=4&transport=polling&sid=${sid}${extra}`);
const post = (path, sid, body) => fetch(`${http}${path}?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body });

function checkOpenPacket(text, upgrades) {
  assert.equal(text[0], '0');
  const open = JSON.parse(text.slice(1));
  assert.deepEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.equal(typeof open.sid, 'string');
  assert.deepEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, PING_INTERVAL);
  assert.equal(open.pingTimeout, PING_TIMEOUT);
  assert.equal(open.maxPayload, 1000000);
}

for (const path of ['/engine.io/', '/socket.io/']) {
  describe(`Engine.IO at ${path}`, () => {
    test('a polling handshake opens a session with every field of the open packet', async () => {
      const response = await fetch(`${http}${path}?EIO=4&transport=polling`);
      assert.equal(response.status, 200);
      checkOpenPacket(await response.text(), ['websocket']);
    });

    test('a WebSocket handshake sends the open packet with no upgrades', async () => {
      const socket = openSocket(path, 'EIO=4&transport=websocket');
      checkOpenPacket(await socket.next(), []);
      socket.socket.close();
    });

    test('a missing or wrong EIO, a missing or unknown transport, and a handshake by POST or PUT get 400', async () => {
      for (const query of ['transport=polling', 'EIO=abc&transport=polling', 'EIO=4', 'EIO=4&transport=abc']) {
        const response = await fetch(`${http}${path}?${query}`);
        assert.equal(response.status, 400, query);
      }
      for (const method of ['POST', 'PUT']) {
        const response = await fetch(`${http}${path}?EIO=4&transport=polling`, { method });
        assert.equal(response.status, 400, method);
      }
      for (const query of ['transport=websocket', 'EIO=abc&transport=websocket', 'EIO=4', 'EIO=4&transport=abc']) {
        const socket = openSocket(path, query);
        await socket.closed();
      }
    });

    test('polling heartbeat: each poll gets a ping, answered by a posted pong, three times over', async () => {
      const sid = await pollingSession(path);
      for (let i = 0; i < 3; i += 1) {
        const poll = await get(path, sid);
        assert.equal(poll.status, 200);
        assert.equal(await poll.text(), '2');
        assert.equal((await post(path, sid, '3')).status, 200);
      }
    });

    test('a polling client silent for pingInterval + pingTimeout is gone', async () => {
      const sid = await pollingSession(path);
      await sleep(PING_INTERVAL + PING_TIMEOUT);
      assert.equal((await get(path, sid)).status, 400);
    });

    test('WebSocket heartbeat: pings arrive every pingInterval and pongs keep the session', async () => {
      const socket = openSocket(path, 'EIO=4&transport=websocket');
      await socket.next();
      if (path === '/socket.io/') socket.send('40');  // else connectTimeout ends a bare session
      for (let i = 0; i < 3; i += 1) {
        let frame = await socket.next();
        while (frame !== '2') frame = await socket.next();  // the CONNECT answer and its auth event
        socket.send('3');
      }
      socket.socket.close();
    });

    test('a WebSocket client that never pongs is closed about pingInterval + pingTimeout after its handshake', async () => {
      const socket = openSocket(path, 'EIO=4&transport=websocket');
      const started = Date.now();
      await socket.closed(3000);
      const elapsed = Date.now() - started;
      // The suites allow their 2 s default; the deadline itself is 500 ms.
      assert.ok(elapsed >= PING_INTERVAL + PING_TIMEOUT - 50 && elapsed < 2000, `${elapsed} ms`);
    });

    test('a posted close packet releases the held poll with a noop, then the sid is unknown', async () => {
      const sid = await pollingSession(path);
      const held = get(path, sid);
      await sleep(20);
      const [poll] = await Promise.all([held, post(path, sid, '1')]);
      assert.equal(poll.status, 200);
      assert.equal(await poll.text(), '6');
      assert.equal((await get(path, sid)).status, 400);
    });

    test('a close packet on the WebSocket closes it', async () => {
      const socket = openSocket(path, 'EIO=4&transport=websocket');
      await socket.next();
      socket.send('1');
      await socket.closed();
    });

    test('upgrade: probe answered, held poll released with a noop, then the WebSocket carries the session', async () => {
      const sid = await pollingSession(path);
      const socket = openSocket(path, `EIO=4&transport=websocket&sid=${sid}`);
      await socket.opened();
      // A second WebSocket while this one probes is opened and closed (a refused upgrade would
      // be an error to the suites' clients); the probe goes on.
      const extra = openSocket(path, `EIO=4&transport=websocket&sid=${sid}`);
      await extra.opened();
      await extra.closed();
      socket.send('2probe');
      assert.equal(await socket.next(), '3probe');
      const poll = await get(path, sid);
      assert.equal(poll.status, 200);
      assert.equal(await poll.text(), '6');
      socket.send('5');
      if (path === '/engine.io/') {
        socket.send('4hello');
        assert.equal(await socket.next({ skipPings: true }), '4hello');
      }
      // After the upgrade, polling with that sid is refused, a second WebSocket for it closed,
      // and the upgraded socket goes on.
      assert.equal((await get(path, sid)).status, 400);
      const second = openSocket(path, `EIO=4&transport=websocket&sid=${sid}`);
      await second.opened();
      await second.closed();
      if (path === '/engine.io/') {
        socket.send('4again');
        assert.equal(await socket.next({ skipPings: true }), '4again');
      }
      socket.socket.close();
    });
  });
}

describe('Engine.IO messages (the echo endpoint)', () => {
  const path = '/engine.io/';
  test('one text packet, several joined by \\x1e, and text with base64 binary come back as sent', async () => {
    for (const body of ['4hello', '4test1\x1e4test2\x1e4test3', '4hello\x1ebAQIDBA==']) {
      const sid = await pollingSession(path);
      const pushed = await post(path, sid, body);
      assert.equal(pushed.status, 200);
      assert.equal(await pushed.text(), 'ok');
      const poll = await get(path, sid);
      assert.equal(poll.status, 200);
      assert.equal(await poll.text(), body);
    }
  });

  test('an invalid packet format ends the polling session', async () => {
    const sid = await pollingSession(path);
    try {
      const pushed = await post(path, sid, 'abc');
      assert.equal(pushed.status, 400);
    } catch {
      // the connection may simply be closed
    }
    assert.equal((await get(path, sid)).status, 400);
  });

  test('a second GET while one is held ends the session: the first gets a close packet, the second an error', async () => {
    const sid = await pollingSession(path);
    const first = get(path, sid);
    await sleep(20);
    const second = await get(path, sid, '&t=again');
    const held = await first;
    assert.equal(held.status, 200);
    assert.equal(await held.text(), '1');
    assert.ok([400, 500].includes(second.status), `${second.status}`);
    assert.equal((await get(path, sid)).status, 400);
  });

  test('a held GET whose client goes away ends the session then, not at its ping timeout', async () => {
    const sid = await pollingSession(path);
    const since = server.output().length;
    const controller = new AbortController();
    const pending = fetch(`${http}${path}?EIO=4&transport=polling&sid=${sid}`, { signal: controller.signal }).catch(() => {});
    await sleep(20);
    controller.abort();
    await pending;
    // Probed with POSTs (another GET would end the session itself, as an overlapping poll) until
    // the sid is gone. The missed pong would end it too, 500 ms after the handshake; the log says
    // which of the two did, so a slow machine cannot blur one into the other.
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await post(path, sid, '4still there?')).status;
      if (status === 400) break;
      await sleep(10);
    }
    assert.equal(status, 400);
    const ended = [...server.output().slice(since).matchAll(/socketio session ended: remote=\S+ reason="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(ended.includes('transport closed'), `sessions ended since the abort: ${JSON.stringify(ended)}`);
  });

  test('WebSocket text and binary messages come back as sent; garbage closes it', async () => {
    const socket = openSocket(path, 'EIO=4&transport=websocket');
    await socket.next();
    socket.send('4hello');
    assert.equal(await socket.next(), '4hello');
    socket.send(Uint8Array.from([1, 2, 3, 4]));
    assert.deepEqual([...(await socket.next())], [1, 2, 3, 4]);
    socket.send('abc');
    await socket.closed();
  });
});

// Socket.IO at /socket.io/: a connected socket has read the open packet, the CONNECT answer and
// the fixture's "auth" event.
async function connected(auth = '') {
  const socket = openSocket('/socket.io/', 'EIO=4&transport=websocket');
  await socket.next();
  socket.send(`40${auth}`);
  await socket.next({ skipPings: true });
  await socket.next({ skipPings: true });
  return socket;
}

describe('Socket.IO protocol', () => {
  for (const [nsp, auth] of [['', ''], ['', '{"token":"123"}'], ['/custom,', ''], ['/custom,', '{"token":"abc"}']]) {
    test(`CONNECT to "${nsp || '/'}" ${auth ? 'with' : 'without'} auth: {sid}, then the auth echoed as sent`, async () => {
      const socket = openSocket('/socket.io/', 'EIO=4&transport=websocket');
      await socket.next();
      socket.send(`40${nsp}${auth}`);
      const answer = await socket.next({ skipPings: true });
      assert.ok(answer.startsWith(`40${nsp}`), answer);
      const handshake = JSON.parse(answer.slice(2 + nsp.length));
      assert.deepEqual(Object.keys(handshake), ['sid']);
      assert.equal(typeof handshake.sid, 'string');
      assert.equal(await socket.next({ skipPings: true }), `42${nsp}["auth",${auth || '{}'}]`);
      socket.socket.close();
    });
  }

  test('an unknown namespace gets CONNECT_ERROR "Invalid namespace"', async () => {
    const socket = openSocket('/socket.io/', 'EIO=4&transport=websocket');
    await socket.next();
    socket.send('40/random');
    assert.equal(await socket.next({ skipPings: true }), '44/random,{"message":"Invalid namespace"}');
    socket.socket.close();
  });

  test('an invalid handshake closes the connection; so does no handshake at all', async () => {
    const invalid = openSocket('/socket.io/', 'EIO=4&transport=websocket');
    await invalid.next();
    invalid.send('4abc');
    await invalid.closed();
    const silent = openSocket('/socket.io/', 'EIO=4&transport=websocket');
    await silent.closed();
  });

  test('DISCONNECT from the main namespace: nothing but pings follow', async () => {
    const socket = await connected();
    socket.send('41');
    assert.equal(await socket.next(), '2');
    socket.socket.close();
  });

  test('leaving /custom keeps the main namespace working', async () => {
    const socket = await connected();
    socket.send('40/custom,');
    await socket.next({ skipPings: true });
    await socket.next({ skipPings: true });
    socket.send('41/custom,');
    socket.send('42["message","message to main namespace"]');
    assert.equal(await socket.next({ skipPings: true }), '42["message-back","message to main namespace"]');
    socket.socket.close();
  });

  test('an event comes back compact, byte for byte, key order kept', async () => {
    const socket = await connected();
    socket.send('42["message",1,"2",{"3":[true]},{"z":1,"a":{"y":2,"b":null}}]');
    assert.equal(await socket.next({ skipPings: true }), '42["message-back",1,"2",{"3":[true]},{"z":1,"a":{"y":2,"b":null}}]');
    socket.socket.close();
  });

  test('binary attachments are relayed: the header, then each attachment in order', async () => {
    const socket = await connected();
    socket.send('452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    socket.send(Uint8Array.from([1, 2, 3]));
    socket.send(Uint8Array.from([4, 5, 6]));
    assert.equal(await socket.next({ skipPings: true }),
      '452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    assert.deepEqual([...(await socket.next({ skipPings: true }))], [1, 2, 3]);
    assert.deepEqual([...(await socket.next({ skipPings: true }))], [4, 5, 6]);
    socket.socket.close();
  });

  test('an event with an ack id is acknowledged with its arguments', async () => {
    const socket = await connected();
    socket.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    assert.equal(await socket.next({ skipPings: true }), '43456[1,"2",{"3":[false]}]');
    // A binary event with an ack id gets a binary ack carrying its attachments back.
    socket.send('451-789["message-with-ack",{"_placeholder":true,"num":0}]');
    socket.send(Uint8Array.from([7, 8]));
    assert.equal(await socket.next({ skipPings: true }), '461-789[{"_placeholder":true,"num":0}]');
    assert.deepEqual([...(await socket.next({ skipPings: true }))], [7, 8]);
    socket.socket.close();
  });

  for (const [what, frame] of [['an unknown packet type', '4abc'], ['an event that is not an array', '42{}'],
    ['an ack id that is not a number', '42abc["message-with-ack",1]']]) {
    test(`${what} closes the connection`, async () => {
      const socket = await connected();
      socket.send(frame);
      await socket.closed();
    });
  }

  test('polling: the CONNECT answer and the auth event come in one payload joined by \\x1e', async () => {
    const sid = await pollingSession('/socket.io/');
    assert.equal((await post('/socket.io/', sid, '40{"token":"p"}')).status, 200);
    const poll = await get('/socket.io/', sid);
    const packets = (await poll.text()).split('\x1e');
    assert.ok(packets[0].startsWith('40{"sid":'), packets[0]);
    assert.equal(packets[1], '42["auth",{"token":"p"}]');
  });
});
