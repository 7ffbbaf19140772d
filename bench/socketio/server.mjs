#!/usr/bin/env node
// The reference for bench/socketio-vs-npm.sh: the `socket.io` npm server (v4) doing what
// iceway's built-in tutorial server does for this load: `join` puts the socket in the room its
// first argument names; any other event whose first argument has a `room` field goes to the
// other members of that room (socket.to(room).emit), arguments unchanged. Prints
// "listening 127.0.0.1:PORT" once ready.
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../tests/integration/package.json', import.meta.url));
const { Server } = require('socket.io');

const httpServer = http.createServer();
const io = new Server(httpServer, { cors: { origin: true }, maxHttpBufferSize: 1e6 });
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack({ ok: true });
  });
  socket.onAny((event, ...args) => {
    if (event === 'join') return;
    const room = args[0] && args[0].room;
    if (room !== undefined) socket.to(String(room)).emit(event, ...args);
  });
});
httpServer.listen(0, '127.0.0.1', () => {
  console.log(`listening 127.0.0.1:${httpServer.address().port}`);
});
process.on('SIGTERM', () => { io.close(); process.exit(0); });
