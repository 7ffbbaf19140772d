// GET /api/v1/ice-servers on the real binary (SPEC §5, issue 5): an app backend with an API key
// gets a ready {iceServers, ttl} for new RTCPeerConnection(); without a valid key it is 401
// with a JSON error; ttl is capped by auth.credential_ttl; the user ends up in the REST
// username; CORS follows signal.allowed_origins (preflight included); in development mode
// (no config, no secret) anyone may fetch. The credentials it hands out are accepted by
// coturn's turnutils_uclient.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import { startPeer, uclient, nowUnix } from './lib/turn.mjs';

const SECRET = 'ice-servers-api-secret';
const KEY = 'backend-key-0123456789';
const OTHER_KEY = 'second-backend-key';
const ALLOWED = 'https://app.example';

let server;
let dev;
let peer;

before(async () => {
  server = await startIceway([...loopbackArgs({ ipv6: false }), '--allow-loopback-peers', '--set', 'server.drain_timeout=0s',
    '--set', `auth.secrets=["${SECRET}"]`, '--set', `auth.api_keys=["${KEY}","${OTHER_KEY}"]`,
    '--set', 'auth.credential_ttl=1h', '--set', `signal.allowed_origins=["${ALLOWED}"]`]);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (dev) assert.equal(await stopIceway(dev), 0, dev.output());
});

// One request to the signal listener; resolves { status, headers, body (parsed JSON or text) }.
function request(target, { method = 'GET', headers = {}, on = server } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: on.signal.host, port: on.signal.port, path: target, method, headers }, (response) => {
      let text = '';
      response.on('data', (d) => { text += d; });
      response.on('end', () => {
        let body = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: response.statusCode, headers: response.headers, body, text });
      });
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error(`${target}: no answer in 10 s`)));
    req.end();
  });
}

const bearer = (key) => ({ Authorization: `Bearer ${key}` });

// The RTCConfiguration rules a browser applies to iceServers (WebRTC §4.2.1, RTCIceServer):
// urls a string or a non-empty array of stun:/turn:/turns: URLs; turn(s) needs username and
// credential strings. Returns the TURN entries.
function assertRtcIceServers(iceServers, on) {
  assert.ok(Array.isArray(iceServers) && iceServers.length > 0, JSON.stringify(iceServers));
  const port = on.udp[0].port;
  const turn = [];
  for (const entry of iceServers) {
    const urls = Array.isArray(entry.urls) ? entry.urls : [entry.urls];
    assert.ok(urls.length > 0);
    for (const url of urls) {
      assert.match(url, /^(stun|turns?):[^/?#]+:\d+(\?transport=(udp|tcp))?$/, url);
      if (!url.startsWith('turns')) assert.ok(url.includes(`:${port}`), `${url} is not the STUN/TURN port ${port}`);
    }
    if (urls.some((url) => url.startsWith('turn'))) {
      assert.equal(typeof entry.username, 'string');
      assert.equal(typeof entry.credential, 'string');
      turn.push(entry);
    }
  }
  assert.ok(iceServers.some((e) => [e.urls].flat().some((u) => u.startsWith('stun:'))), 'no stun: URL');
  assert.ok(turn.length > 0, 'no turn: entry');
  return turn;
}

test('a good key gets {iceServers, ttl} ready for RTCPeerConnection, signed with the secret', async () => {
  for (const key of [KEY, OTHER_KEY]) {
    const before = nowUnix();
    const answer = await request('/api/v1/ice-servers', { headers: bearer(key) });
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.headers['content-type'], /^application\/json/);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.deepEqual(Object.keys(answer.body).sort(), ['iceServers', 'ttl']);
    assert.equal(answer.body.ttl, 3600);
    for (const entry of assertRtcIceServers(answer.body.iceServers, server)) {
      const [expiry] = entry.username.split(':');
      assert.ok(Number(expiry) >= before + 3600 && Number(expiry) <= nowUnix() + 3600, entry.username);
      // SPEC §5: password = base64(HMAC-SHA1(secret, username)).
      assert.equal(entry.credential, createHmac('sha1', SECRET).update(entry.username).digest('base64'));
    }
  }
});

test('a wrong key and a missing key are 401 with a JSON error', async () => {
  const cases = [
    ['wrong key', bearer('not-a-key')],
    ['a key one character short', bearer(KEY.slice(0, -1))],
    ['missing', {}],
    ['not Bearer', { Authorization: `Basic ${Buffer.from(`x:${KEY}`).toString('base64')}` }],
  ];
  for (const [name, headers] of cases) {
    const answer = await request('/api/v1/ice-servers', { headers });
    assert.equal(answer.status, 401, `${name}: ${answer.text}`);
    assert.match(answer.headers['content-type'], /^application\/json/, name);
    assert.equal(answer.body.error, 'unauthorized', name);
    assert.equal(typeof answer.body.message, 'string', name);
    assert.match(answer.headers['www-authenticate'] ?? '', /^Bearer/, name);
    assert.ok(!('iceServers' in answer.body), name);
  }
});

test('ttl is honoured below auth.credential_ttl and capped at it; user goes into the username', async () => {
  const short = await request('/api/v1/ice-servers?user=alice&ttl=60', { headers: bearer(KEY) });
  assert.equal(short.status, 200, short.text);
  assert.equal(short.body.ttl, 60);
  const [entry] = assertRtcIceServers(short.body.iceServers, server);
  const [expiry, user] = entry.username.split(':');
  assert.equal(user, 'alice');
  assert.ok(Math.abs(Number(expiry) - (nowUnix() + 60)) <= 5, entry.username);

  const long = await request('/api/v1/ice-servers?user=bob&ttl=999999', { headers: bearer(KEY) });
  assert.equal(long.status, 200, long.text);
  assert.equal(long.body.ttl, 3600);
  const [capped] = assertRtcIceServers(long.body.iceServers, server);
  assert.ok(Number(capped.username.split(':')[0]) <= nowUnix() + 3600, capped.username);
  assert.match(capped.username, /^\d+:bob$/);

  for (const bad of ['?ttl=0', '?ttl=-5', '?ttl=abc', '?user=a:b', '?user=']) {
    const answer = await request(`/api/v1/ice-servers${bad}`, { headers: bearer(KEY) });
    assert.equal(answer.status, 400, `${bad}: ${answer.text}`);
    assert.equal(answer.body.error, 'bad-request', bad);
  }
});

test('CORS: an allowed origin is echoed, another is not, and the preflight is answered', async () => {
  const allowed = await request('/api/v1/ice-servers', { headers: { ...bearer(KEY), Origin: ALLOWED } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers['access-control-allow-origin'], ALLOWED);
  assert.match(allowed.headers.vary ?? '', /Origin/);

  const other = await request('/api/v1/ice-servers', { headers: { ...bearer(KEY), Origin: 'https://evil.example' } });
  assert.equal(other.headers['access-control-allow-origin'], undefined, JSON.stringify(other.headers));

  // A 401 to an allowed origin still carries the header, so the browser app can read the error.
  const refused = await request('/api/v1/ice-servers', { headers: { Origin: ALLOWED } });
  assert.equal(refused.status, 401);
  assert.equal(refused.headers['access-control-allow-origin'], ALLOWED);

  const preflight = await request('/api/v1/ice-servers', {
    method: 'OPTIONS',
    headers: { Origin: ALLOWED, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
  assert.ok(preflight.status === 204 || preflight.status === 200, `${preflight.status} ${preflight.text}`);
  assert.equal(preflight.headers['access-control-allow-origin'], ALLOWED);
  assert.match(preflight.headers['access-control-allow-methods'] ?? '', /\bGET\b/);
  assert.match(preflight.headers['access-control-allow-headers'] ?? '', /authorization/i);

  const foreignPreflight = await request('/api/v1/ice-servers', {
    method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' },
  });
  assert.equal(foreignPreflight.headers['access-control-allow-origin'], undefined);
});

test('the credentials handed out relay through turnutils_uclient', { timeout: 60000 }, async () => {
  const answer = await request('/api/v1/ice-servers?user=uclient-user&ttl=600', { headers: bearer(KEY) });
  assert.equal(answer.status, 200, answer.text);
  const [entry] = assertRtcIceServers(answer.body.iceServers, server);
  const result = await uclient({
    host: '127.0.0.1', port: server.udp[0].port, user: entry.username, password: entry.credential,
    messages: 20, peer: { address: '127.0.0.1', port: peer.port },
  });
  const why = `${result.command}\n${result.output}`;
  assert.equal(result.code, 0, why);
  assert.equal(result.sent, 20, why);
  assert.equal(result.received, 20, why);
  assert.match(server.output(), /allocation created: user=uclient-user /);

  // The password of one username does not work for another: the server checks, not only uclient.
  const since = server.output().length;
  const forged = await uclient({
    host: '127.0.0.1', port: server.udp[0].port, user: entry.username.replace('uclient-user', 'mallory'),
    password: entry.credential, messages: 5, peer: { address: '127.0.0.1', port: peer.port }, timeoutMs: 20000,
  });
  assert.notEqual(forged.received, 5, forged.output);
  await waitForOutput(server, /auth failure: client=udp \S+ method=allocate reason=bad_integrity/, 5000, since);
});

test('development mode (no config, no secret): anyone gets ice servers that work', { timeout: 60000 }, async () => {
  const env = { ICEWAY_SECRETS: '', ICEWAY_API_KEYS: '' };  // empty = unset: no secret from the environment
  dev = await startIceway([...loopbackArgs({ ipv6: false }), '--allow-loopback-peers', '--set', 'server.drain_timeout=0s'], { env });
  assert.match(dev.output(), /development mode/);
  const answer = await request('/api/v1/ice-servers?user=anon', { on: dev });
  assert.equal(answer.status, 200, answer.text);
  const [entry] = assertRtcIceServers(answer.body.iceServers, dev);
  assert.match(entry.username, /^\d+:anon$/);
  const result = await uclient({
    host: '127.0.0.1', port: dev.udp[0].port, user: entry.username, password: entry.credential,
    messages: 10, peer: { address: '127.0.0.1', port: peer.port },
  });
  assert.equal(result.received, 10, `${result.command}\n${result.output}`);
});
