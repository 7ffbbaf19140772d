// Signaling helpers for integration tests: a `ws` client that queues what it receives so a test
// can wait for a message (never sleep for one), the admin /metrics as numbers, and HS256 JWTs
// minted with node:crypto the way an app backend would.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import { startIceway } from './iceway.mjs';

export { WebSocket };

// The signaling tests' server: startIceway() itself (iceway reserves the UDP+TCP port pair
// for a port-0 listen, so no start needs trying again).
export const startSignalServer = (args, options) => startIceway(args, options);

// ws://host:port{path} of a server started with startIceway().
export const signalUrl = (server, path = '/ws') => `ws://${server.signal.host}:${server.signal.port}${path}`;

// One WebSocket client. Text frames are parsed as JSON (raw text kept when they are not) and
// queued; next() takes the first queued one that matches, or waits for it. `closed` resolves
// with {code, reason} when the socket closes, whoever closed it.
export class SignalClient {
  static async open(url, options = {}) {
    const client = new SignalClient(new WebSocket(url, options));
    await client.opened;
    return client;
  }

  constructor(ws) {
    this.ws = ws;
    this.queue = [];
    this.waiters = [];
    this.received = 0;
    this.opened = new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on('error', () => {});  // reported through `closed`
    ws.on('message', (data, isBinary) => {
      this.received += 1;
      const text = isBinary ? data : data.toString();
      let message;
      try { message = JSON.parse(text); } catch { message = { raw: text }; }
      const waiter = this.waiters.find((w) => w.match(message));
      if (waiter) {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        clearTimeout(waiter.timer);
        waiter.resolve(message);
      } else {
        this.queue.push(message);
      }
    });
  }

  send(message) { this.ws.send(typeof message === 'string' ? message : JSON.stringify(message)); }

  // The first message (queued or still to come) for which `match` is true; `match` may be a
  // type string. Rejects after `timeoutMs` with what did arrive.
  next(match = () => true, timeoutMs = 10000) {
    const test = typeof match === 'string' ? (m) => m.type === match : match;
    const index = this.queue.findIndex(test);
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0]);
    return new Promise((resolve, reject) => {
      const waiter = { match: test, resolve };
      waiter.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching message in ${timeoutMs} ms; queued: ${JSON.stringify(this.queue).slice(0, 2000)}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  // Sends and waits for the answer that echoes `ref`.
  async request(message, timeoutMs = 10000) {
    const ref = message.ref ?? `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...message, ref });
    const key = JSON.stringify(ref);
    return this.next((m) => 'ref' in m && JSON.stringify(m.ref) === key, timeoutMs);
  }

  // True when nothing matching has been queued (used after a later message proved ordering).
  has(match) {
    const test = typeof match === 'string' ? (m) => m.type === match : match;
    return this.queue.some(test);
  }

  close(code = 1000) {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code);
    return this.closed;
  }

  terminate() { this.ws.terminate(); return this.closed; }
}

// Opens a native connection and waits for its welcome: { client, welcome }.
export async function connectNative(server, query = '', options = {}) {
  const client = await SignalClient.open(signalUrl(server, `/ws${query}`), options);
  const welcome = await client.next((m) => m.type === 'welcome' || m.type === 'error');
  return { client, welcome };
}

// The admin listener's /metrics as a Map from 'name{labels}' (labels as printed) to a number.
export async function scrape(server) {
  const response = await fetch(`http://${server.admin.host}:${server.admin.port}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const values = new Map();
  for (const line of (await response.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

export const errorMetric = (code) => `iceway_signal_errors_total{code="${code}"}`;
export const messageMetric = (protocol, type) => `iceway_signal_messages_total{protocol="${protocol}",type="${type}"}`;
export const connectionsMetric = (protocol) => `iceway_signal_connections_active{protocol="${protocol}"}`;

// Polls /metrics until `name` satisfies `predicate` (counters move a little after the frame that
// moved them is sent); resolves with the value, rejects with the last value after `timeoutMs`.
export async function waitForMetric(server, name, predicate, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let value;
  for (;;) {
    value = (await scrape(server)).get(name);
    if (value !== undefined && predicate(value)) return value;
    if (Date.now() > deadline) throw new Error(`${name} is ${value} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// An HS256 JWT as an app backend signs it: header.payload.signature, base64url.
export function mintToken(secret, claims, { alg = 'HS256' } = {}) {
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg, typ: 'JWT' })}.${encode(claims)}`;
  const signature = alg === 'none' ? '' : createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${signature}`;
}
