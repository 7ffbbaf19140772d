// Refusals explained (issue 14 part 4): when iceway answers 486, 403, 437 or 441 the log says
// why, with the client's address, the (escaped) user and the reason in words, and a client
// looping on a refusal gets at most RefusalLog::kLinesPerWindow lines a minute, not one per
// request. Provoked with coturn's turnutils_uclient where it can (486, 403) and with the raw
// client of lib/turn.mjs for what uclient never does (437, 441).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, loopbackArgs, waitForOutput } from './lib/iceway.mjs';
import { TurnClient, SECRET, turnArgs, restCredentials, nowUnix, uclient, startPeer } from './lib/turn.mjs';

const LINES_PER_WINDOW = 10;  // turn/refusal_log.hpp

let server;
let peer;
const udpPort = () => server.udp.find((e) => e.family === 4).port;
const connect = () => TurnClient.connect({ host: '127.0.0.1', port: udpPort() });
// Holds the user's whole quota with raw clients; resolves with them.
async function holdQuota(user) {
  const holders = [await connect(), await connect()];
  for (const holder of holders) assert.equal((await holder.allocate(user)).success, true);
  return holders;
}
const refusals = (since, code) => server.output().slice(since).split('\n').filter((line) => line.includes(`refused: `) && line.includes(` ${code} (`));

before(async () => {
  // Two allocations per user (uclient makes two); 127.0.0.2 is denied as a peer while the test
  // peer on 127.0.0.1 is allowed. One worker thread: each worker has its own RefusalLog, so
  // the per-window cut is per thread.
  server = await startIceway([...loopbackArgs({ ipv6: false, threads: 1 }), ...turnArgs, '--allow-loopback-peers',
    '--set', 'turn.max_allocations_per_user=2', '--set', 'peers.deny=["127.0.0.2/32"]']);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

test('486: uclient over the per-user quota is told why, with its address and user', async () => {
  const since = server.output().length;
  const hog = restCredentials(SECRET, 'quota-hog', nowUnix() + 600);
  const holders = await holdQuota(hog);
  const refused = await uclient({ host: '127.0.0.1', port: udpPort(), user: hog.username, password: hog.password,
    messages: 5, peer: { address: '127.0.0.1', port: peer.port } });
  assert.ok(refused.errors.includes(486), refused.output);
  const [, client] = await waitForOutput(server,
    new RegExp(`refused: allocate 486 \\(Allocation Quota Reached\\) client=udp (127\\.0\\.0\\.1:\\d+) user=${hog.username} ` +
      'reason=the user has turn\\.max_allocations_per_user allocations already'), 5000, since);
  for (const holder of holders) {
    assert.notEqual(client, `127.0.0.1:${holder.socket.address().port}`, 'the refused client is uclient, not a holder');
    holder.close();
  }
});

test('403: uclient sending to a denied peer is told which rule refused it', async () => {
  const since = server.output().length;
  const user = restCredentials(SECRET, 'denied-peer', nowUnix() + 600);
  const refused = await uclient({ host: '127.0.0.1', port: udpPort(), user: user.username, password: user.password,
    messages: 5, peer: { address: '127.0.0.2', port: peer.port } });
  assert.ok(refused.errors.includes(403), refused.output);
  await waitForOutput(server,
    new RegExp(`refused: (create_permission|channel_bind) 403 \\(Forbidden\\) client=udp 127\\.0\\.0\\.1:\\d+ user=${user.username} ` +
      'reason=the peer policy refuses the peer address \\(rule config_deny\\)'), 5000, since);
});

test('437: a second Allocate on the same 5-tuple, and a Refresh after the allocation is gone', async () => {
  const since = server.output().length;
  const client = await connect();
  const user = restCredentials(SECRET, 'twice', nowUnix() + 600);
  assert.equal((await client.allocate(user)).success, true);
  const again = await client.allocate(user);
  assert.equal(again.code, 437);
  await waitForOutput(server, new RegExp(`refused: allocate 437 \\(Allocation Mismatch\\) client=udp 127\\.0\\.0\\.1:${client.socket.address().port} ` +
    `user=${user.username} reason=this client address and port already has an allocation`), 5000, since);
  assert.equal((await client.refresh(0)).success, true);
  assert.equal((await client.refresh(600)).code, 437);
  await waitForOutput(server, /refused: refresh 437 \(Allocation Mismatch\) .* reason=no allocation on this client address and port/, 5000, since);
  client.close();
});

test('441: another user on the allocation\'s 5-tuple, the user name escaped in the line', async () => {
  const since = server.output().length;
  const client = await connect();
  assert.equal((await client.allocate(restCredentials(SECRET, 'owner', nowUnix() + 600))).success, true);
  // A user name with a line break must not start a forged log line.
  const intruder = restCredentials(SECRET, 'intruder\ninfo allocation created: user=owner', nowUnix() + 600);
  client.useCredentials(intruder);
  assert.equal((await client.refresh(600)).code, 441);
  const [line] = await waitForOutput(server,
    /refused: refresh 441 \(Wrong Credentials\) client=udp 127\.0\.0\.1:\d+ user=.* reason=the allocation on this client address and port belongs to another user/,
    5000, since);
  assert.match(line, /user="\d+:intruder\\ninfo allocation created: user=owner" reason=/, line);
  assert.doesNotMatch(server.output().slice(since), /^info allocation created: user=owner" reason=/m);
  client.close();
});

test('a client looping on a refusal gets at most the window\'s lines, not one per request', async () => {
  const since = server.output().length;
  const user = restCredentials(SECRET, 'looping', nowUnix() + 600);
  const holders = await holdQuota(user);
  const answers = [];
  for (let i = 0; i < 3 * LINES_PER_WINDOW; ++i) {
    const looping = await connect();
    answers.push((await looping.allocate(user)).code);
    looping.close();
  }
  assert.deepEqual(new Set(answers), new Set([486]));
  // The first line of the test before (486 in test 1) may share this minute's window, so the
  // count is at most the window's lines; at least one of this test's got through or not, the
  // rest are held back for the summary.
  const logged = refusals(since, 486).filter((line) => line.includes(':looping '));
  assert.ok(logged.length <= LINES_PER_WINDOW, logged.join('\n'));
  assert.ok(refusals(since, 486).length <= LINES_PER_WINDOW, server.output().slice(since));
  for (const holder of holders) holder.close();
});
