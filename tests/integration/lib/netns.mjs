// A private network for a test: namespace A holds iceway (and whatever runs next to it) on
// 10.X.0.2/24 with a default route to namespace B's 10.X.0.1, which only exists so that the
// route is real. Nothing leaves the two namespaces, and both are removed by remove().
// Needs root and iproute2 (CI runs as root; scripts/install-deps.sh installs iproute2).
import { run } from './iceway.mjs';

export async function createNetns(tag) {
  const id = `${tag}-${process.pid}`;
  const a = `iw-${id}-a`;
  const b = `iw-${id}-b`;
  const subnet = 200 + (process.pid % 50);  // 10.200-249.0.0/24: distinct for concurrent runs
  const links = [`iwa${process.pid % 100000}`, `iwb${process.pid % 100000}`];
  const steps = [
    ['netns', 'add', a], ['netns', 'add', b],
    ['link', 'add', links[0], 'type', 'veth', 'peer', 'name', links[1]],
    ['link', 'set', links[0], 'netns', a], ['link', 'set', links[1], 'netns', b],
    ['-n', a, 'addr', 'add', `10.${subnet}.0.2/24`, 'dev', links[0]],
    ['-n', b, 'addr', 'add', `10.${subnet}.0.1/24`, 'dev', links[1]],
    ['-n', a, 'link', 'set', 'lo', 'up'], ['-n', a, 'link', 'set', links[0], 'up'],
    ['-n', b, 'link', 'set', links[1], 'up'],
    ['-n', a, 'route', 'add', 'default', 'via', `10.${subnet}.0.1`],
  ];
  const remove = async () => {
    for (const name of [a, b]) await run('ip', ['netns', 'del', name]);
  };
  for (const step of steps) {
    const result = await run('ip', step);
    if (result.code !== 0) {
      await remove();
      throw new Error(`ip ${step.join(' ')}: ${result.stderr}`);
    }
  }
  return { name: a, address: `10.${subnet}.0.2`, peer: b, peerAddress: `10.${subnet}.0.1`, remove };
}

// A namespace with only a loopback interface that also holds `addresses` (IPv6, each with its
// prefix length, e.g. "2001:db8:64::5/64"): clients bound to them reach a server on ::1 from
// several addresses of one prefix, as one subscriber's devices would. `nodad`: the addresses
// are usable at once. Removed by remove().
export async function createIpv6LoopbackNetns(tag, addresses) {
  const name = `iw-${tag}-${process.pid}`;
  const remove = async () => { await run('ip', ['netns', 'del', name]); };
  const steps = [['netns', 'add', name], ['-n', name, 'link', 'set', 'lo', 'up'],
    ...addresses.map((address) => ['-n', name, '-6', 'addr', 'add', address, 'dev', 'lo', 'nodad'])];
  for (const step of steps) {
    const result = await run('ip', step);
    if (result.code !== 0) {
      await remove();
      throw new Error(`ip ${step.join(' ')}: ${result.stderr}`);
    }
  }
  return { name, remove };
}

// A namespace for a multi-homed iceway that the test process itself can reach: a veth pair
// with one end in this (the test's) namespace on 10.25X.Y.1/24 and the other in the new
// namespace on 10.25X.Y.2/24, plus `extra` addresses (CIDR text) on the namespace's
// loopback, standing for the host's other addresses (a second NIC's public address, a
// management address), and a second address 10.25X.Y.3 on the namespace's veth end that the
// test process can reach too (`secondAddress`). remove() deletes the namespace, which deletes
// both veth ends.
// addAddress(cidr) adds one more address at runtime, as DHCP or a VPN would.
export async function createLinkedNetns(tag, { extra = [] } = {}) {
  const name = `iw-${tag}-${process.pid}`;
  const subnet = `10.${250 + (process.pid % 5)}.${Math.floor(process.pid / 5) % 250}`;
  const links = [`iwh${process.pid % 100000}`, `iwn${process.pid % 100000}`];
  const steps = [
    ['netns', 'add', name],
    ['link', 'add', links[0], 'type', 'veth', 'peer', 'name', links[1]],
    ['link', 'set', links[1], 'netns', name],
    ['addr', 'add', `${subnet}.1/24`, 'dev', links[0]],
    ['-n', name, 'addr', 'add', `${subnet}.2/24`, 'dev', links[1]],
    ['-n', name, 'addr', 'add', `${subnet}.3/24`, 'dev', links[1]],
    ['-n', name, 'link', 'set', 'lo', 'up'], ['-n', name, 'link', 'set', links[1], 'up'],
    ['link', 'set', links[0], 'up'],
    ...extra.map((cidr) => ['-n', name, 'addr', 'add', cidr, 'dev', 'lo']),
  ];
  const remove = async () => {
    await run('ip', ['netns', 'del', name]);
    await run('ip', ['link', 'del', links[0]]);  // normally gone with the namespace already
  };
  for (const step of steps) {
    const result = await run('ip', step);
    if (result.code !== 0) {
      await remove();
      throw new Error(`ip ${step.join(' ')}: ${result.stderr}`);
    }
  }
  const addAddress = async (cidr) => {
    const result = await run('ip', ['-n', name, 'addr', 'add', cidr, 'dev', 'lo']);
    if (result.code !== 0) throw new Error(`ip addr add ${cidr}: ${result.stderr}`);
  };
  // Runs a program inside the namespace (e.g. a peer tool on one of its addresses).
  const exec = (command, args) => ['ip', ['netns', 'exec', name, command, ...args]];
  return { name, address: `${subnet}.2`, secondAddress: `${subnet}.3`, hostAddress: `${subnet}.1`, remove, addAddress,
    exec };
}
