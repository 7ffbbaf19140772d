// TURN across several nodes behind one name (issue 13 part 5): nodes that share the REST secret
// accept each other's nonces, so a client whose next request lands on another node (DNS round
// robin, a load balancer, a node restarting) is not sent back for a 438; a node with another
// secret still refuses them. Every node names the cluster's public host in the iceServers it
// hands out, from /api/v1/ice-servers and in the /ws welcome.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { TurnClient, Method, restCredentials, nowUnix, requestedTransportUdp, SECRET, turnArgs } from './lib/turn.mjs';
import { connectNative } from './lib/signal.mjs';

const PUBLIC_HOST = 'turn.cluster.test';
const API_KEY = 'cluster-backend-key-0123';
const nodeArgs = (secret) => [...loopbackArgs({ ipv6: false, threads: 2 }), ...turnArgs,
  '--set', `auth.secrets=["${secret}"]`, '--set', `auth.api_keys=["${API_KEY}"]`,
  '--set', 'signal.anonymous_credentials=true', '--public-host', PUBLIC_HOST];

let a;
let b;
let stranger;
const clients = [];

before(async () => {
  [a, b, stranger] = await Promise.all([
    startIceway(nodeArgs(SECRET)), startIceway(nodeArgs(SECRET)), startIceway(nodeArgs('not-the-cluster-secret')),
  ]);
  // The banner names the public host, which only the clients in the field resolve.
  for (const server of [a, b, stranger]) server.signal.host = '127.0.0.1';
});

after(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of [a, b, stranger]) if (server) assert.equal(await stopIceway(server), 0, server.output());
});

const udpPort = (server) => server.udp.find((e) => e.family === 4).port;

// A client that allocated on node A, then points its socket at `server`: the same client
// transport address, so only the node differs.
async function clientFromNodeA() {
  const client = await TurnClient.connect({ host: '127.0.0.1', port: udpPort(a) });
  clients.push(client);
  const first = await client.allocate(restCredentials(SECRET, 'roamer', nowUnix() + 600));
  assert.ok(first.success, `allocate on node A: ${first.code}`);
  return client;
}
function moveTo(client, server) {
  client.write = (bytes) => client.socket.send(bytes, udpPort(server), '127.0.0.1');
}

test('a nonce from one node is accepted by another node with the same secret', async () => {
  const client = await clientFromNodeA();
  const nonceFromA = client.nonce;
  moveTo(client, b);
  // No 438 retry: the very first request to B carries A's nonce.
  const answer = await client.transact(client.signed(Method.allocate, [requestedTransportUdp()]));
  assert.equal(answer.code, undefined, `node B answered ${answer.code} to node A's nonce`);
  assert.ok(answer.success);
  assert.equal(client.nonce, nonceFromA);
});

test('a node with another secret refuses that nonce with 438 and its own fresh one', async () => {
  const client = await clientFromNodeA();
  const nonceFromA = client.nonce;
  moveTo(client, stranger);
  const answer = await client.transact(client.signed(Method.allocate, [requestedTransportUdp()]));
  assert.equal(answer.code, 438);
  client.learnChallenge(answer.parsed);
  assert.notEqual(client.nonce, nonceFromA);
});

async function iceServersFromApi(server) {
  const response = await fetch(`http://${server.signal.host}:${server.signal.port}/api/v1/ice-servers?user=u1`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  });
  assert.equal(response.status, 200);
  return (await response.json()).iceServers;
}
async function iceServersFromWelcome(server) {
  const { client, welcome } = await connectNative(server, '?id=someone');
  client.ws.terminate();
  assert.equal(welcome.type, 'welcome', JSON.stringify(welcome));
  return welcome.iceServers;
}

test('every node names the public host in the iceServers it hands out', async () => {
  for (const server of [a, b]) {
    for (const iceServers of [await iceServersFromApi(server), await iceServersFromWelcome(server)]) {
      const urls = iceServers.flatMap((entry) => [entry.urls].flat());
      assert.ok(urls.length >= 2, JSON.stringify(iceServers));
      for (const url of urls) assert.match(url, new RegExp(`^(stun|turns?):${PUBLIC_HOST.replace(/\./g, '\\.')}:\\d+`), url);
    }
  }
});
