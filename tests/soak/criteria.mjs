// The soak's verdict as pure functions of what it measured, so the criteria can be tested on
// synthetic series (criteria.test.mjs) without running iceway, and a leak that the 3-minute run
// would miss or a noisy machine that it must tolerate can be shown on data.

// The CSV the soak writes, one sample per row. Columns are fixed here so the plot script and
// the judge read the same names.
export const COLUMNS = ['elapsed_s', 'phase', 'rss_kib', 'fds', 'cpu_s', 'cpu_percent', 'allocations',
  'permissions', 'channels', 'connections', 'rooms', 'relayed_packets', 'dropped_packets', 'reloads'];

export function toCsvRow(sample) {
  return COLUMNS.map((name) => sample[name]).join(',');
}

export function parseCsv(text) {
  const [header, ...rows] = text.trim().split('\n');
  const names = header.split(',');
  return rows.map((row) => {
    const values = row.split(',');
    return Object.fromEntries(names.map((name, i) => [name, name === 'phase' ? values[i] : Number(values[i])]));
  });
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// RSS after warm-up stays within `tolerance` (5 %): the median of the last third of the load
// samples against the median of the first third. Warm-up samples are left out entirely (the
// allocator, TLS contexts and the tables grow to their working size there). Medians of thirds,
// not single samples, so one sample taken while a burst of allocations was alive, or while the
// machine was busy elsewhere, moves nothing; a leak moves the whole last third. Only growth
// fails: memory handed back to the system is not a leak.
export function judgeRss(samples, { tolerance = 0.05, minSamples = 6 } = {}) {
  const load = samples.filter((s) => s.phase === 'load').map((s) => s.rss_kib);
  if (load.length < minSamples) {
    return { pass: false, detail: `only ${load.length} samples after warm-up (need ${minSamples}): the run was too short or the sampler starved` };
  }
  const third = Math.floor(load.length / 3);
  const reference = median(load.slice(0, third));
  const final = median(load.slice(load.length - third));
  const growth = final / reference - 1;
  return {
    pass: growth <= tolerance,
    reference,
    final,
    growth,
    detail: `RSS median ${reference} KiB in the first third after warm-up, ${final} KiB in the last third ` +
      `(${(growth * 100).toFixed(2)} %, limit +${(tolerance * 100).toFixed(0)} %)`,
  };
}

// Open fds come back to the baseline (taken before the first client) once every client is gone
// and every allocation has expired; `final` is read after a bounded wait for that.
export function judgeFds({ baseline, final }) {
  return {
    pass: final <= baseline,
    detail: `${final} fds at the end, ${baseline} before the first client`,
  };
}

// Every packet sent towards iceway is relayed or counted as dropped with a reason, and what
// iceway counts as relayed arrived. `sent` and `received` are the soak's own counts (TURN
// clients, echo peers, and the stranger whose packets no permission lets through); `relayed`,
// `dropped` and `refused` (UDP sends the kernel refused, iceway_turn_udp_send_dropped_total) are
// the deltas of iceway's counters over the run. A relayed datagram the kernel refused never
// arrives: with refusals, what arrived must be what was relayed less what was refused.
// `overflowed` (iceway_turn_udp_receive_dropped_total) were dropped at iceway's full receive
// buffers before it read them: sent, and counted, but never in the relay's hands.
export function judgeRelay({ sent, received, relayed, dropped, refused = 0, overflowed = 0 }) {
  const droppedTotal = Object.values(dropped).reduce((a, b) => a + b, 0);
  const sentTotal = sent.client + sent.peer + sent.stranger;
  const accounted = relayed.clientToPeer + relayed.peerToClient + droppedTotal + overflowed;
  const problems = [];
  if (sentTotal !== accounted) {
    problems.push(`${sentTotal} packets sent, iceway relayed ${relayed.clientToPeer + relayed.peerToClient}, dropped ${droppedTotal} ` +
      `and lost ${overflowed} at full receive buffers: ${sentTotal - accounted} unaccounted for`);
  }
  if (refused === 0) {
    if (relayed.clientToPeer !== received.peer) problems.push(`iceway relayed ${relayed.clientToPeer} to peers, the peers received ${received.peer}`);
    if (relayed.peerToClient !== received.client) problems.push(`iceway relayed ${relayed.peerToClient} to clients, the clients received ${received.client}`);
  } else if (relayed.clientToPeer + relayed.peerToClient - refused !== received.peer + received.client) {
    problems.push(`iceway relayed ${relayed.clientToPeer + relayed.peerToClient} and the kernel refused ${refused} sends, ` +
      `but ${received.peer + received.client} arrived`);
  }
  const reasons = Object.entries(dropped).filter(([, n]) => n > 0).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
  return {
    pass: problems.length === 0,
    detail: problems.length ? problems.join('; ') :
      `${sentTotal} packets sent (clients ${sent.client}, peers ${sent.peer}, stranger ${sent.stranger}); relayed ` +
      `${relayed.clientToPeer} to peers and ${relayed.peerToClient} to clients; dropped with a reason: ${reasons}; ` +
      `refused by the kernel: ${refused}; dropped at full receive buffers: ${overflowed}`,
  };
}

// Every signaling frame a client sent is counted by iceway under its protocol.
export function judgeSignal({ sent, counted }) {
  const problems = Object.keys(sent).filter((protocol) => sent[protocol] !== counted[protocol])
    .map((protocol) => `${protocol}: ${sent[protocol]} frames sent, iceway counted ${counted[protocol]}`);
  return {
    pass: problems.length === 0,
    detail: problems.length ? problems.join('; ') : Object.entries(sent).map(([p, n]) => `${p} ${n}`).join(', ') + ' frames, all counted',
  };
}
