// Drives sdk/iceway.js against a real SignalServer (tests/signal/signal_test_server): connect,
// join, peer-joined, signal, broadcast, ping, errors, then a server restart on the same port
// that the clients must survive (reconnect, same ids, rooms joined again).
//   node sdk_test.mjs /path/to/signal_test_server
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

// Node 20 has WebSocket behind a flag; run again with it.
if (typeof globalThis.WebSocket !== "function") {
  const child = spawn(process.execPath, ["--experimental-websocket", "--no-warnings", ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  child.on("exit", (code) => process.exit(code ?? 1));
} else {
  await main();
}

async function main() {
  const serverBinary = process.argv[2];
  assert.ok(serverBinary, "usage: node sdk_test.mjs SERVER_BINARY");
  const here = path.dirname(fileURLToPath(import.meta.url));
  const { IcewayClient, IcewayError } = await import(pathToFileURL(path.join(here, "../../sdk/iceway.js")).href);

  // Progress lines say where a failure or a timeout happened.
  const step = (name) => console.log(`sdk test: ${name}`);
  // The whole test is bounded.
  const watchdog = setTimeout(() => {
    console.error("sdk test: timed out");
    process.exit(1);
  }, 30000);

  const startServer = (port) =>
    new Promise((resolve, reject) => {
      const child = spawn(serverBinary, [String(port)], { stdio: ["pipe", "pipe", "inherit"] });
      let output = "";
      child.stdout.on("data", (chunk) => {
        output += chunk;
        const match = /port (\d+)/.exec(output);
        if (match) resolve({ child, port: Number(match[1]) });
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`server exited early (${code})`)));
    });
  const stopServer = ({ child }) =>
    new Promise((resolve) => {
      child.removeAllListeners("exit");
      child.on("exit", resolve);
      child.stdin.end();
    });
  const nextEvent = (client, type) => new Promise((resolve) => {
    const off = client.on(type, (detail) => {
      off();
      resolve(detail);
    });
  });

  let server = await startServer(0);
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const options = { minDelay: 50, maxDelay: 400, requestTimeout: 3000 };
  const alice = new IcewayClient(url, { ...options, id: "alice" });
  const bob = new IcewayClient(url, options);

  const aliceWelcome = await alice.connect();
  assert.equal(aliceWelcome.id, "alice");
  assert.ok(Array.isArray(aliceWelcome.iceServers) && aliceWelcome.iceServers[0].username.endsWith(":alice"));
  assert.equal(aliceWelcome.ttl, 600);
  step("bob connects");
  const bobWelcome = await bob.connect();
  assert.match(bobWelcome.id, /^[0-9a-f-]{36}$/);

  step("join");
  assert.deepEqual((await alice.join("room")).peers, []);
  const joinedSeen = nextEvent(alice, "peer-joined");
  assert.deepEqual((await bob.join("room")).peers, ["alice"]);
  assert.deepEqual(await joinedSeen, { room: "room", id: bob.id });

  step("signal");
  const offerSeen = nextEvent(bob, "signal");
  alice.signal(bob.id, { type: "offer", sdp: "v=0" });
  assert.deepEqual(await offerSeen, { from: "alice", data: { type: "offer", sdp: "v=0" } });

  step("broadcast");
  const broadcastSeen = nextEvent(alice, "broadcast");
  bob.broadcast("room", "hi all");
  assert.deepEqual(await broadcastSeen, { room: "room", from: bob.id, data: "hi all" });

  step("ping");
  assert.equal(typeof (await alice.ping()), "number");

  step("errors");
  const errorSeen = nextEvent(alice, "error");
  alice.signal("nobody", 1);
  const error = await errorSeen;
  assert.ok(error instanceof IcewayError);
  assert.equal(error.code, "peer-unavailable");
  await assert.rejects(alice.leave("elsewhere"), (e) => e.code === "not-in-room");

  step("id taken");
  // A taken id is refused at connect and not retried.
  const impostor = new IcewayClient(url, { ...options, id: "alice" });
  await assert.rejects(impostor.connect(), (e) => e.code === "id-taken");
  impostor.close();

  step("restart");
  // The server restarts on the same port: both reconnect, keep their ids, rejoin the room.
  const bobId = bob.id;
  const aliceBack = nextEvent(alice, "welcome");
  const bobBack = nextEvent(bob, "welcome");
  const reconnecting = nextEvent(alice, "reconnecting");
  await stopServer(server);
  assert.ok((await reconnecting).attempt >= 1);
  server = await startServer(server.port);
  assert.equal((await aliceBack).id, "alice");
  assert.equal((await bobBack).id, bobId);
  step("rejoined");
  // Rejoined: a broadcast reaches the other member again (poll, as rejoins race each other).
  let delivered = false;
  alice.on("broadcast", () => (delivered = true));
  for (let i = 0; i < 50 && !delivered; i++) {
    try {
      bob.broadcast("room", "after restart");
    } catch {
      // not connected yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(delivered, "no broadcast after the restart");

  alice.close();
  bob.close();
  await stopServer(server);
  clearTimeout(watchdog);
  console.log("sdk test: ok");
}
