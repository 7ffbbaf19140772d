// Waiting for cluster presence without disturbing it.
//
// Asking a node for an id (a connection with that id) claims the id there when the node has not
// heard of it yet, and when two nodes claim one id the node whose id sorts first keeps it
// (signal/cluster/cluster_core.hpp): a probe can take the id from its real holder, and a wait
// that probes then never ends. These helpers read the node's gauges instead.
import { scrape } from './signal.mjs';
import { until } from './ops.mjs';

// Waits until `server` knows of exactly `count` ids held on other nodes.
export async function untilRemotePeers(server, count, timeoutMs = 10000) {
  await until(async () => (await scrape(server)).get('iceway_cluster_remote_peers') === count, timeoutMs,
    `the node to know ${count} ids held on other nodes`);
}

// Waits until `server` sees exactly `count` other nodes.
export async function untilNodes(server, count, timeoutMs = 10000) {
  await until(async () => (await scrape(server)).get('iceway_cluster_nodes') === count, timeoutMs,
    `the node to see ${count} other nodes`);
}
