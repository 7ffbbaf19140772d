// Starts the real iceway binary for an integration test and reads back what it bound.
// Every test gets its own process on loopback with port 0 everywhere, so tests can run in
// parallel and never collide with a server on the machine.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export const ICEWAY_BIN = process.env.ICEWAY_BIN || new URL('../../../build/app/iceway', import.meta.url).pathname;

// Default flags: loopback only, ephemeral ports, loopback relays, one thread per core.
export function loopbackArgs({ ipv6 = true, threads = 2 } = {}) {
  const args = ['--listen', '127.0.0.1:0', '--relay-ip', '127.0.0.1', '--threads', String(threads),
    '--signal-listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--log-level', 'debug'];
  if (ipv6) args.push('--listen', '[::1]:0', '--relay-ipv6', '::1');
  return args;
}

function parseEndpoints(line) {
  return [...line.matchAll(/(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):(\d+)/g)].map((m) => ({
    host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]), family: m[1].startsWith('[') ? 6 : 4,
  }));
}

// Resolves once the banner is printed: { child, udp: [...], tcp: [...], tls: [...], dtls: [...],
// signal: {secure, host, port}, admin: {host, port}, output(), stderr() }.
// With `netns` it runs inside that network namespace (`ip netns exec` execs it, so the PID is
// iceway's own and stopIceway() signals it directly).
export async function startIceway(args = loopbackArgs(), { env = {}, timeoutMs = 15000, netns } = {}) {
  const [command, commandArgs] = netns ? ['ip', ['netns', 'exec', netns, ICEWAY_BIN, ...args]] : [ICEWAY_BIN, args];
  const child = spawn(command, commandArgs, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const server = { child, udp: [], tcp: [], tls: [], dtls: [], output: () => stdout + stderr, stderr: () => stderr };
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`iceway did not start in ${timeoutMs} ms:\n${stdout}${stderr}`)), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`iceway exited with ${code}:\n${stdout}${stderr}`)); });
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!stdout.includes('Try it')) return;
      clearTimeout(timer);
      for (const line of stdout.split('\n')) {
        const stun = line.match(/^\s+STUN\/TURN\s+udp (.*); tcp (.*)$/);
        if (stun) { server.udp = parseEndpoints(stun[1]); server.tcp = parseEndpoints(stun[2]); }
        const tls = line.match(/^\s+TURN\/TLS\s+tls (.*?)\s+turns:/);
        if (tls) server.tls = parseEndpoints(tls[1]);
        const dtls = line.match(/^\s+TURN\/DTLS\s+udp (.*?)\s+\(/);
        if (dtls) server.dtls = parseEndpoints(dtls[1]);
        const signal = line.match(/^\s+Signaling\s+(wss?):\/\/(.*?):(\d+)\/ws/);
        if (signal) server.signal = { secure: signal[1] === 'wss', host: signal[2], port: Number(signal[3]) };
        const metrics = line.match(/^\s+Metrics\s+http:\/\/(.*?):(\d+)\/metrics/);
        if (metrics) server.admin = { host: metrics[1], port: Number(metrics[2]) };
      }
      child.removeAllListeners('exit');
      resolve();
    });
  });
  return server;
}

// Sends SIGTERM and waits for the exit code (kills after a timeout so a hung test ends).
export async function stopIceway(server, signal = 'SIGTERM', timeoutMs = 10000) {
  if (server.child.exitCode !== null) return server.child.exitCode;
  const exited = once(server.child, 'exit');
  server.child.kill(signal);
  const timer = setTimeout(() => server.child.kill('SIGKILL'), timeoutMs);
  const [code] = await exited;
  clearTimeout(timer);
  return code;
}

// Runs a command to completion with a time bound; resolves { code, stdout, stderr }.
export function run(command, args, { timeoutMs = 20000, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

// Writes a throwaway self-signed certificate for CN=localhost (valid one day) and its key, as
// PEM files at the given paths, for the tests' turns: and wss: listeners.
export async function makeCertificate(cert, key) {
  const openssl = await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-keyout', key, '-out', cert]);
  if (openssl.code !== 0) throw new Error(`openssl could not make a certificate: ${openssl.stderr}`);
}

// Resolves with the first match of `pattern` (a RegExp) in the server's output after the
// first `since` characters, polling until `timeoutMs`; rejects with the output so far when it
// never appears. Log lines reach the pipe a little after the answers they go with.
export async function waitForOutput(server, pattern, timeoutMs = 5000, since = 0) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = server.output().slice(since).match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in iceway's output after ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
