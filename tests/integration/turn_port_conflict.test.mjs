// A second server on iceway's TURN port (issue 11.14). iceway's workers share each listener
// port with SO_REUSEPORT, which would also let another process of the same user join and
// take part of the clients. A second iceway on a port the first one holds must refuse to
// start, say why, and leave the first one serving every client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway } from './lib/iceway.mjs';
import { TurnClient, freeUdpPort, restCredentials, nowUnix, SECRET, turnArgs } from './lib/turn.mjs';

const argsFor = (port) => ['--listen', `127.0.0.1:${port}`, '--relay-ip', '127.0.0.1', '--threads', '2',
  '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', ...turnArgs];

test('a second iceway on a TURN port another iceway holds refuses to start and says what to do', { timeout: 60000 }, async () => {
  const port = await freeUdpPort(['127.0.0.1']);
  const first = await startIceway(argsFor(port));
  let second;
  try {
    try {
      second = await startIceway(argsFor(port));
    } catch (error) {
      assert.match(error.message, new RegExp(`exited with [1-9][\\s\\S]*udp 127\\.0\\.0\\.1:${port}: another process already holds this port`));
      assert.match(error.message, /turn\.listen/);
    }
    // Every client still reaches the first server: 20 fresh 5-tuples, all answered by it.
    for (let i = 0; i < 20; ++i) {
      const client = await TurnClient.connect({ host: '127.0.0.1', port });
      const answer = await client.allocate(restCredentials(SECRET, `client-${i}`, nowUnix() + 600));
      client.close();
      assert.equal(answer.success, true, `client ${i}: ${answer.code}`);
    }
    const count = () => (first.output().match(/allocation created: user=client-/g) || []).length;
    const deadline = Date.now() + 5000;  // log lines may trail the answers a little
    while (count() < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(count(), 20, 'allocations made on the first server');
    assert.equal(second, undefined, 'the second iceway started on the same port');
  } finally {
    if (second) await stopIceway(second);
    assert.equal(await stopIceway(first), 0, first.output());
  }
});
