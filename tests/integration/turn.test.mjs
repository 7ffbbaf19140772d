// TURN relaying through the real iceway binary, driven by coturn's turnutils_uclient against
// coturn's turnutils_peer (an echo server): UDP, TCP, TLS and DTLS client transports, channels and
// Send indications, several concurrent allocations, IPv6 over ::1, and the credentials that
// `iceway credentials` prints. Loopback only: iceway itself must lose nothing (see relayWithoutLoss).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { startIceway, stopIceway, loopbackArgs, run, ICEWAY_BIN, makeCertificate } from './lib/iceway.mjs';
import { startPeer, uclient, nowUnix, SECRET, turnArgs, udpSocketDrops } from './lib/turn.mjs';

const MESSAGES = 50;
let server;
let certDir;

before(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'iceway-turn-tls-'));
  const cert = join(certDir, 'cert.pem');
  const key = join(certDir, 'key.pem');
  await makeCertificate(cert, key);
  server = await startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers',
    '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`, '--tls-listen', '127.0.0.1:0', '--tls-listen', '[::1]:0',
    '--set', `admin.control_socket="${join(certDir, 'control.sock')}"`,
    // Every client is 127.0.0.1 or ::1, and uclient leaves an allocation per client behind to
    // expire; over DTLS its session stays with it (UDP has no FIN to end it sooner).
    '--set', 'turn.max_stream_clients_per_ip=1000']);
});

after(async () => {
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  rmSync(certDir, { recursive: true, force: true });
});

function listener(transport, family) {
  const list = { tls: server.tls, dtls: server.dtls }[transport] ?? server.udp;
  const endpoint = list.find((e) => e.family === family);
  assert.ok(endpoint, `no ${transport} listener for IPv${family} in the banner:\n${server.output()}`);
  return endpoint.port;
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The server's own account of one user's allocations: the transport and addresses of each
// "allocation created" line, and the packets of the ended ones.
function allocationsOf(user, since = 0) {
  const output = server.output().slice(since);
  const created = [...output.matchAll(new RegExp(`allocation created: user=${escape(user)} client=(\\w+) (\\S+) relayed=(\\S+)(?: relayed_ipv6=(\\S+))?`, 'g'))]
    .map(([, transport, client, relayed, relayedIpv6]) => ({ transport, client, relayed, relayedIpv6 }));
  const ended = [...output.matchAll(new RegExp(`allocation ended: user=${escape(user)} .* packets_to_peer=(\\d+) packets_to_client=(\\d+)`, 'g'))]
    .map(([, toPeer, toClient]) => ({ toPeer: Number(toPeer), toClient: Number(toClient) }));
  return { created, ended };
}

// One uclient run, judged by what iceway did with every packet: uclient's summary, iceway's
// log (transport and address family of every allocation, and the packet counts of the ones
// uclient deleted or whose connection closed), and the kernel's count of datagrams dropped at
// the echo peer's socket (a peer of its own for each run, so the count is this run's).
//
// iceway must forward every packet uclient sent to the peer, and every echo the peer's socket
// accepted back to the client: its account explains each packet, whatever the load. On a
// machine busy enough to starve a tool, a datagram can be dropped at the tool's own socket
// (the peer's, counted; or uclient's UDP socket, gone when it exits): that is not iceway's
// loss, and it is reported. On a TCP or TLS client connection uclient must receive exactly
// what iceway sent it.
async function relayWithoutLoss(options, t) {
  // DTLS runs over UDP: like a UDP client's, uclient's own socket may drop what iceway sent.
  const streamClient = ['tcp', 'tls'].includes(options.transport ?? 'udp');
  const { result, counted, peerDrops, why } = await relayOnce(options);
  assert.equal(counted.toPeer, result.sent, `iceway forwarded ${counted.toPeer} of uclient's ${result.sent} packets:\n${why}`);
  assert.equal(counted.toClient, counted.toPeer - peerDrops,
    `iceway sent ${counted.toClient} echoes to the client, the peer's socket accepted ${counted.toPeer - peerDrops}:\n${why}`);
  if (streamClient) {
    assert.equal(result.received, counted.toClient, `uclient received ${result.received} of iceway's ${counted.toClient}:\n${why}`);
  } else {
    assert.ok(result.received <= counted.toClient, `uclient received more than iceway sent:\n${why}`);
  }
  if (peerDrops > 0 || result.received < counted.toClient) {
    t.diagnostic(`not iceway's: ${peerDrops} dropped at the peer's full socket, ${counted.toClient - result.received} ` +
      `sent by iceway to uclient's UDP socket and not counted by uclient (its socket full, or late)`);
  }
}

async function relayOnce({
  user, transport, send = false, family = 4, ipv6Relay = false, clients = 10, credentials, rtcp = false, dual = false,
}) {
  const since = server.output().length;
  const peer = await startPeer(['127.0.0.1', '::1']);
  try {
    return await relayThrough(peer, since, {
      user, transport, send, family, ipv6Relay, clients, credentials, rtcp, dual,
    });
  } finally {
    await peer.stop();
  }
}

async function relayThrough(peer, since, {
  user, transport, send, family, ipv6Relay, clients, credentials, rtcp, dual,
}) {
  const auth = credentials ? { user: credentials.username, password: credentials.credential } : { user, secret: SECRET };
  const result = await uclient({
    host: family === 6 ? '::1' : '127.0.0.1', port: credentials?.port ?? listener(transport, family), transport, send,
    ipv6Relay, clients, messages: MESSAGES, ...auth, peer: { address: ipv6Relay ? '::1' : '127.0.0.1', port: peer.port },
    rtcp, dual,
  });
  const why = `${result.command}\n${result.output}`;
  assert.equal(result.code, 0, why);
  // With -Z over UDP uclient keeps a traffic-carrying allocation (it drops one family of it
  // with a Refresh instead): end what is left with `iceway ctl`, so its packets are in the
  // account. (Over TCP and TLS the closed connections have ended them all: nothing to end.)
  if (dual) {
    const ended = await run(ICEWAY_BIN, ['ctl', '--socket', join(certDir, 'control.sock'), 'disconnect', '--user', user]);
    const said = `${ended.stdout}${ended.stderr}`;
    assert.ok(ended.code === 0 || (transport !== 'udp' && /nothing to end/.test(said)),
      `iceway ctl disconnect --user ${user} (exit ${ended.code}): ${said}`);
  }
  assert.equal(result.sent, clients * MESSAGES, why);
  assert.equal(result.sendDropped, 0, why);

  const { created } = allocationsOf(user, since);
  assert.ok(created.length >= clients, `${created.length} allocations for ${clients} clients:\n${server.output()}`);
  for (const allocation of created) {
    assert.equal(allocation.transport, transport);
    assert.equal(allocation.client.startsWith('['), family === 6, allocation.client);
    // A dual allocation's first relayed address is IPv4, its second IPv6, whichever one
    // uclient relays through (-x: the IPv6 one).
    assert.match(allocation.relayed, ipv6Relay && !dual ? /^\[::1\]:\d+$/ : /^127\.0\.0\.1:\d+$/);
    if (dual) assert.match(allocation.relayedIpv6 ?? '', /^\[::1\]:\d+$/, 'the IPv6 relay of the dual allocation');
  }
  // uclient ends one allocation per client itself (Refresh 0, or the connection closes);
  // those carried the traffic, and the server counted every packet of it.
  const deadline = Date.now() + 5000;
  let counted;
  do {
    const { ended } = allocationsOf(user, since);
    counted = ended.reduce((sum, e) => ({ toPeer: sum.toPeer + e.toPeer, toClient: sum.toClient + e.toClient }), { toPeer: 0, toClient: 0 });
    if (counted.toPeer >= result.sent && counted.toClient >= result.received) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  return { result, counted, peerDrops: udpSocketDrops(peer.port), why: `${why}\n${server.output().slice(since)}` };
}

describe('uclient relays without loss', { concurrency: 3 }, () => {
  for (const transport of ['udp', 'tcp', 'tls', 'dtls']) {
    for (const send of [false, true]) {
      const how = send ? 'Send indications' : 'channels';
      test(`${transport.toUpperCase()} client transport with ${how}, 10 concurrent clients`, { timeout: 90000 }, (t) =>
        relayWithoutLoss({ user: `${transport}-${send ? 'send' : 'channel'}`, transport, send }, t));
    }
  }

  test('IPv6 over ::1: UDP client, IPv6 relay (REQUESTED-ADDRESS-FAMILY), channels', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v6-udp-channel', transport: 'udp', family: 6, ipv6Relay: true, clients: 4 }, t));
  test('IPv6 over ::1: UDP client, IPv6 relay, Send indications', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v6-udp-send', transport: 'udp', send: true, family: 6, ipv6Relay: true, clients: 4 }, t));
  test('IPv6 over ::1: TCP client, IPv6 relay, channels', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v6-tcp-channel', transport: 'tcp', family: 6, ipv6Relay: true, clients: 4 }, t));
  test('IPv6 over ::1: TLS client, IPv6 relay, channels', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v6-tls-channel', transport: 'tls', family: 6, ipv6Relay: true, clients: 4 }, t));
  test('IPv6 over ::1: DTLS client, IPv6 relay, channels', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v6-dtls-channel', transport: 'dtls', family: 6, ipv6Relay: true, clients: 4 }, t));
  // uclient's default mode (no -c): each client's first Allocate asks for an even port with
  // the next one reserved (EVEN-PORT R=1), the second takes it with RESERVATION-TOKEN from
  // another source port. Every such pair must be N and N+1, and none refused.
  for (const transport of ['udp', 'tcp', 'tls', 'dtls']) {
    test(`${transport.toUpperCase()}: default mode, RTP/RTCP port pairs by EVEN-PORT R=1 and RESERVATION-TOKEN`,
      { timeout: 90000 }, async (t) => {
        const user = `${transport}-rtcp-pairs`;
        const since = server.output().length;
        await relayWithoutLoss({ user, transport, rtcp: true, clients: 4 }, t);
        const ports = allocationsOf(user, since).created.map((a) => Number(a.relayed.split(':').pop()));
        const log = server.output().slice(since);
        const odd = ports.filter((port) => port % 2 === 1);
        assert.ok(odd.length >= 2, `no RTCP allocations among ${ports}:\n${log}`);
        for (const port of odd) assert.ok(ports.includes(port - 1), `RTCP port ${port} without its RTP port ${port - 1}: ${ports}`);
        assert.doesNotMatch(log, new RegExp(`refused: allocate \\d+ .*user=\\S*${user}`), log);
      });
  }

  // ADDITIONAL-ADDRESS-FAMILY (RFC 8656 §7.2 step 9): uclient -Z gets an IPv4 and an IPv6
  // relay in one allocation and relays through the one of its peer's family.
  test('dual allocation (uclient -Z), relayed through its IPv4 address', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'dual-v4', transport: 'udp', dual: true, clients: 2 }, t));
  test('dual allocation (uclient -Z -x), relayed through its IPv6 address', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'dual-v6', transport: 'udp', dual: true, ipv6Relay: true, clients: 2 }, t));
  test('dual allocation over TCP, relayed through its IPv6 address', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'dual-v6-tcp', transport: 'tcp', dual: true, ipv6Relay: true, clients: 2 }, t));

  // Browsers never send REQUESTED-ADDRESS-FAMILY: the relay is then IPv4 (RFC 8656 §7.2),
  // even for a client that came over IPv6.
  test('IPv6 client without REQUESTED-ADDRESS-FAMILY gets an IPv4 relay', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v6-client-v4-relay', transport: 'udp', family: 6, clients: 2 }, t));
  test('IPv4 client asking for an IPv6 relay gets one', { timeout: 90000 }, (t) =>
    relayWithoutLoss({ user: 'v4-client-v6-relay', transport: 'udp', ipv6Relay: true, clients: 2 }, t));
});

// What an app backend or a user does: run `iceway credentials` and hand its iceServers to a
// client. Every turn:/turns: URL it prints must work as printed.
// One after the other: all runs share the user of the printed credentials.
describe('credentials printed by `iceway credentials`', { concurrency: 1 }, () => {
  let iceServers;
  before(async () => {
    const result = await run(ICEWAY_BIN, ['credentials', '--user', 'from-cli', '--ttl', '1h',
      '--set', `auth.secrets=["${SECRET}"]`, '--public-host', '127.0.0.1',
      '--listen', `127.0.0.1:${listener('udp', 4)}`,
      '--set', `tls.cert=${join(certDir, 'cert.pem')}`, '--set', `tls.key=${join(certDir, 'key.pem')}`,
      '--tls-listen', `127.0.0.1:${listener('tls', 4)}`]);
    assert.equal(result.code, 0, result.stderr);
    iceServers = JSON.parse(result.stdout).iceServers;
  });

  test('are REST-API credentials for the user, valid for the requested ttl', () => {
    const turn = iceServers.filter((s) => s.username);
    assert.equal(turn.length, 2, JSON.stringify(iceServers));  // turn: (udp, tcp) and turns:
    for (const entry of turn) {
      const [expiry, user] = entry.username.split(':');
      assert.equal(user, 'from-cli');
      assert.ok(Math.abs(Number(expiry) - (nowUnix() + 3600)) <= 60, entry.username);
      assert.equal(entry.credential, createHmac('sha1', SECRET).update(entry.username).digest('base64'));
    }
    assert.deepEqual(iceServers.find((s) => !s.username).urls, [`stun:127.0.0.1:${listener('udp', 4)}`]);
  });

  const urlCases = [['turn', 'udp'], ['turn', 'tcp'], ['turns', 'tcp']];
  for (const [scheme, transport] of urlCases) {
    test(`the ${scheme}:…?transport=${transport} URL relays without loss`, { timeout: 90000 }, async (t) => {
      const entry = iceServers.find((s) => s.urls.some((u) => u.startsWith(`${scheme}:`) && u.endsWith(`transport=${transport}`)));
      assert.ok(entry, JSON.stringify(iceServers));
      const url = entry.urls.find((u) => u.startsWith(`${scheme}:`) && u.endsWith(`transport=${transport}`));
      const [, host, port] = url.match(/^turns?:([\d.]+):(\d+)\?transport=\w+$/);
      assert.equal(host, '127.0.0.1');
      const client = scheme === 'turns' ? 'tls' : transport;
      await relayWithoutLoss({
        user: 'from-cli', transport: client, clients: 2,
        credentials: { username: entry.username, credential: entry.credential, port: Number(port) },
      }, t);
    });
  }
});
