#!/usr/bin/env node
// Starts the reference PeerJS server (the `peer` npm package, pinned in
// tests/integration/package.json) on 127.0.0.1 for bench/signal-vs-peerjs.sh, with the options
// iceway's /peerjs mirrors, and prints "listening 127.0.0.1:PORT" once it accepts connections.
//
//   node bench/signal/peer-server.mjs [--port 0] [--concurrent-limit 100000]
// Runs until SIGTERM or SIGINT.
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/integration/package.json', import.meta.url));
const { PeerServer } = require('peer');

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

// The defaults of both servers, except the concurrent limit (5000 in both), which the 10,000
// idle connections need raised. path "/peerjs" puts the WebSocket on /peerjs/peerjs, as iceway's.
const server = PeerServer({
  host: '127.0.0.1',
  port: option('--port', 0),
  path: '/peerjs',
  key: 'peerjs',
  concurrent_limit: option('--concurrent-limit', 100000),
  expire_timeout: 5000,
  alive_timeout: 90000,
  allow_discovery: false,
}, (http) => {
  process.stdout.write(`listening 127.0.0.1:${http.address().port}\n`);
});
server.on('error', (e) => process.stderr.write(`peer-server: ${e.message}\n`));

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
