// What a new user does (issue 3, "tried as a new user would"): paste the output of
// `iceway credentials` into a browser's RTCPeerConnection config and get relay candidates.
// Headless Chromium runs two relay-only peer connections against iceway under the default
// peer policy and sends a data-channel message between them, which only works if iceway
// relays between its own relayed addresses (SPEC §9). Once with the whole printed config, and
// once per URL (turn: over UDP, turn: over TCP, turns:) so each client transport is shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, run, ICEWAY_BIN, makeCertificate } from './lib/iceway.mjs';
import { SECRET, turnArgs } from './lib/turn.mjs';

const CHROMIUM = process.env.CHROMIUM || 'chromium';
let server;
let dir;
let iceServers;
let results;  // case name -> what the page saw

// The page: for each case, two relay-only RTCPeerConnections, a data channel from one to the
// other, and what the browser reports about the candidates and the pair it chose.
const page = (cases) => `<!doctype html><meta charset="utf-8"><script>
const cases = ${JSON.stringify(cases)};
async function call(config) {
  const a = new RTCPeerConnection({ ...config, iceTransportPolicy: 'relay' });
  const b = new RTCPeerConnection({ ...config, iceTransportPolicy: 'relay' });
  const candidates = { a: [], b: [] };
  a.onicecandidate = (e) => { if (e.candidate) { candidates.a.push(e.candidate.candidate); b.addIceCandidate(e.candidate); } };
  b.onicecandidate = (e) => { if (e.candidate) { candidates.b.push(e.candidate.candidate); a.addIceCandidate(e.candidate); } };
  const received = new Promise((resolve) => { b.ondatachannel = (e) => { e.channel.onmessage = (m) => resolve(m.data); }; });
  const channel = a.createDataChannel('probe');
  channel.onopen = () => channel.send('hello through iceway');
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  const message = await Promise.race([received, new Promise((resolve) => setTimeout(() => resolve(null), 15000))]);
  // The pair ICE chose, from the transport's stats (the pair's own "nominated" flag can lag
  // behind the first message); polled briefly for the same reason.
  let selected = null;
  for (let attempt = 0; attempt < 20 && !selected; ++attempt) {
    const stats = await a.getStats();
    stats.forEach((s) => {
      const pair = s.type === 'transport' && s.selectedCandidatePairId && stats.get(s.selectedCandidatePairId);
      if (!pair) return;
      const local = stats.get(pair.localCandidateId);
      const remote = stats.get(pair.remoteCandidateId);
      selected = { local: local.candidateType, relayProtocol: local.relayProtocol, remote: remote.candidateType };
    });
    if (!selected) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  a.close();
  b.close();
  return { candidates, message, selected };
}
(async () => {
  const results = {};
  for (const [name, config] of Object.entries(cases)) {
    try { results[name] = await call(config); } catch (error) { results[name] = { error: String(error) }; }
  }
  await fetch('/result', { method: 'POST', body: JSON.stringify(results) });
})();
</script>`;

// Serves the page on loopback, runs headless Chromium on it, resolves with what it posted.
async function runInChromium(cases, timeoutMs = 90000) {
  let resolveResult;
  const posted = new Promise((resolve) => { resolveResult = resolve; });
  const web = http.createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/result') {
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => { response.end('ok'); resolveResult(JSON.parse(body)); });
      return;
    }
    response.setHeader('content-type', 'text/html');
    response.end(page(cases));
  });
  await new Promise((resolve) => web.listen(0, '127.0.0.1', resolve));
  // Its own process group, so the renderer and GPU helpers end with it.
  const chromium = spawn(CHROMIUM, ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--ignore-certificate-errors',  // the turns: certificate is a throwaway self-signed one
    `--user-data-dir=${join(dir, 'profile')}`, `http://127.0.0.1:${web.address().port}/`],
  { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  chromium.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => chromium.once('exit', resolve));
  let timer;
  try {
    return await Promise.race([
      posted,
      exited.then((code) => { throw new Error(`chromium exited (${code}) before the page posted:\n${stderr.slice(-3000)}`); }),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no result from chromium in ${timeoutMs} ms:\n${stderr.slice(-3000)}`)), timeoutMs); }),
    ]);
  } finally {
    clearTimeout(timer);
    if (chromium.exitCode === null && chromium.signalCode === null) {
      process.kill(-chromium.pid, 'SIGTERM');
      const killer = setTimeout(() => process.kill(-chromium.pid, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    web.close();
  }
}

const chromiumMissing = (await run('sh', ['-c', `command -v ${CHROMIUM}`])).code !== 0;

before(async () => {
  if (chromiumMissing) return;
  dir = mkdtempSync(join(tmpdir(), 'iceway-browser-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await makeCertificate(cert, key);
  const tls = ['--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`];
  // The default peer policy: no --allow-loopback-peers.
  server = await startIceway([...loopbackArgs(), ...turnArgs, ...tls, '--tls-listen', '127.0.0.1:0']);
  const printed = await run(ICEWAY_BIN, ['credentials', '--user', 'browser', '--ttl', '1h',
    '--set', `auth.secrets=["${SECRET}"]`, ...tls, '--public-host', '127.0.0.1',
    '--listen', `127.0.0.1:${server.udp.find((e) => e.family === 4).port}`, '--tls-listen', `127.0.0.1:${server.tls[0].port}`]);
  assert.equal(printed.code, 0, printed.stderr);
  const config = JSON.parse(printed.stdout);
  iceServers = config.iceServers;
  // One URL of the printed config, with its username and credential.
  const single = (scheme, transport) => ({
    iceServers: iceServers.filter((s) => s.username).flatMap((s) => s.urls
      .filter((url) => url.startsWith(`${scheme}:`) && url.endsWith(`?transport=${transport}`))
      .map((url) => ({ ...s, urls: [url] }))),
  });
  const cases = { pasted: config, udp: single('turn', 'udp'), tcp: single('turn', 'tcp'), tls: single('turns', 'tcp') };
  for (const name of ['udp', 'tcp', 'tls']) assert.equal(cases[name].iceServers.length, 1, `${name}: ${printed.stdout}`);
  results = await runInChromium(cases);
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const relayCandidates = (list) => list.filter((c) => / typ relay /.test(c));

test('the pasted `iceway credentials` config gives relay candidates and a relayed data channel', { skip: chromiumMissing && 'no chromium' }, () => {
  const result = results.pasted;
  assert.equal(result.error, undefined, result.error);
  for (const side of ['a', 'b']) {
    const relays = relayCandidates(result.candidates[side]);
    assert.ok(relays.length >= 1, `no relay candidate for ${side}: ${JSON.stringify(result.candidates)}`);
    for (const candidate of relays) assert.match(candidate, / 127\.0\.0\.1 \d+ typ relay /);
  }
  assert.equal(result.message, 'hello through iceway', JSON.stringify(result));
  assert.deepEqual({ local: result.selected?.local, remote: result.selected?.remote }, { local: 'relay', remote: 'relay' });
  // Every relay candidate is an allocation iceway made for this user.
  const relayed = [...server.output().matchAll(/allocation created: user=browser client=\w+ \S+ relayed=(\S+)/g)].map((m) => m[1]);
  for (const candidate of [...result.candidates.a, ...result.candidates.b]) {
    const [, address, port] = candidate.match(/ (\S+) (\d+) typ relay /);
    assert.ok(relayed.includes(`${address}:${port}`), `${address}:${port} not in ${relayed}`);
  }
});

for (const [name, protocol, scheme] of [['udp', 'udp', 'turn:…?transport=udp'], ['tcp', 'tcp', 'turn:…?transport=tcp'], ['tls', 'tls', 'turns:']]) {
  test(`the ${scheme} URL alone relays the browser's data channel over ${protocol.toUpperCase()}`, { skip: chromiumMissing && 'no chromium' }, () => {
    const result = results[name];
    assert.equal(result.error, undefined, result.error);
    assert.ok(relayCandidates(result.candidates.a).length >= 1, JSON.stringify(result.candidates));
    assert.equal(result.message, 'hello through iceway', JSON.stringify(result));
    assert.equal(result.selected?.local, 'relay');
    assert.equal(result.selected?.relayProtocol, protocol);
    assert.match(server.output(), new RegExp(`allocation created: user=browser client=${protocol} `));
  });
}
