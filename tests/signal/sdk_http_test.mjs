// /sdk/iceway.js and /sdk/iceway.d.ts over HTTP from a real SignalServer
// (tests/signal/signal_test_server): what a browser on another origin needs to import the
// module (Access-Control-Allow-Origin from signal.allowed_origins), and what lets it and a
// CDN cache it (Cache-Control, an ETag that a revalidation answers with 304).
//   node sdk_http_test.mjs /path/to/signal_test_server
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import path from "node:path";

const serverBinary = process.argv[2];
assert.ok(serverBinary, "usage: node sdk_http_test.mjs SERVER_BINARY");
const here = path.dirname(fileURLToPath(import.meta.url));
const sdkText = readFileSync(path.join(here, "../../sdk/iceway.js"), "utf8");
const typesText = readFileSync(path.join(here, "../../sdk/iceway.d.ts"), "utf8");
const step = (name) => console.log(`sdk http test: ${name}`);
const watchdog = setTimeout(() => {
  console.error("sdk http test: timed out");
  process.exit(1);
}, 30000);

const startServer = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn(serverBinary, ["0", ...args], { stdio: ["pipe", "pipe", "inherit"] });
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
const get = (port, urlPath, headers = {}) =>
  new Promise((resolve, reject) => {
    const request = http.get({ host: "127.0.0.1", port, path: urlPath, headers, agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode, headers: response.headers, body }));
    });
    request.setTimeout(10000, () => request.destroy(new Error(`GET ${urlPath} timed out`)));
    request.on("error", reject);
  });

const open = await startServer([]);
step("any origin allowed: the module with *, cache headers and an ETag");
const sdk = await get(open.port, "/sdk/iceway.js", { Origin: "https://app.example" });
assert.equal(sdk.status, 200);
assert.equal(sdk.body, sdkText);
assert.match(sdk.headers["content-type"], /^text\/javascript/);
assert.equal(sdk.headers["access-control-allow-origin"], "*");
assert.equal(sdk.headers["cache-control"], "public, max-age=300");
assert.match(sdk.headers.etag ?? "", /^"[0-9a-f]{16}"$/);

step("revalidation with the ETag: 304, no body, same headers");
const again = await get(open.port, "/sdk/iceway.js", { Origin: "https://app.example", "If-None-Match": sdk.headers.etag });
assert.equal(again.status, 304);
assert.equal(again.body, "");
assert.equal(again.headers.etag, sdk.headers.etag);
assert.equal(again.headers["access-control-allow-origin"], "*");
assert.equal(again.headers["cache-control"], "public, max-age=300");
const changed = await get(open.port, "/sdk/iceway.js", { "If-None-Match": '"0000000000000000"' });
assert.equal(changed.status, 200);
assert.equal(changed.body, sdkText);

step("the TypeScript declarations beside it");
const types = await get(open.port, "/sdk/iceway.d.ts", { Origin: "https://app.example" });
assert.equal(types.status, 200);
assert.equal(types.body, typesText);
assert.equal(types.headers["access-control-allow-origin"], "*");
assert.match(types.headers.etag ?? "", /^"[0-9a-f]{16}"$/);
assert.notEqual(types.headers.etag, sdk.headers.etag);
assert.equal((await get(open.port, "/sdk/iceway.js/more")).status, 404);
await stopServer(open);

const listed = await startServer(["--allowed-origin", "https://app.example"]);
step("allowed_origins set: a listed origin is echoed, another gets no CORS header");
const allowed = await get(listed.port, "/sdk/iceway.js", { Origin: "https://app.example" });
assert.equal(allowed.status, 200);
assert.equal(allowed.headers["access-control-allow-origin"], "https://app.example");
assert.equal(allowed.headers.vary, "Origin");
const foreign = await get(listed.port, "/sdk/iceway.js", { Origin: "https://evil.example" });
assert.equal(foreign.status, 200);  // same-origin pages and tools still load it; browsers on evil.example may not
assert.equal(foreign.headers["access-control-allow-origin"], undefined);
assert.equal(foreign.headers.vary, "Origin");
await stopServer(listed);

clearTimeout(watchdog);
console.log("sdk http test: ok");
