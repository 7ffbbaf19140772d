// Helpers for the Socket.IO front door's tests: the unmodified socket.io-client, and raw
// Engine.IO requests with fetch for what a well-behaved client never sends.
import { io } from 'socket.io-client';

export { io };

export const httpBase = (server) => `http${server.signal.secure ? 's' : ''}://${server.signal.host}:${server.signal.port}`;

// Resolves with the connected socket; rejects with the connect_error (or after `timeoutMs`).
export function connect(url, options = {}, timeoutMs = 10000) {
  const socket = io(url, { reconnection: false, forceNew: true, ...options });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { socket.close(); reject(new Error(`no connect in ${timeoutMs} ms`)); }, timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); resolve(socket); });
    socket.once('connect_error', (error) => { clearTimeout(timer); socket.close(); reject(error); });
  });
}

// The next `event` on `socket`, with its arguments; rejects after `timeoutMs`.
export function nextEvent(socket, event, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} in ${timeoutMs} ms`)), timeoutMs);
    socket.once(event, (...args) => { clearTimeout(timer); resolve(args); });
  });
}

// Raw Engine.IO over HTTP long-polling.
export async function rawHandshake(base, path = '/socket.io/') {
  const response = await fetch(`${base}${path}?EIO=4&transport=polling`);
  const text = await response.text();
  if (response.status !== 200 || text[0] !== '0') throw new Error(`handshake answered ${response.status} ${text}`);
  return JSON.parse(text.slice(1));
}

export async function rawPoll(base, sid, path = '/socket.io/', signal) {
  const response = await fetch(`${base}${path}?EIO=4&transport=polling&sid=${sid}`, { signal });
  return { status: response.status, body: await response.text() };
}

export async function rawPost(base, sid, body, path = '/socket.io/') {
  const response = await fetch(`${base}${path}?EIO=4&transport=polling&sid=${sid}`, {
    method: 'POST', body, headers: { 'content-type': 'text/plain;charset=UTF-8' },
  });
  return { status: response.status, body: await response.text() };
}

export async function until(condition, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
