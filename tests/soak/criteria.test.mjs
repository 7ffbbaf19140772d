// The soak's pass criteria on synthetic runs shaped like the 3-minute version (10 s samples,
// warm-up, then load): a flat series with scheduling noise passes, and a leak the 3-minute run
// is meant to catch fails, so the soak in `make test` cannot pass by construction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COLUMNS, judgeFds, judgeRelay, judgeRss, judgeSignal, parseCsv, toCsvRow } from './criteria.mjs';

// A 3-minute run: samples every 10 s, warm-up for the first 40 s. `rss(t)` in KiB.
function run(rss) {
  const rows = [];
  for (let t = 0; t <= 180; t += 10) {
    rows.push({ elapsed_s: t, phase: t < 40 ? 'warmup' : 'load', rss_kib: Math.round(rss(t)), fds: 20, cpu_s: t / 10,
      cpu_percent: 10, allocations: 5, permissions: 5, channels: 5, connections: 8, rooms: 2, relayed_packets: t * 10,
      dropped_packets: 0, reloads: Math.floor(t / 45) });
  }
  // Through the CSV, as the soak writes it and the plot reads it.
  return parseCsv([COLUMNS.join(','), ...rows.map(toCsvRow)].join('\n'));
}

// Deterministic noise: +-1.5 % around the base.
const noise = (t) => 1 + 0.015 * Math.sin(t * 1.7);

test('flat RSS with scheduling noise passes', () => {
  const verdict = judgeRss(run((t) => 12000 * noise(t)));
  assert.ok(verdict.pass, verdict.detail);
});

test('warm-up growth is not counted', () => {
  const verdict = judgeRss(run((t) => (t < 40 ? 6000 + 150 * t : 12000) * noise(t)));
  assert.ok(verdict.pass, verdict.detail);
});

test('single spikes while a burst was alive do not fail the run', () => {
  const verdict = judgeRss(run((t) => (t === 170 || t === 120 ? 16000 : 12000)));
  assert.ok(verdict.pass, verdict.detail);
});

test('a steady leak of 8 KiB/s on 12 MiB fails the 3-minute run', () => {
  const verdict = judgeRss(run((t) => (12000 + 8 * t) * noise(t)));
  assert.equal(verdict.pass, false, verdict.detail);
  assert.ok(verdict.growth > 0.05);
});

test('a step up that stays (a cache that never shrinks again) fails', () => {
  const verdict = judgeRss(run((t) => (t < 130 ? 12000 : 13000)));
  assert.equal(verdict.pass, false, verdict.detail);
});

test('memory handed back is not a leak', () => {
  const verdict = judgeRss(run((t) => (t < 100 ? 13000 : 11000)));
  assert.ok(verdict.pass, verdict.detail);
});

test('too few samples after warm-up fail rather than pass vacuously', () => {
  const verdict = judgeRss(run(() => 12000).filter((s) => s.elapsed_s < 70));
  assert.equal(verdict.pass, false, verdict.detail);
});

test('fds pass only when back at the baseline', () => {
  assert.ok(judgeFds({ baseline: 19, final: 19 }).pass);
  assert.equal(judgeFds({ baseline: 19, final: 20 }).pass, false);
});

const relayed = { clientToPeer: 1000, peerToClient: 1000 };

test('relay counters reconcile when every packet is relayed or dropped with a reason', () => {
  const verdict = judgeRelay({ sent: { client: 1000, peer: 1000, stranger: 40 }, received: { client: 1000, peer: 1000 },
    relayed, dropped: { no_permission: 40, bandwidth: 0 } });
  assert.ok(verdict.pass, verdict.detail);
});

test('a packet sent and neither relayed nor dropped fails', () => {
  const verdict = judgeRelay({ sent: { client: 1001, peer: 1000, stranger: 40 }, received: { client: 1000, peer: 1000 },
    relayed, dropped: { no_permission: 40, bandwidth: 0 } });
  assert.equal(verdict.pass, false, verdict.detail);
  assert.match(verdict.detail, /1 unaccounted for/);
});

test('a packet iceway counts as relayed that never arrived fails', () => {
  const verdict = judgeRelay({ sent: { client: 1000, peer: 1000, stranger: 0 }, received: { client: 999, peer: 1000 },
    relayed, dropped: { no_permission: 0, bandwidth: 0 } });
  assert.equal(verdict.pass, false, verdict.detail);
});

test('relayed datagrams the kernel refused explain those that never arrived, and no more', () => {
  const sent = { client: 1000, peer: 1000, stranger: 0 };
  const dropped = { no_permission: 0, bandwidth: 0 };
  const explained = judgeRelay({ sent, received: { client: 997, peer: 1000 }, relayed, dropped, refused: 3 });
  assert.ok(explained.pass, explained.detail);
  assert.match(explained.detail, /refused by the kernel: 3/);
  const unexplained = judgeRelay({ sent, received: { client: 996, peer: 1000 }, relayed, dropped, refused: 3 });
  assert.equal(unexplained.pass, false, unexplained.detail);
  assert.match(unexplained.detail, /the kernel refused 3 sends, but 1996 arrived/);
});

test('datagrams lost at iceway\'s full receive buffers explain those it never relayed, and no more', () => {
  const sent = { client: 1000, peer: 1000, stranger: 0 };
  const dropped = { no_permission: 0, bandwidth: 0 };
  const short = { clientToPeer: 995, peerToClient: 1000 };
  const explained = judgeRelay({ sent, received: { client: 1000, peer: 995 }, relayed: short, dropped, overflowed: 5 });
  assert.ok(explained.pass, explained.detail);
  assert.match(explained.detail, /dropped at full receive buffers: 5/);
  const unexplained = judgeRelay({ sent, received: { client: 1000, peer: 995 }, relayed: short, dropped, overflowed: 4 });
  assert.equal(unexplained.pass, false, unexplained.detail);
  assert.match(unexplained.detail, /lost 4 at full receive buffers: 1 unaccounted for/);
});

test('signaling frames reconcile per protocol', () => {
  assert.ok(judgeSignal({ sent: { native: 10, yjs: 4 }, counted: { native: 10, yjs: 4 } }).pass);
  assert.equal(judgeSignal({ sent: { native: 10, yjs: 4 }, counted: { native: 9, yjs: 4 } }).pass, false);
});
