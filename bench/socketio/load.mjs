#!/usr/bin/env node
// Socket.IO signaling load: the unmodified socket.io-client (v4) against iceway's /socket.io/ and
// the `socket.io` npm server (bench/socketio/server.mjs), for bench/socketio-vs-npm.sh.
//
// Pairs mode: --pairs N pairs of sockets, each pair in its own room. Once all have joined, each
// side emits --window `signal` events {room, seq, t, sdp} to the room (so to its partner); every
// event received is answered with one new event, so each pair keeps 2 x window in flight. The
// receiver checks the sequence (in order, nothing skipped) and records the latency. Sending stops
// after --duration seconds; the events in flight then get --drain seconds. With --server-pid the
// report has the server's CPU time over the message phase (utime + stime, /proc/PID/stat), and
// both per delivered event.
//
// Idle mode (--idle N): N connected sockets doing nothing but Engine.IO's pings; with
// --server-pid the server's VmRSS before and --settle seconds after, per connection.
//
// --transport websocket | polling. One JSON object on stdout.
//   node bench/socketio/load.mjs --url http://127.0.0.1:8080 --transport websocket [--pairs 20]
//        [--window 1] [--duration 10] [--drain 5] [--server-pid PID] [--idle N --settle 3]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../../tests/integration/package.json', import.meta.url));
const { io } = require('socket.io-client');

const o = { url: '', transport: 'websocket', pairs: 20, window: 1, duration: 10, drain: 5, serverPid: 0, idle: 0, settle: 3 };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = process.argv[++i];
  if (a === '--url') o.url = v;
  else if (a === '--transport') o.transport = v;
  else if (['--pairs', '--window', '--duration', '--drain', '--server-pid', '--idle', '--settle'].includes(a)) {
    o[a.slice(2).replace(/-(\w)/g, (_, c) => c.toUpperCase())] = Number(v);
  } else throw new Error(`unknown argument ${a}`);
}
if (!/^https?:\/\//.test(o.url)) throw new Error('--url http://HOST:PORT is required');
if (!['websocket', 'polling'].includes(o.transport)) throw new Error('--transport websocket|polling');
// Bounded: in time and in sockets.
if (!(o.duration > 0 && o.duration <= 60 && o.drain > 0 && o.drain <= 60)) throw new Error('--duration/--drain: 0..60');
if (!(o.pairs >= 1 && o.pairs <= 2000 && o.window >= 1 && o.window <= 100 && o.idle <= 20000)) throw new Error('bounds');

// [user, kernel] CPU seconds of the whole process (utime, stime).
const cpuTimes = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
};
const rssKib = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function connect() {
  return new Promise((resolve, reject) => {
    const socket = io(o.url, { transports: [o.transport], reconnection: false, forceNew: true, timeout: 30000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => { socket.close(); reject(error); });
  });
}
async function connectAll(count) {
  const sockets = [];
  for (let i = 0; i < count; i += 100) {
    sockets.push(...await Promise.all(Array.from({ length: Math.min(100, count - i) }, connect)));
  }
  return sockets;
}

const SDP = 'v=0\r\n'.padEnd(600, 'a');
const report = { transport: o.transport };
if (o.idle) {
  const before = o.serverPid ? rssKib(o.serverPid) : 0;
  const sockets = await connectAll(o.idle);
  await sleep(o.settle * 1000);
  if (o.serverPid) report.rss_bytes_per_connection = ((rssKib(o.serverPid) - before) * 1024) / sockets.length;
  report.connections = sockets.length;
  for (const s of sockets) s.close();
} else {
  const sockets = await connectAll(2 * o.pairs);
  const latencies = [];
  let sent = 0, delivered = 0, outOfOrder = 0, sending = false;
  const pairs = [];
  for (let p = 0; p < o.pairs; p++) {
    const room = `bench-${p}`;
    const [a, b] = [sockets[2 * p], sockets[2 * p + 1]];
    await Promise.all([a, b].map((s) => s.timeout(10000).emitWithAck('join', room)));
    for (const s of [a, b]) {
      const state = { socket: s, room, sendSeq: 0, recvSeq: 0 };
      s.on('signal', (m) => {
        delivered++;
        latencies.push(performance.now() - m.t);
        if (m.seq !== state.recvSeq) outOfOrder++;
        state.recvSeq = m.seq + 1;
        if (sending) send(state);
      });
      pairs.push(state);
    }
  }
  const send = (state) => {
    sent++;
    state.socket.emit('signal', { room: state.room, seq: state.sendSeq++, t: performance.now(), sdp: SDP });
  };
  const cpuBefore = o.serverPid ? cpuTimes(o.serverPid) : [0, 0];
  const start = performance.now();
  sending = true;
  for (let k = 0; k < o.window; k++) for (const state of pairs) send(state);
  await sleep(o.duration * 1000);
  sending = false;
  const sendSeconds = (performance.now() - start) / 1000;
  const deliveredInWindow = delivered;
  const drainEnd = performance.now() + o.drain * 1000;
  while (delivered < sent && performance.now() < drainEnd) await sleep(20);
  if (o.serverPid) {
    const [user, kernel] = cpuTimes(o.serverPid);
    report.server_user_seconds = user - cpuBefore[0];
    report.server_kernel_seconds = kernel - cpuBefore[1];
    report.server_cpu_seconds = report.server_user_seconds + report.server_kernel_seconds;
  }
  latencies.sort((x, y) => x - y);
  const pct = (q) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] * 1000 : 0);
  Object.assign(report, {
    pairs: o.pairs, window: o.window, sent, delivered, lost: sent - delivered, out_of_order: outOfOrder,
    delivered_per_second: deliveredInWindow / sendSeconds, p50_us: pct(0.5), p99_us: pct(0.99),
    messages_per_cpu_second: report.server_cpu_seconds ? delivered / report.server_cpu_seconds : null,
    // Where a relayed event's CPU goes: the kernel's share is mostly the send and receive system
    // calls (on loopback the sender's send also runs the receiver's TCP input), which any server
    // pays once per frame; it bounds how far user-space work can take the ratio.
    server_kernel_us_per_message: o.serverPid && delivered ? (report.server_kernel_seconds * 1e6) / delivered : null,
    server_user_us_per_message: o.serverPid && delivered ? (report.server_user_seconds * 1e6) / delivered : null,
  });
  for (const s of sockets) s.close();
}
console.log(JSON.stringify(report));
process.exit(0);
