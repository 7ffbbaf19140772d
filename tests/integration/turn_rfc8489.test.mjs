// RFC 8489's security features against the real iceway binary, over UDP, TCP and TLS, with a
// client built on iceway's own STUN codec (rfc8489/rfc8489_client.cpp): the 401 carries the
// nonce cookie and PASSWORD-ALGORITHMS; Allocate and Refresh with USERHASH for a static user,
// PASSWORD-ALGORITHM SHA-256 and MESSAGE-INTEGRITY-SHA256 succeed and are answered with
// MESSAGE-INTEGRITY-SHA256; a request that drops PASSWORD-ALGORITHMS (bid-down) is 400.
// coturn's uclient (SHA-1 and MD5, as every browser) still relays on the same server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs, run, makeCertificate } from './lib/iceway.mjs';
import { startPeer, uclient, turnArgs } from './lib/turn.mjs';

const CLIENT = process.env.RFC8489_CLIENT || new URL('../../build/tests/integration/rfc8489_client', import.meta.url).pathname;
const USER = 'rfc8489-user';
const PASSWORD = 'static-password-8489';

let server;
let peer;
const endpoint = (kind) => server[kind].find((e) => e.family === 4);

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'iceway-rfc8489-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await makeCertificate(cert, key);
  server = await startIceway([...loopbackArgs(), ...turnArgs, '--allow-loopback-peers',
    '--set', `auth.users=[{ name = "${USER}", password = "${PASSWORD}" }]`,
    '--set', `tls.cert=${cert}`, '--set', `tls.key=${key}`, '--tls-listen', '127.0.0.1:0']);
  peer = await startPeer(['127.0.0.1']);
});

after(async () => {
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
});

for (const transport of ['udp', 'tcp', 'tls']) {
  test(`over ${transport}: SHA-256 + USERHASH Allocate and Refresh are signed with MESSAGE-INTEGRITY-SHA256; a bid-down is 400`,
    { timeout: 60000 }, async () => {
      const { port } = endpoint(transport);
      const result = await run(CLIENT, [transport, '127.0.0.1', String(port), USER, PASSWORD, 'iceway'], { timeoutMs: 30000 });
      const why = `${result.stdout}\n${result.stderr}\n${server.output().slice(-2000)}`;
      assert.equal(result.code, 0, why);
      for (const step of ['challenge ok', 'allocate ok', 'refresh ok', 'bid-down ok: 400', 'delete ok', 'all ok']) {
        assert.ok(result.stdout.includes(step), `missing "${step}": ${why}`);
      }
    });
}

test('a SHA-1 client (coturn uclient, static user) is unchanged', { timeout: 60000 }, async () => {
  const result = await uclient({ host: '127.0.0.1', port: endpoint('udp').port, user: USER, password: PASSWORD,
    clients: 1, messages: 20, peer: { address: '127.0.0.1', port: peer.port } });
  const why = `${result.command}\n${result.output}`;
  assert.equal(result.code, 0, why);
  assert.equal(result.lost, 0, why);
  assert.equal(result.received, 20, why);
});
