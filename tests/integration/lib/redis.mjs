// A real Debian redis-server for the cluster tests: on a free loopback port, without
// persistence, started and stopped by PID (never by name).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// Resolves with { child, port, url, output() } once Redis accepts connections. `port` reuses a
// port (a restart after stopRedis); otherwise a free one is picked. With `netns` it runs in that
// network namespace (`ip netns exec` execs it: the PID is Redis's own), listening on `bind`.
export async function startRedis({ port, timeoutMs = 10000, netns, bind = '127.0.0.1' } = {}) {
  const chosen = port ?? await freePort();
  const args = ['--port', String(chosen), '--bind', bind, '--save', '', '--appendonly', 'no', '--daemonize', 'no',
    '--protected-mode', 'no'];
  const [command, commandArgs] = netns ? ['ip', ['netns', 'exec', netns, 'redis-server', ...args]] : ['redis-server', args];
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${output}`)); });
    const check = () => {
      if (!output.includes('Ready to accept connections')) return;
      clearTimeout(timer);
      child.stdout.off('data', check);
      child.removeAllListeners('exit');
      resolve();
    };
    child.stdout.on('data', check);
  });
  return { child, port: chosen, url: `redis://${bind}:${chosen}`, output: () => output };
}

export async function stopRedis(redis, timeoutMs = 10000) {
  if (redis.child.exitCode !== null || redis.child.signalCode !== null) return;
  const exited = once(redis.child, 'exit');
  redis.child.kill('SIGTERM');
  const timer = setTimeout(() => redis.child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}
