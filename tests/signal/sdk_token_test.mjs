// sdk/iceway.js with a token function against a real SignalServer that requires tokens
// (tests/signal/signal_test_server --token-secret): the function is called before every
// attempt, a failing token source is retried, and a reconnect whose token has expired meanwhile
// is refused as "unauthorized" and then retried with a fresh token instead of giving up.
//   node sdk_token_test.mjs /path/to/signal_test_server
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
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
  assert.ok(serverBinary, "usage: node sdk_token_test.mjs SERVER_BINARY");
  const here = path.dirname(fileURLToPath(import.meta.url));
  const { IcewayClient, IcewayError } = await import(pathToFileURL(path.join(here, "../../sdk/iceway.js")).href);

  const step = (name) => console.log(`sdk token test: ${name}`);
  const watchdog = setTimeout(() => {
    console.error("sdk token test: timed out (a step above did not finish)");
    process.exit(1);
  }, 30000);

  const secret = "sdk-token-test-secret";
  const base64url = (value) => Buffer.from(value).toString("base64url");
  // HS256 JWT as docs/signaling.md describes it: sub is the id, exp a Unix time.
  const makeToken = (sub, exp) => {
    const unsigned = `${base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${base64url(JSON.stringify({ sub, exp }))}`;
    return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
  };
  const now = () => Math.floor(Date.now() / 1000);

  const startServer = (port) =>
    new Promise((resolve, reject) => {
      const child = spawn(serverBinary, [String(port), "--token-secret", secret], { stdio: ["pipe", "pipe", "inherit"] });
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
  const nextEvent = (client, type, accept = () => true) =>
    new Promise((resolve) => {
      const off = client.on(type, (detail) => {
        if (!accept(detail)) return;
        off();
        resolve(detail);
      });
    });

  let server = await startServer(0);
  const url = `ws://127.0.0.1:${server.port}/ws`;
  const options = { minDelay: 50, maxDelay: 200, requestTimeout: 3000 };

  step("a static token that has expired is refused and not retried");
  const stale = new IcewayClient(url, { ...options, token: makeToken("carol", now() - 60) });
  await assert.rejects(stale.connect(), (e) => e instanceof IcewayError && e.code === "unauthorized");
  stale.close();

  step("a token function that fails first is retried, then its promise's token connects");
  // What the function hands out next: "fail" (its backend is down), "valid" or "expired".
  let mode = "fail";
  let calls = 0;
  const token = async () => {
    calls += 1;
    await new Promise((resolve) => setTimeout(resolve, 1));  // a real fetch is asynchronous
    if (mode === "fail") {
      mode = "valid";
      throw new Error("token backend unavailable");
    }
    return makeToken("alice", mode === "valid" ? now() + 600 : now() - 60);
  };
  const alice = new IcewayClient(url, { ...options, token });
  const tokenError = nextEvent(alice, "error", (e) => e.code === "token-unavailable");
  const welcome = await alice.connect();
  assert.equal(welcome.id, "alice");
  assert.match((await tokenError).message, /token backend unavailable/);
  assert.equal(calls, 2);
  await alice.join("room");

  step("after a restart the token has expired: refused once, then a fresh one reconnects");
  mode = "expired";
  const refused = nextEvent(alice, "error", (e) => e.code === "unauthorized");
  const back = nextEvent(alice, "welcome");
  await stopServer(server);
  server = await startServer(server.port);
  await refused;
  // The refusal's close follows the error message (a later event): it must not be final.
  const refusedClose = nextEvent(alice, "close");
  const callsWhenRefused = calls;
  mode = "valid";
  assert.equal((await refusedClose).willReconnect, true, "an expired token ended the reconnects");
  assert.equal((await back).id, "alice");
  assert.ok(calls > callsWhenRefused, "the reconnect did not ask the function for a fresh token");
  assert.ok(alice.rooms.has("room"));
  assert.equal(typeof (await alice.ping()), "number");

  alice.close();
  await stopServer(server);
  clearTimeout(watchdog);
  console.log("sdk token test: ok");
}
