// Identifiers from clients against the real iceway binary (issue 11, findings 2 and 12): PeerJS
// frames with huge `dst` values must neither grow memory past the offline queues' cap nor wait
// in a queue (each is answered with EXPIRE at once), ids the peerjs client itself would refuse
// are refused, and a client-supplied string cannot forge a field or a line in the text log.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import { TurnClient, SECRET, turnArgs, restCredentials, nowUnix } from './lib/turn.mjs';
import { startSignalServer, SignalClient, signalUrl } from './lib/signal.mjs';

const servers = [];
const clients = [];
after(async () => {
  await Promise.all(clients.splice(0).map((c) => c.terminate()));
  for (const server of servers) assert.equal(await stopIceway(server), 0, server.output());
});

async function serverWith(...settings) {
  const args = [...loopbackArgs({ ipv6: false }), ...turnArgs, '--log-format', 'text'];
  for (const setting of settings) args.push('--set', setting);
  const server = await startSignalServer(args);
  servers.push(server);
  return server;
}

const peerjsPath = (id, token = 'tok') =>
  `/peerjs/peerjs?key=peerjs&id=${encodeURIComponent(id)}&token=${encodeURIComponent(token)}&version=1.5.5`;

async function peerjs(server, id, token) {
  const client = await SignalClient.open(signalUrl(server, peerjsPath(id, token)));
  clients.push(client);
  return client;
}

const rssKiB = (server) => Number(readFileSync(`/proc/${server.child.pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m)[1]);

describe('PeerJS dst values', () => {
  test('20 senders of 60 KiB dst values are answered with EXPIRE at once and memory stays bounded', { timeout: 120000 }, async (t) => {
    // expire_timeout is long, so a frame that went into a queue would not be answered within
    // this test; the cap is the default 16 MiB.
    const server = await serverWith('signal.peerjs.expire_timeout="120s"');
    const senders = await Promise.all(Array.from({ length: 20 }, (_, i) => peerjs(server, `sender${i}`)));
    for (const sender of senders) assert.equal((await sender.next()).type, 'OPEN');
    const before = rssKiB(server);

    // Within the default burst (100) of every connection's rate limit: nothing here is
    // refused for rate, each frame is 60 KiB of dst plus a small payload (under max_frame_bytes).
    const perSender = 60;
    const dst = (sender, n) => `${'d'.repeat(60 * 1024)}${sender}x${n}`;
    senders.forEach((sender, s) => {
      for (let n = 0; n < perSender; n += 1) {
        sender.send({ type: 'OFFER', dst: dst(s, n), payload: { type: 'data', connectionId: `dc_${n}`, sdp: { type: 'offer', sdp: 'v=0' } } });
      }
    });
    // Every frame must be answered with EXPIRE at once; wait for that (bounded), then measure.
    const answered = await Promise.allSettled(senders.flatMap((sender, s) => Array.from({ length: perSender }, (_, n) =>
      sender.next((m) => m.type === 'EXPIRE' && m.src === dst(s, n) && m.dst === `sender${s}`, 20000))));
    const grownMiB = (rssKiB(server) - before) / 1024;
    t.diagnostic(`RSS grew by ${grownMiB.toFixed(1)} MiB`);
    // 72 MB of dst values went in. Queued, their keys alone would be most of that on top of
    // the 16 MiB of frames the cap admits; refused, what remains is allocator slack.
    assert.ok(grownMiB < 32, `RSS grew by ${grownMiB.toFixed(1)} MiB`);
    const waiting = answered.filter((a) => a.status === 'rejected').length;
    assert.equal(waiting, 0, `${waiting} of ${answered.length} frames got no EXPIRE: they wait in a queue`);
  });
});

describe('PeerJS ids', () => {
  let server;
  before(async () => { server = await serverWith(); });

  // The peerjs client refuses these ids itself (util.validateId); the server refuses them too,
  // with the reference server's ERROR frame for bad parameters, and closes.
  for (const [name, id] of [['newline', 'alice\ninfo signaling connect peer=admin'], ['two spaces', 'alice  smith'],
    ['leading space', ' alice'], ['equals sign', 'peer=admin'], ['129 characters', 'a'.repeat(129)]]) {
    test(`an id with ${name} is refused with ERROR and a close`, async () => {
      const client = await peerjs(server, id);
      assert.deepEqual(await client.next(), { type: 'ERROR', payload: { msg: 'No id, token, or key supplied to websocket server' } });
      await client.closed;
    });
  }

  test('an id the peerjs client accepts, spaces included, opens', async () => {
    const client = await peerjs(server, 'alice smith_2-b');
    assert.deepEqual(await client.next(), { type: 'OPEN' });
  });
});

describe('log lines', () => {
  let server;
  before(async () => { server = await serverWith(); });

  test('a PeerJS id with a space is one quoted field in the connect line', async () => {
    const since = server.output().length;
    const client = await peerjs(server, 'forged remote');
    assert.deepEqual(await client.next(), { type: 'OPEN' });
    const [line] = await waitForOutput(server, /^.*signaling connect protocol=peerjs.*$/m, 5000, since);
    assert.match(line, /^\S+ signaling connect protocol=peerjs connection=\d+ peer="forged remote" remote=127\.0\.0\.1$/);
  });

  test('a TURN user name with a newline cannot write a line of its own', async () => {
    // An app backend mints REST credentials for whatever user name its client chose.
    const user = 'mallory\ninfo allocation created: user=admin client=udp 10.0.0.1:1 relayed=10.0.0.1:2 lifetime=600s';
    const udp = server.udp.find((e) => e.family === 4);
    const turn = await TurnClient.connect({ host: '127.0.0.1', port: udp.port });
    try {
      const since = server.output().length;
      const answer = await turn.allocate(restCredentials(SECRET, user, nowUnix() + 600));
      assert.equal(answer.success, true, `error ${answer.code}`);
      const [line] = await waitForOutput(server, /^.*allocation created: user=.*$/m, 5000, since);
      assert.ok(line.includes('user="mallory\\ninfo allocation created: user=admin client=udp'), line);
      assert.doesNotMatch(server.output().slice(since), /^info allocation created: user=admin/m);
    } finally {
      turn.close();
    }
  });
});
