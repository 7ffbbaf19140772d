// TURN for the integration tests: a small hand-written client (RFC 8656 with the long-term
// credential mechanism of RFC 8489), helpers for REST-API credentials, and runners for coturn's
// turnutils_peer and turnutils_uclient. Like stun.mjs it shares no code with iceway, so a bug
// in the server's codec cannot hide in both.
import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { spawn } from 'node:child_process';
import { message, parse, errorCode, xorAddress, MAGIC } from './stun.mjs';
import { run } from './iceway.mjs';

export const Attr = {
  CHANNEL_NUMBER: 0x000c, LIFETIME: 0x000d, XOR_PEER_ADDRESS: 0x0012, DATA: 0x0013, XOR_RELAYED_ADDRESS: 0x0016,
  REQUESTED_ADDRESS_FAMILY: 0x0017, REQUESTED_TRANSPORT: 0x0019, USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009, REALM: 0x0014, NONCE: 0x0015, XOR_MAPPED_ADDRESS: 0x0020, FINGERPRINT: 0x8028,
};
export const Method = { allocate: 0x003, refresh: 0x004, send: 0x006, data: 0x007, createPermission: 0x008, channelBind: 0x009 };
// All TURN methods are below 16, so the class bits are a plain OR (RFC 8489 §5).
const kIndication = 0x0010;
const kSuccess = 0x0100;
const kError = 0x0110;

// --- server flags ----------------------------------------------------------------------------

export const SECRET = 'turn-integration-secret';

// Flags for a TURN test server on top of loopbackArgs(): the secret, quotas that fit many
// uclient allocations from one address (uclient leaves one of its two allocations per client
// to expire), and no drain, so stopIceway ends it at once.
export const turnArgs = [
  '--set', `auth.secrets=["${SECRET}"]`,
  '--set', 'turn.max_allocations_per_user=200', '--set', 'turn.max_allocations_per_ip=2000',
  '--set', 'server.drain_timeout=0s',
];

// --- credentials ---------------------------------------------------------------------------

// The TURN REST API scheme (SPEC §5): username "<expiry>:<user>", password base64(HMAC-SHA1).
export function restCredentials(secret, user, expiryUnix) {
  const username = `${expiryUnix}:${user}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64') };
}

export const nowUnix = () => Math.floor(Date.now() / 1000);

// RFC 8489 §9.2.2: key = MD5(username ":" realm ":" password).
export const longTermKey = (username, realm, password) => createHash('md5').update(`${username}:${realm}:${password}`).digest();

// --- attribute encoding ----------------------------------------------------------------------

// An IPv4 or IPv6 address (any textual form, including "::ffff:1.2.3.4") as 4 or 16 bytes.
export function addressBytes(address) {
  if (net.isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!net.isIPv6(address)) throw new Error(`not an IP address: ${address}`);
  const groupsOf = (text) => (text ? text.split(':') : []).flatMap((group) => {
    if (!group.includes('.')) return [parseInt(group, 16)];
    const b = group.split('.').map(Number);
    return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
  });
  let groups;
  if (address.includes('::')) {
    const [head, tail] = address.split('::');
    const h = groupsOf(head);
    const t = groupsOf(tail);
    groups = [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  } else {
    groups = groupsOf(address);
  }
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(g, 2 * i));
  return bytes;
}

// XOR-PEER-ADDRESS and friends (RFC 8489 §14.2).
export function xorAddressValue({ address, port }, transactionId) {
  const raw = addressBytes(address);
  const value = Buffer.alloc(4 + raw.length);
  value[1] = raw.length === 4 ? 1 : 2;
  value.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const key = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), transactionId]);
  raw.forEach((b, i) => { value[4 + i] = b ^ key[i]; });
  return value;
}

export const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
export const requestedTransportUdp = () => [Attr.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])];
export const requestedFamily = (family) => [Attr.REQUESTED_ADDRESS_FAMILY, Buffer.from([family === 6 ? 2 : 1, 0, 0, 0])];
export const lifetimeAttr = (seconds) => [Attr.LIFETIME, u32(seconds)];
export const channelAttr = (channel) => [Attr.CHANNEL_NUMBER, Buffer.from([channel >> 8, channel & 255, 0, 0])];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Appends MESSAGE-INTEGRITY (RFC 8489 §14.5: HMAC-SHA1 over the message with the length
// field already covering the attribute) and then FINGERPRINT (§14.7).
export function sign(bytes, key, { fingerprint = true } = {}) {
  const head = Buffer.from(bytes);
  head.writeUInt16BE(head.length - 20 + 24, 2);
  const mi = Buffer.alloc(24);
  mi.writeUInt16BE(Attr.MESSAGE_INTEGRITY, 0);
  mi.writeUInt16BE(20, 2);
  createHmac('sha1', key).update(head).digest().copy(mi, 4);
  let out = Buffer.concat([head, mi]);
  if (fingerprint) {
    out.writeUInt16BE(out.length - 20 + 8, 2);
    const fp = Buffer.alloc(8);
    fp.writeUInt16BE(Attr.FINGERPRINT, 0);
    fp.writeUInt16BE(4, 2);
    fp.writeUInt32BE((crc32(out) ^ 0x5354554e) >>> 0, 4);
    out = Buffer.concat([out, fp]);
  }
  return out;
}

// True when the message carries a MESSAGE-INTEGRITY that verifies with `key`.
export function verifyIntegrity(bytes, key) {
  const length = bytes.readUInt16BE(2);
  for (let offset = 20; offset + 4 <= 20 + length;) {
    const type = bytes.readUInt16BE(offset);
    const size = bytes.readUInt16BE(offset + 2);
    if (type === Attr.MESSAGE_INTEGRITY) {
      const head = Buffer.from(bytes.subarray(0, offset));
      head.writeUInt16BE(offset - 20 + 24, 2);
      const expected = createHmac('sha1', key).update(head).digest();
      return size === 20 && timingSafeEqual(expected, bytes.subarray(offset + 4, offset + 24));
    }
    offset += 4 + size + ((4 - (size % 4)) % 4);
  }
  return false;
}

// --- the client ------------------------------------------------------------------------------

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// A queue whose consumers wait for the next item.
class Inbox {
  constructor() { this.items = []; this.waiters = []; }
  push(item) { const waiter = this.waiters.shift(); if (waiter) waiter(item); else this.items.push(item); }
  next(ms, what) {
    if (this.items.length) return Promise.resolve(this.items.shift());
    let resolver;
    const pending = new Promise((resolve) => { resolver = resolve; this.waiters.push(resolve); });
    return withTimeout(pending, ms, what).catch((error) => {
      this.waiters = this.waiters.filter((w) => w !== resolver);
      throw error;
    });
  }
}

// One TURN client on one 5-tuple: UDP, TCP or TLS (certificates are not verified: the
// tests use throwaway self-signed ones). `requestMs` bounds each request's wait for its answer
// (the soak raises it: a loaded machine may take seconds to schedule a client).
export class TurnClient {
  static async connect({ host, port, transport = 'udp', localAddress, requestMs = 4000 } = {}) {
    const client = new TurnClient(transport, host, port);
    client.requestMs = requestMs;
    if (transport === 'udp') {
      const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      await new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(0, localAddress ?? (net.isIPv6(host) ? '::1' : '127.0.0.1'), resolve);
      });
      socket.on('message', (m) => client.receive(m));
      client.socket = socket;
      client.local = socket.address();
      client.write = (bytes) => socket.send(bytes, port, host);
    } else {
      const socket = transport === 'tls'
        ? tls.connect({ host, port, rejectUnauthorized: false })
        : net.connect({ host, port, localAddress });
      await new Promise((resolve, reject) => {
        socket.once('error', reject);
        socket.once(transport === 'tls' ? 'secureConnect' : 'connect', resolve);
      });
      let buffer = Buffer.alloc(0);
      socket.on('data', (chunk) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (;;) {
          if (buffer.length < 4) break;
          // ChannelData is padded to 4 bytes on streams (RFC 8656 §12.5); STUN always is.
          const channel = buffer[0] >= 0x40 && buffer[0] <= 0x7f;
          const size = channel ? 4 + buffer.readUInt16BE(2) : 20 + buffer.readUInt16BE(2);
          const padded = channel ? size + ((4 - (size % 4)) % 4) : size;
          if (buffer.length < padded) break;
          client.receive(buffer.subarray(0, size));
          buffer = buffer.subarray(padded);
        }
      });
      socket.on('error', () => {});
      socket.on('close', () => { client.closed = true; });
      client.socket = socket;
      client.local = { address: socket.localAddress, port: socket.localPort };
      client.write = (bytes) => {
        const pad = (4 - (bytes.length % 4)) % 4;
        socket.write(pad ? Buffer.concat([bytes, Buffer.alloc(pad)]) : bytes);
      };
    }
    return client;
  }

  constructor(transport, host, port) {
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.responses = new Map();  // transaction id (hex) -> Inbox of raw answers
    this.data = new Inbox();     // { peer, data } from Data indications, { channel, data } from ChannelData
    this.closed = false;
    this.requestMs = 4000;
  }

  inbox(id) {
    const key = Buffer.from(id).toString('hex');
    if (!this.responses.has(key)) this.responses.set(key, new Inbox());
    return this.responses.get(key);
  }

  receive(bytes) {
    const copy = Buffer.from(bytes);
    if (copy[0] >= 0x40 && copy[0] <= 0x7f) {
      this.data.push({ channel: copy.readUInt16BE(0), data: copy.subarray(4, 4 + copy.readUInt16BE(2)) });
      return;
    }
    if (copy.length < 20) return;
    const parsed = parse(copy);
    if (parsed.type === (Method.data | kIndication)) {
      this.data.push({ peer: xorAddress(parsed, Attr.XOR_PEER_ADDRESS), data: parsed.attributes.get(Attr.DATA) });
    } else if ((parsed.type & 0x0110) === kSuccess || (parsed.type & 0x0110) === kError) {
      this.inbox(parsed.transactionId).push(copy);
    }
  }

  sendBytes(bytes) { this.write(bytes); }

  // The next answer to `transactionId`, raw.
  nextResponse(transactionId, ms = 3000) { return this.inbox(transactionId).next(ms, `answer to ${Buffer.from(transactionId).toString('hex')}`); }

  nextData(ms = 3000) { return this.data.next(ms, 'relayed data'); }

  // Sends a request and waits for its answer; over UDP it is retransmitted like RFC 8489
  // says (same bytes), which the server must treat as one request.
  async transact(bytes, ms = this.requestMs) {
    const id = bytes.subarray(8, 20);
    const pending = this.nextResponse(id, ms);
    this.write(bytes);
    let timer;
    if (this.transport === 'udp') {
      let interval = 500;
      const again = () => { this.write(bytes); interval *= 2; timer = setTimeout(again, interval); };
      timer = setTimeout(again, interval);
    }
    try {
      const raw = await pending;
      const parsed = parse(raw);
      return { raw, parsed, code: errorCode(parsed), success: (parsed.type & 0x0110) === kSuccess };
    } finally {
      clearTimeout(timer);
    }
  }

  // A request signed with the long-term credentials learnt from the last challenge.
  signed(method, attributes = [], transactionId = randomBytes(12)) {
    const auth = [
      [Attr.USERNAME, Buffer.from(this.username)],
      [Attr.REALM, Buffer.from(this.realm)],
      [Attr.NONCE, Buffer.from(this.nonce)],
    ];
    return sign(message(method, [...attributes, ...auth], transactionId), this.key);
  }

  // Switches the credentials later requests are signed with (the realm and nonce stay).
  useCredentials({ username, password }) {
    this.username = username;
    this.password = password;
    if (this.realm) this.key = longTermKey(username, this.realm, password);
  }

  learnChallenge(parsed) {
    const realm = parsed.attributes.get(Attr.REALM);
    const nonce = parsed.attributes.get(Attr.NONCE);
    if (realm) this.realm = realm.toString();
    if (nonce) this.nonce = nonce.toString();
    if (this.realm && this.username) this.key = longTermKey(this.username, this.realm, this.password);
  }

  // A signed request; a 438 Stale Nonce is retried once with the fresh nonce (RFC 8489 §9.2.5).
  async request(method, attributes = []) {
    let answer = await this.transact(this.signed(method, attributes));
    if (answer.code === 438) {
      this.learnChallenge(answer.parsed);
      answer = await this.transact(this.signed(method, attributes));
    }
    return answer;
  }

  // Allocate per RFC 8656 §7.1: the unauthenticated request draws 401 with REALM and NONCE,
  // the second carries the credentials. Resolves with the final answer plus relayed, mapped,
  // lifetime, and whether the answer's MESSAGE-INTEGRITY verifies with our key.
  async allocate({ username, password, family, lifetime, extra = [] } = {}) {
    this.useCredentials({ username, password });
    const attributes = [requestedTransportUdp(), ...extra];
    if (family) attributes.push(requestedFamily(family));
    if (lifetime !== undefined) attributes.push(lifetimeAttr(lifetime));
    if (!this.nonce) {
      const challenge = await this.transact(message(Method.allocate, attributes));
      this.challenge = challenge;
      if (challenge.code !== 401) return challenge;
      this.learnChallenge(challenge.parsed);
    }
    const answer = await this.request(Method.allocate, attributes);
    return this.describe(answer);
  }

  describe(answer) {
    const result = { ...answer, integrity: this.key ? verifyIntegrity(answer.raw, this.key) : false };
    if (answer.success) {
      result.relayed = xorAddress(answer.parsed, Attr.XOR_RELAYED_ADDRESS);
      result.mapped = xorAddress(answer.parsed, Attr.XOR_MAPPED_ADDRESS);
      const life = answer.parsed.attributes.get(Attr.LIFETIME);
      if (life) result.lifetime = life.readUInt32BE(0);
    }
    return result;
  }

  async refresh(lifetime) {
    const attributes = lifetime === undefined ? [] : [lifetimeAttr(lifetime)];
    return this.describe(await this.request(Method.refresh, attributes));
  }

  // Several XOR-PEER-ADDRESS in one request (RFC 8656 §9); each peer is { address, port }.
  createPermission(...peers) {
    const id = randomBytes(12);
    const attributes = peers.map((peer) => [Attr.XOR_PEER_ADDRESS, xorAddressValue({ port: 0, ...peer }, id)]);
    return this.transact(this.signed(Method.createPermission, attributes, id)).then(async (answer) => {
      if (answer.code !== 438) return answer;
      this.learnChallenge(answer.parsed);
      return this.createPermission(...peers);
    });
  }

  // A 438 Stale Nonce is retried once with the fresh nonce, as request() does (a long-lived
  // allocation, like the soak's keeper, outlives several nonces).
  channelBind(channel, peer, retries = 1) {
    const id = randomBytes(12);
    return this.transact(this.signed(Method.channelBind, [channelAttr(channel), [Attr.XOR_PEER_ADDRESS, xorAddressValue(peer, id)]], id))
      .then((answer) => {
        if (answer.code !== 438 || retries === 0) return answer;
        this.learnChallenge(answer.parsed);
        return this.channelBind(channel, peer, retries - 1);
      });
  }

  // Send indication (unauthenticated, RFC 8656 §11.1).
  sendIndication(peer, data) {
    const id = randomBytes(12);
    this.write(message(Method.send | kIndication, [[Attr.XOR_PEER_ADDRESS, xorAddressValue(peer, id)], [Attr.DATA, Buffer.from(data)]], id));
  }

  channelData(channel, data) {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(channel, 0);
    header.writeUInt16BE(data.length, 2);
    this.write(Buffer.concat([header, Buffer.from(data)]));
  }

  close() {
    if (this.transport === 'udp') this.socket.close();
    else this.socket.destroy();
  }
}

// --- coturn's tools --------------------------------------------------------------------------

// A UDP port that was free on every given address a moment ago (bind 0, close, reuse): each
// test picks its own so tests in parallel never share an echo peer.
export async function freeUdpPort(addresses = ['127.0.0.1', '::1']) {
  for (let attempt = 0; attempt < 20; ++attempt) {
    const sockets = [];
    try {
      let port = 0;
      for (const address of addresses) {
        const socket = dgram.createSocket(net.isIPv6(address) ? { type: 'udp6', ipv6Only: true } : 'udp4');
        sockets.push(socket);
        await new Promise((resolve, reject) => { socket.once('error', reject); socket.bind(port, address, resolve); });
        port = socket.address().port;
      }
      return port;
    } catch {
      // Taken on the second address: try another.
    } finally {
      for (const socket of sockets) socket.close();
    }
  }
  throw new Error('no free UDP port');
}

// Resolves when `address:port` echoes a datagram back (turnutils_peer prints nothing useful).
async function waitForEcho(address, port, ms) {
  const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
  await new Promise((resolve) => socket.bind(0, address, resolve));
  try {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const echoed = new Promise((resolve) => socket.once('message', () => resolve(true)));
      socket.send(Buffer.from('ping'), port, address);
      if (await Promise.race([echoed, new Promise((resolve) => setTimeout(() => resolve(false), 100))])) return;
    }
    throw new Error(`turnutils_peer on ${address}:${port} does not echo`);
  } finally {
    socket.close();
  }
}

// Starts coturn's UDP echo peer on the given addresses and a fresh port; stop() ends it.
// Datagrams the kernel dropped on arrival at the UDP sockets bound to `port` (any address),
// because their receive buffers were full: the "drops" column of /proc/net/udp and udp6, per
// socket, so a test can tell a loss at a tool's socket from a loss inside iceway.
export function udpSocketDrops(port) {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let drops = 0;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length >= 13 && fields[1].endsWith(`:${hexPort}`)) drops += Number(fields[12]);
    }
  }
  return drops;
}

export async function startPeer(addresses = ['127.0.0.1']) {
  const port = await freeUdpPort(addresses);
  const child = spawn('turnutils_peer', ['-p', String(port), ...addresses.flatMap((a) => ['-L', a])], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    for (const address of addresses) await waitForEcho(address, port, 5000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

// Runs turnutils_uclient (with -c unless rtcp: no RTCP allocations, which ask for EVEN-PORT)
// and parses its summary. Options: host, port, transport ('udp'|'tcp'|'tls'|'dtls'), send (Send
// indications instead of channels), ipv6Relay (-x), clients (-m), messages (-n), length (-l),
// user with secret (-W, REST API) or password (-w, plain long-term), peer { address, port },
// rtcp (drop -c), dual (-Z: ADDITIONAL-ADDRESS-FAMILY, an IPv4 and an IPv6 relay in one
// allocation), extra (more flags, e.g. ['-g'] for DONT-FRAGMENT).
export async function uclient({
  host, port, transport = 'udp', send = false, ipv6Relay = false, clients = 1, messages = 50, length = 170,
  user, secret, password, peer, interval, rtcp = false, dual = false, extra = [], timeoutMs = 60000,
}) {
  const args = [...(rtcp ? [] : ['-c']), ...extra, '-n', String(messages), '-m', String(clients), '-l', String(length),
    '-e', peer.address, '-r', String(peer.port), '-u', user, '-p', String(port)];
  if (transport === 'tcp' || transport === 'tls') args.push('-t');
  if (transport === 'tls' || transport === 'dtls') args.push('-S');  // -S without -t: DTLS over UDP
  if (send) args.push('-s');
  if (ipv6Relay) args.push('-x');
  if (dual) args.push('-Z');
  if (secret !== undefined) args.push('-W', secret);
  if (password !== undefined) args.push('-w', password);
  if (interval !== undefined) args.push('-z', String(interval));
  args.push(host);
  const result = await run('turnutils_uclient', args, { timeoutMs });
  const output = result.stdout + result.stderr;
  const totals = [...output.matchAll(/start_mclient: tot_send_msgs=(\d+), tot_recv_msgs=(\d+)/g)].pop();
  const lost = output.match(/Total lost packets (\d+) .*total send dropped (\d+)/);
  return {
    ...result,
    output,
    command: `turnutils_uclient ${args.join(' ')}`,
    sent: totals ? Number(totals[1]) : undefined,
    received: totals ? Number(totals[2]) : undefined,
    lost: lost ? Number(lost[1]) : undefined,
    sendDropped: lost ? Number(lost[2]) : undefined,
    errors: [...output.matchAll(/error (\d{3})/gi)].map((m) => Number(m[1])),
  };
}
