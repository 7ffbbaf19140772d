#!/usr/bin/env node
// PeerJS signaling load: the same client load against iceway's /peerjs and the `peer` npm server.
// It speaks the PeerJS server protocol as the `peerjs` client does (WebSocket
// {url}/peerjs?key=&id=&token=, OPEN, {type, dst, payload} frames, HEARTBEAT every 5 s).
// --protocol native sends the same payloads through iceway's /ws ({url}?id=, welcome,
// {type:"signal", to, data}), --protocol relay through /relay ({url}?name=, no greeting, the
// payload's members with "to" beside them), both without heartbeats; the URL names the path.
//
// Pairs mode (default): --pairs N pairs of connections. Once every connection has its OPEN, each
// side sends --window frames to its partner; every frame received is answered with one new frame
// back, so each pair keeps 2 x window frames in flight (closed loop). Frames cycle through OFFER
// (with a 1 KB SDP), ANSWER and CANDIDATE like a real negotiation, and carry a send timestamp and a
// per-direction sequence number in the payload. The receiver checks src, dst, type and sequence
// (in order, nothing skipped) and records the latency. Sending stops after --duration seconds or
// --max-messages frames, whichever comes first; then the frames in flight get --drain seconds to
// arrive, and whatever has not is counted as lost.
//
// Idle mode (--idle N): N connections that only send HEARTBEAT every 5 s, as an idle peerjs client
// does. With --server-pid, the server's VmRSS is read before the first connection and --settle
// seconds after the last OPEN, and the report has the growth per connection.
//
// With --server-pid the report also has the server's CPU time (utime + stime from /proc/PID/stat)
// over the message phase only, so connection setup is not counted; --also-pids P,Q adds the CPU
// time of other processes over the same phase (the other node and Redis of a cluster).
//
// --peer-url: the second connection of every pair connects there instead of --url (a pair
// across two nodes of a cluster, bench/cluster-signal.sh).
//
// Connections are spread over --workers worker threads (pairs never span two workers, so the
// latency clock is one thread's). One JSON object goes to stdout with --json, text otherwise.
//
//   node bench/signal/load.mjs --url ws://127.0.0.1:8080/peerjs [--pairs 50] [--window 4]
//        [--duration 10] [--max-messages 5000000] [--drain 5] [--workers 2] [--server-pid PID]
//        [--protocol peerjs|native|relay] [--key peerjs] [--sources 1] [--connect-timeout 60]
//        [--peer-url URL] [--also-pids P,Q] [--json]
//   node bench/signal/load.mjs --url ... --idle 10000 [--settle 3] [--workers 2] [--server-pid PID]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// `ws` comes from the integration tests' pinned packages (bash tests/integration/setup.sh).
const require = createRequire(new URL('../../tests/integration/package.json', import.meta.url));
const WebSocket = require('ws');

const HEARTBEAT_MS = 5000;  // the peerjs client's pingInterval
// About 1 KB, the size of a data-channel offer from Chromium; escaped for a JSON string.
const FAKE_SDP = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0',
  'a=extmap-allow-mixed', 'a=msid-semantic: WMS', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0', 'a=ice-ufrag:Xq3b', 'a=ice-pwd:o2wD7cTjWIb1mYkRGXqz4ZcP', 'a=ice-options:trickle',
  'a=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CD:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC',
  'a=setup:actpass', 'a=mid:0', 'a=sctp-port:5000', 'a=max-message-size:262144',
  ...Array.from({ length: 6 }, (_, i) =>
    `a=candidate:${842163049 + i} 1 udp ${2122260223 - i} 192.168.1.${10 + i} ${50000 + i} typ host generation 0 network-id ${i + 1}`),
].join('\\r\\n') + '\\r\\n';

// ---- options ---------------------------------------------------------------------------------

function parseOptions(argv) {
  const o = {
    url: '', peerUrl: '', alsoPids: [], key: 'peerjs', protocol: 'peerjs', pairs: 50, window: 4, duration: 10, maxMessages: 5_000_000, drain: 5,
    workers: 2, serverPid: 0, idle: 0, settle: 3, sources: 1, connectTimeout: 60, json: false,
  };
  const numeric = {
    '--pairs': 'pairs', '--window': 'window', '--duration': 'duration', '--max-messages': 'maxMessages',
    '--drain': 'drain', '--workers': 'workers', '--server-pid': 'serverPid', '--idle': 'idle',
    '--settle': 'settle', '--sources': 'sources', '--connect-timeout': 'connectTimeout',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') o.json = true;
    else if (a === '--url') o.url = argv[++i];
    else if (a === '--peer-url') o.peerUrl = argv[++i];
    else if (a === '--also-pids') o.alsoPids = argv[++i].split(',').filter(Boolean).map(Number);
    else if (a === '--key') o.key = argv[++i];
    else if (a === '--protocol') o.protocol = argv[++i];
    else if (numeric[a]) {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a}: not a number: ${argv[i]}`);
      o[numeric[a]] = v;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1, 36)
        .map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  if (!/^wss?:\/\//.test(o.url)) throw new Error('--url ws://HOST:PORT/PATH is required');
  if (o.peerUrl && !/^wss?:\/\//.test(o.peerUrl)) throw new Error('--peer-url: ws://HOST:PORT/PATH');
  if (!o.peerUrl) o.peerUrl = o.url;
  if (!['peerjs', 'native', 'relay'].includes(o.protocol)) throw new Error('--protocol: peerjs, native or relay');
  if (o.alsoPids.some((pid) => !Number.isInteger(pid) || pid <= 0)) throw new Error('--also-pids: PID,PID,...');
  // Every run is bounded: in time, in frames and in connections.
  const bound = (name, lo, hi) => {
    if (!(o[name] >= lo && o[name] <= hi)) throw new Error(`--${name}: ${lo}..${hi}`);
  };
  bound('duration', 0.1, 600); bound('drain', 0.1, 60); bound('settle', 0, 60);
  bound('maxMessages', 1, 1e9); bound('workers', 1, 64); bound('window', 1, 1000);
  bound('pairs', o.idle ? 0 : 1, 50_000); bound('idle', 0, 100_000); bound('sources', 1, 250);
  bound('connectTimeout', 1, 600);
  o.workers = Math.min(o.workers, o.idle || o.pairs);
  return o;
}

// ---- /proc ------------------------------------------------------------------------------------

const CLK_TCK = 100;  // USER_HZ; the same on every Linux ABI Node runs on

// User and kernel (system) CPU seconds of all the process's threads. The kernel share matters:
// it is what a server pays for its system calls, the floor no user-space work removes.
function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLK_TCK, system: Number(fields[12]) / CLK_TCK };  // utime, stime
}

function cpuSeconds(pid) {
  const t = cpuTimes(pid);
  return t.user + t.system;
}

function rssKib(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
  return m ? Number(m[1]) : NaN;
}

function ownCpuSeconds() {
  const u = process.cpuUsage();  // all threads of this process
  return (u.user + u.system) / 1e6;
}

// ---- latency histogram: log buckets 1 % wide, from 1 µs ---------------------------------------

const BUCKET_BASE = Math.log(1.01);
const BUCKETS = 2400;  // up to about 2e10 µs

function bucketOf(us) {
  return us < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(us) / BUCKET_BASE));
}

function percentile(histogram, total, q) {
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= rank) return i === 0 ? 1 : Math.exp(i * BUCKET_BASE);  // upper bound of the bucket
  }
  return null;
}

// ---- main thread ------------------------------------------------------------------------------

async function main() {
  const o = parseOptions(process.argv.slice(2));
  const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  const count = o.idle || o.pairs;
  const workers = [];
  const inbox = [];  // per worker: queued messages and the waiter
  for (let w = 0; w < o.workers; w++) {
    const share = Math.floor(count / o.workers) + (w < count % o.workers ? 1 : 0);
    const worker = new Worker(new URL(import.meta.url), {
      workerData: { ...o, run, index: w, share, maxMessages: Math.max(1, Math.floor(o.maxMessages / o.workers)) },
    });
    const box = { queue: [], waiter: null, error: null };
    worker.on('message', (m) => { box.queue.push(m); box.waiter?.(); });
    worker.on('error', (e) => { box.error = e; box.waiter?.(); });
    worker.on('exit', (code) => { if (code !== 0 && !box.error) box.error = new Error(`worker exited ${code}`); box.waiter?.(); });
    workers.push(worker);
    inbox.push(box);
  }
  // Waits for one message of `type` from every worker, within `seconds`.
  const gather = async (type, seconds) => {
    const deadline = Date.now() + seconds * 1000;
    const out = [];
    for (const box of inbox) {
      for (;;) {
        const i = box.queue.findIndex((m) => m.type === type);
        if (i >= 0) { out.push(box.queue.splice(i, 1)[0]); break; }
        if (box.error) throw box.error;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out after ${seconds} s waiting for "${type}" from the workers`);
        await new Promise((resolve) => { box.waiter = resolve; setTimeout(resolve, Math.min(left, 1000)); });
        box.waiter = null;
      }
    }
    return out;
  };
  const broadcast = (m) => { for (const w of workers) w.postMessage(m); };

  const report = { mode: o.idle ? 'idle' : 'pairs', url: o.url, workers: o.workers };
  const server = o.serverPid ? { pid: o.serverPid } : null;
  try {
    if (server) server.rss_kib_before = rssKib(o.serverPid);
    const connectStart = performance.now();
    const cpuBeforeConnect = server ? cpuSeconds(o.serverPid) : 0;
    broadcast({ type: 'connect' });
    const connected = await gather('connected', o.connectTimeout);
    report.connections = connected.reduce((s, m) => s + m.connections, 0);
    report.connect_seconds = (performance.now() - connectStart) / 1000;
    report.connect_refused = connected.reduce((s, m) => s + m.refused, 0);
    if (server) server.connect_cpu_seconds = cpuSeconds(o.serverPid) - cpuBeforeConnect;

    if (o.idle) {
      await new Promise((resolve) => setTimeout(resolve, o.settle * 1000));
      report.idle = { connections: report.connections, settle_seconds: o.settle };
      if (server) {
        server.rss_kib_idle = rssKib(o.serverPid);
        server.rss_bytes_per_connection = ((server.rss_kib_idle - server.rss_kib_before) * 1024) / report.connections;
      }
      broadcast({ type: 'stop' });
      const stopped = await gather('stopped', 60);
      report.idle.unexpected = sumCounts(stopped.map((m) => m.unexpected));
      report.idle.closed_early = stopped.reduce((s, m) => s + m.closedEarly, 0);
    } else {
      const cpuBefore = server ? cpuTimes(o.serverPid) : null;
      const othersBefore = o.alsoPids.map(cpuSeconds);
      const ownBefore = ownCpuSeconds();
      broadcast({ type: 'go' });
      const done = await gather('done', o.duration + o.drain + 30);
      const histogram = new Array(BUCKETS).fill(0);
      for (const m of done) m.histogram.forEach((v, i) => { histogram[i] += v; });
      const sum = (k) => done.reduce((s, m) => s + m[k], 0);
      const sendSeconds = Math.max(...done.map((m) => m.sendSeconds));
      const delivered = sum('delivered');
      report.pairs = o.pairs;
      report.window = o.window;
      report.sent = sum('sent');
      report.delivered = delivered;
      report.delivered_in_window = sum('deliveredInWindow');
      report.lost = report.sent - delivered;
      report.out_of_order = sum('outOfOrder');
      report.wrong_fields = sum('wrongFields');
      report.unexpected = sumCounts(done.map((m) => m.unexpected));
      report.closed_early = sum('closedEarly');
      report.send_seconds = sendSeconds;
      report.drain_seconds = Math.max(...done.map((m) => m.drainSeconds));
      report.delivered_per_second = report.delivered_in_window / sendSeconds;
      report.bytes_per_message = sum('bytesSent') / Math.max(1, report.sent);
      report.latency_us = {
        p50: percentile(histogram, delivered, 0.5), p90: percentile(histogram, delivered, 0.9),
        p99: percentile(histogram, delivered, 0.99), max: Math.max(...done.map((m) => m.maxUs)),
        min: Math.min(...done.map((m) => m.minUs)),
      };
      report.load_cpu_seconds = ownCpuSeconds() - ownBefore;
      if (o.alsoPids.length) {
        report.other_cpu_seconds = Object.fromEntries(o.alsoPids.map((pid, i) => [pid, cpuSeconds(pid) - othersBefore[i]]));
      }
      if (server) {
        const cpuAfter = cpuTimes(o.serverPid);
        server.system_cpu_seconds = cpuAfter.system - cpuBefore.system;
        server.cpu_seconds = cpuAfter.user - cpuBefore.user + server.system_cpu_seconds;
        server.rss_kib_after = rssKib(o.serverPid);
        server.messages_per_cpu_second = server.cpu_seconds > 0 ? delivered / server.cpu_seconds : null;
      }
      broadcast({ type: 'stop' });
      await gather('stopped', 60);
    }
  } finally {
    // Workers close their sockets on 'stop'; terminate is the bound if they could not.
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (server) report.server = server;
  if (o.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else if (o.idle) {
    process.stdout.write(`${report.connections} idle connections in ${report.connect_seconds.toFixed(1)} s` +
      (server ? `; server RSS +${((server.rss_kib_idle - server.rss_kib_before) / 1024).toFixed(1)} MiB = ` +
        `${server.rss_bytes_per_connection.toFixed(0)} bytes per connection` : '') + '\n');
  } else {
    const l = report.latency_us;
    process.stdout.write(`${report.delivered} delivered (${report.delivered_per_second.toFixed(0)}/s), ` +
      `lost ${report.lost}, out of order ${report.out_of_order}, p50 ${l.p50?.toFixed(0)} us, ` +
      `p99 ${l.p99?.toFixed(0)} us, load CPU ${report.load_cpu_seconds.toFixed(2)} s` +
      (server ? `, server CPU ${server.cpu_seconds.toFixed(2)} s (${server.messages_per_cpu_second?.toFixed(0)} msg/CPU-s)` : '') +
      '\n');
  }
}

function sumCounts(list) {
  const total = {};
  for (const counts of list) for (const [k, v] of Object.entries(counts)) total[k] = (total[k] ?? 0) + v;
  return total;
}

// ---- worker -----------------------------------------------------------------------------------

function typeFor(seq) {
  const r = seq % 10;
  return r === 0 ? 'OFFER' : r === 5 ? 'ANSWER' : 'CANDIDATE';
}

async function workerMain() {
  const o = workerData;
  const connections = [];
  const unexpected = {};
  let closedEarly = 0;
  let stopping = false;
  let refused = 0;
  let heartbeat = null;

  const url = (base, id) => {
    if (o.protocol === 'native') return `${base}?id=${encodeURIComponent(id)}`;
    if (o.protocol === 'relay') return `${base}?name=${encodeURIComponent(id)}`;
    return `${base}/peerjs?key=${encodeURIComponent(o.key)}&id=${encodeURIComponent(id)}&token=t${id}&version=1.5.5`;
  };
  // The greeting that says a connection is in: none on /relay (the WebSocket's open is all).
  const greeting = { peerjs: 'OPEN', native: 'welcome', relay: null }[o.protocol];
  const note = (type) => { unexpected[type] = (unexpected[type] ?? 0) + 1; };

  // Opens one connection and resolves when OPEN arrives (null when refused). Handshakes run at
  // most `parallel` at a time so the listen backlog never overflows.
  const open = (id, sourceIndex, base) => new Promise((resolve) => {
    const options = { perMessageDeflate: false, handshakeTimeout: o.connectTimeout * 1000 };
    if (o.sources > 1) options.localAddress = `127.0.0.${1 + (sourceIndex % o.sources)}`;
    const ws = new WebSocket(url(base, id), options);
    const conn = { id, ws, open: false };
    // Once per connection: a refused connect fires both error and close.
    let settled = false;
    const failed = () => {
      if (conn.open || settled) return;
      settled = true;
      refused++;
      resolve(null);
    };
    ws.on('error', failed);
    ws.on('close', () => {
      if (!conn.open) return failed();
      if (!stopping) closedEarly++;
    });
    if (greeting === null) {
      ws.once('open', () => {
        conn.open = true;
        resolve(conn);
      });
      return;
    }
    ws.once('message', (data) => {
      const m = JSON.parse(data.toString());
      if (m.type !== greeting) { note(m.type); ws.close(); return failed(); }
      conn.open = true;
      resolve(conn);
    });
  });
  const openAll = async (ids) => {
    const parallel = 128;
    let next = 0;
    const opened = new Array(ids.length).fill(null);
    await Promise.all(Array.from({ length: Math.min(parallel, ids.length) }, async () => {
      while (next < ids.length) {
        const i = next++;
        // The second connection of a pair (odd index) on --peer-url.
        opened[i] = await open(ids[i], o.index * 1_000_003 + i, !o.idle && i % 2 === 1 ? o.peerUrl : o.url);
      }
    }));
    return opened;
  };

  // Pairs-mode state.
  const histogram = new Array(BUCKETS).fill(0);
  let sent = 0, delivered = 0, deliveredInWindow = 0, outOfOrder = 0, wrongFields = 0, bytesSent = 0;
  let minUs = Infinity, maxUs = 0;
  let sending = false, sendEnd = 0, sendStart = 0, sendStopped = 0;
  let drained = null;

  const frameFor = (conn, seq) => {
    const type = typeFor(seq);
    const body = type === 'CANDIDATE'
      ? `"candidate":{"candidate":"candidate:842163049 1 udp 1677729535 203.0.113.7 ${50000 + (seq % 10000)} typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Xq3b network-cost 999","sdpMid":"0","sdpMLineIndex":0},"type":"data"`
      : `"sdp":{"type":"${type === 'OFFER' ? 'offer' : 'answer'}","sdp":"${FAKE_SDP}"},"type":"data","label":"dc","reliable":true,"serialization":"binary"`;
    const payload = `${body},"connectionId":"${conn.connectionId}","browser":"bench","seq":${seq},"t":${performance.now()}`;
    if (o.protocol === 'native') return `{"type":"signal","to":"${conn.partner}","data":{"kind":"${type}",${payload}}}`;
    if (o.protocol === 'relay') return `{"kind":"${type}","to":"${conn.partner}",${payload}}`;
    return `{"type":"${type}","dst":"${conn.partner}","payload":{${payload}}}`;
  };
  const sendNext = (conn) => {
    if (!sending) return;
    if (sent >= o.maxMessages || performance.now() >= sendEnd) {
      sending = false;
      sendStopped = performance.now();
      return;
    }
    const text = frameFor(conn, conn.sendSeq++);
    bytesSent += text.length;
    sent++;
    conn.ws.send(text);
  };
  const onFrame = (conn, data) => {
    const now = performance.now();
    let m;
    try { m = JSON.parse(data.toString()); } catch { wrongFields++; return; }
    // The same checks whatever the protocol: who sent it, to whom, which negotiation, in order.
    let p, kind, from, to;
    if (o.protocol === 'native') {
      if (m.type !== 'signal') { note(m.type); return; }
      [p, kind, from, to] = [m.data ?? {}, m.data?.kind, m.from, conn.id];
    } else if (o.protocol === 'relay') {
      if (m.type === 'error') { note(m.code); return; }
      [p, kind, from, to] = [m, m.kind, m.from, m.to];
    } else {
      if (m.type !== 'OFFER' && m.type !== 'ANSWER' && m.type !== 'CANDIDATE') { note(m.type); return; }
      [p, kind, from, to] = [m.payload ?? {}, m.type, m.src, m.dst];
    }
    if (from !== conn.partner || to !== conn.id || p.connectionId !== conn.partnerConnectionId) wrongFields++;
    if (p.seq !== conn.recvSeq || kind !== typeFor(p.seq)) outOfOrder++;
    conn.recvSeq = (typeof p.seq === 'number' ? p.seq : conn.recvSeq) + 1;
    const us = (now - p.t) * 1000;
    histogram[bucketOf(us)]++;
    if (us < minUs) minUs = us;
    if (us > maxUs) maxUs = us;
    delivered++;
    if (sending) deliveredInWindow++;
    sendNext(conn);
    if (!sending && drained && delivered >= sent) drained();
  };

  const handlers = {
    async connect() {
      const count = o.idle ? o.share : 2 * o.share;
      const ids = Array.from({ length: count }, (_, i) => `b${o.run}w${o.index}c${i}`);
      const opened = await openAll(ids);
      for (const c of opened) if (c) connections.push(c);
      if (!o.idle) {
        for (let i = 0; i + 1 < opened.length; i += 2) {
          const [a, b] = [opened[i], opened[i + 1]];
          if (!a || !b) continue;
          for (const [me, other] of [[a, b], [b, a]]) {
            Object.assign(me, { partner: other.id, connectionId: `dc_${me.id}`, partnerConnectionId: `dc_${other.id}`,
              sendSeq: 0, recvSeq: 0 });
            me.ws.on('message', (data) => onFrame(me, data));
          }
        }
      } else {
        for (const c of connections) c.ws.on('message', (data) => note(JSON.parse(data.toString()).type));
      }
      // As the peerjs client: HEARTBEAT every 5 s on every connection.
      if (o.protocol === 'peerjs') heartbeat = setInterval(() => {
        for (const c of connections) if (c.ws.readyState === WebSocket.OPEN) c.ws.send('{"type":"HEARTBEAT"}');
      }, HEARTBEAT_MS);
      parentPort.postMessage({ type: 'connected', connections: connections.length, refused });
    },
    async go() {
      const paired = connections.filter((c) => c.partner);
      sendStart = performance.now();
      sendEnd = sendStart + o.duration * 1000;
      sending = true;
      for (let k = 0; k < o.window && sending; k++) for (const c of paired) sendNext(c);
      // Wait for the send window to end, then for the frames in flight (bounded by --drain).
      await new Promise((resolve) => {
        const tick = setInterval(() => {
          if (sending && performance.now() >= sendEnd) { sending = false; sendStopped = performance.now(); }
          if (!sending) { clearInterval(tick); resolve(); }
        }, 20);
      });
      if (delivered < sent) {
        await new Promise((resolve) => {
          drained = resolve;
          setTimeout(resolve, o.drain * 1000);
        });
      }
      parentPort.postMessage({
        type: 'done', sent, delivered, deliveredInWindow, outOfOrder, wrongFields, unexpected, closedEarly,
        bytesSent, histogram, minUs: delivered ? minUs : 0, maxUs,
        sendSeconds: (sendStopped - sendStart) / 1000, drainSeconds: (performance.now() - sendStopped) / 1000,
      });
    },
    async stop() {
      stopping = true;
      clearInterval(heartbeat);
      const closes = connections.map((c) => new Promise((resolve) => {
        if (c.ws.readyState === WebSocket.CLOSED) return resolve();
        c.ws.once('close', resolve);
        c.ws.close(1000);
        setTimeout(() => { c.ws.terminate(); resolve(); }, 5000);
      }));
      await Promise.all(closes);
      parentPort.postMessage({ type: 'stopped', unexpected, closedEarly });
    },
  };
  parentPort.on('message', (m) => {
    handlers[m.type]().catch((e) => { throw e; });
  });
}

if (isMainThread) {
  main().catch((e) => {
    process.stderr.write(`load.mjs: ${e.message}\n`);
    process.exit(1);
  });
} else {
  workerMain();
}
