// The Grafana dashboard and the alert rules against a real Prometheus scraping the real binary
// (SPEC §7, issue 5): Debian's prometheus server scrapes iceway's admin listener every second
// while lib/ops.mjs drives every kind of traffic, then every panel query of
// deploy/grafana/iceway.json returns data with a value above 0 (a panel that stays empty or
// flat under traffic that should move it is a broken panel), the dashboard's variables find
// the target, every metric name the dashboard and deploy/prometheus/iceway-rules.yml use is
// one the binary really exports (tests/ops checks them against the catalogue; this checks
// them against the scrape), and Prometheus loads and evaluates every alert rule cleanly.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIceway, stopIceway, loopbackArgs } from './lib/iceway.mjs';
import { startPeer } from './lib/turn.mjs';
import { until, generateTraffic, opsTurnArgs } from './lib/ops.mjs';

const PROMETHEUS = '/usr/bin/prometheus';
const missing = existsSync(PROMETHEUS)
  ? false
  : `${PROMETHEUS} is not installed (Debian package prometheus, in scripts/install-deps.sh test): skipped`;

const dashboardPath = new URL('../../deploy/grafana/iceway.json', import.meta.url).pathname;
const rulesPath = new URL('../../deploy/prometheus/iceway-rules.yml', import.meta.url).pathname;
const RATE_INTERVAL = '1m';

let server;
let peer;
let traffic;
let prometheus;
let prometheusOutput = '';
let dir;
let base;
let job = 'iceway';
let instance;

async function freeTcpPort() {
  const listener = net.createServer();
  await new Promise((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address();
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

async function api(path, params = {}) {
  const url = `${base}${path}?${new URLSearchParams(params)}`;
  const response = await fetch(url);
  const body = await response.json();
  assert.equal(body.status, 'success', `${url}: ${JSON.stringify(body)}`);
  return body.data;
}

const query = (expr) => api('/api/v1/query', { query: expr });

// Every panel's queries (rows nested), Grafana's variables replaced as Grafana would for this
// one target.
function dashboardQueries() {
  const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8'));
  const queries = [];
  const walk = (panels) => {
    for (const panel of panels) {
      if (panel.panels) walk(panel.panels);
      for (const target of panel.targets ?? []) {
        if (!target.expr) continue;
        queries.push({ where: `panel ${panel.id} '${panel.title}' ${target.refId}`, raw: target.expr, expr: substitute(target.expr) });
      }
    }
  };
  walk(dashboard.panels);
  return { dashboard, queries };
}

function substitute(expr) {
  const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
  return expr
    .replaceAll(/\$\{?__rate_interval\}?|\$\{?__interval\}?|\$\{?__range\}?/g, RATE_INTERVAL)
    .replaceAll(/\$\{?job\}?/g, escapeRegex(job))
    .replaceAll(/\$\{?instance\}?/g, escapeRegex(instance));
}

// Exported only while TLS is on, and this server runs without it: ops_reload_gauges.test.mjs
// checks the certificate gauge against a real certificate.
const TLS_ONLY = new Set(['iceway_tls_certificate_expiry_timestamp_seconds']);
// Move only on nodes with [cluster] and a Redis, which this single server is not:
// cluster.test.mjs checks each of them on a real cluster.
const isClusterOnly = (name) => name.startsWith('iceway_cluster_');
// Moves only where the kernel joins datagrams into GSO messages, which depends on the host and
// on how many datagrams one receive round happens to take: send_batch_test.cpp checks it.
// Receive-buffer drops move only when a worker falls behind its sockets: udp_socket_batch_test.cpp
// overflows a socket to check them.
const HOST_DEPENDENT = new Set(['iceway_turn_udp_gso_messages_total', 'iceway_turn_udp_receive_dropped_total']);

// The metric names an expression uses: ours all start iceway_ or process_; `up` is Prometheus'.
const metricNames = (expr) => [...expr.matchAll(/\b(iceway_[a-z0-9_]+|process_[a-z0-9_]+|up)\b(?!\s*\()/g)].map((m) => m[1]);

before(async () => {
  if (missing) return;
  server = await startIceway([...loopbackArgs({ ipv6: false }), ...opsTurnArgs, '--set', 'server.drain_timeout=0s']);
  peer = await startPeer(['127.0.0.1']);
  instance = `${server.admin.host}:${server.admin.port}`;

  dir = mkdtempSync(join(tmpdir(), 'iceway-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${rulesPath}
scrape_configs:
  - job_name: ${job}
    metrics_path: /metrics
    static_configs:
      - targets: ["${instance}"]
`);
  const port = await freeTcpPort();
  base = `http://127.0.0.1:${port}`;
  prometheus = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  prometheus.stdout.on('data', (d) => { prometheusOutput += d; });
  prometheus.stderr.on('data', (d) => { prometheusOutput += d; });
  const exited = new Promise((resolve, reject) => prometheus.once('exit', (code) => reject(new Error(`prometheus exited with ${code}:\n${prometheusOutput}`))));
  // Ready, then one scrape of iceway at its initial zeros, so rate() sees the traffic as an increase.
  await Promise.race([exited, until(async () => {
    try {
      const up = await query(`up{job="${job}"}`);
      return up.result.length === 1 && up.result[0].value[1] === '1';
    } catch {
      return false;
    }
  }, 30000, 'Prometheus to scrape iceway')]);
  prometheus.removeAllListeners('exit');
});

after(async () => {
  if (traffic) await traffic.close();
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => prometheus.once('exit', resolve));
    prometheus.kill('SIGTERM');
    const timer = setTimeout(() => prometheus.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
  }
  if (peer) await peer.stop();
  if (server) assert.equal(await stopIceway(server), 0, server.output());
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every dashboard query returns data above 0 from a real Prometheus scraping iceway under traffic',
  { skip: missing, timeout: 110000 }, async () => {
    traffic = await generateTraffic(server, peer);
    const { dashboard, queries: all } = dashboardQueries();
    const queries = all.filter((q) => !metricNames(q.raw).some((name) => TLS_ONLY.has(name) || isClusterOnly(name) ||
      HOST_DEPENDENT.has(name)));
    assert.ok(queries.length >= 20, `only ${queries.length} queries found in ${dashboardPath}`);

    // Each query: a vector with at least one series above 0, once the scrapes after the
    // traffic are in (scrapes every second; polled, never slept).
    const answers = new Map();
    const empty = async () => {
      const failing = [];
      for (const q of queries) {
        const data = await query(q.expr);
        answers.set(q.where, data);
        const values = data.result.map((series) => Number(series.value[1]));
        if (data.result.length === 0 || !values.some((v) => v > 0)) failing.push(q);
      }
      return failing;
    };
    let failing = [];
    try {
      await until(async () => (failing = await empty()).length === 0, 45000, 'every dashboard query to show data');
    } catch {
      assert.fail(`dashboard queries without data above 0:\n${failing
        .map((q) => `${q.where}: ${q.expr}\n  -> ${JSON.stringify(answers.get(q.where)?.result)}`).join('\n')}`);
    }
    // The legends name labels the series really have.
    for (const q of queries) {
      const legend = findTarget(dashboard, q.where)?.legendFormat ?? '';
      for (const [, label] of legend.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
        for (const series of answers.get(q.where).result) assert.ok(label in series.metric, `${q.where}: legend {{${label}}} but series ${JSON.stringify(series.metric)}`);
      }
    }

    // The dashboard's variables: label_values(iceway_build_info, job), then instance for that job.
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const text = typeof variable.query === 'string' ? variable.query : variable.query.query;
      const [, selector, label] = text.match(/^label_values\((.*),\s*(\w+)\)$/);
      const values = await api(`/api/v1/label/${label}/values`, { 'match[]': substitute(selector) });
      assert.deepEqual(values, [label === 'job' ? job : instance], `variable ${variable.name}: ${text}`);
    }
  });

function findTarget(dashboard, where) {
  const [, id, , refId] = where.match(/^panel (\d+) '(.*)' (\S+)$/);
  const walk = (panels) => {
    for (const panel of panels) {
      if (panel.panels) { const found = walk(panel.panels); if (found) return found; }
      if (String(panel.id) === id) return (panel.targets ?? []).find((t) => t.refId === refId);
    }
    return undefined;
  };
  return walk(dashboard.panels);
}

test('every metric the dashboard and the alert rules name is one the binary really exports',
  { skip: missing, timeout: 30000 }, async () => {
    const scraped = new Set(await api('/api/v1/label/__name__/values', { 'match[]': `{job="${job}"}` }));
    const used = new Map();
    for (const q of dashboardQueries().queries) for (const name of metricNames(q.raw)) used.set(name, q.where);
    for (const [, expr] of readFileSync(rulesPath, 'utf8').matchAll(/expr: (\|\n(?:\s{10,}.*\n)+|.*)/g)) {
      for (const name of metricNames(expr)) used.set(name, `${rulesPath}: ${expr.trim()}`);
    }
    assert.ok(used.size >= 15, `only ${used.size} metric names found`);
    for (const [name, where] of used) if (!TLS_ONLY.has(name)) assert.ok(scraped.has(name), `${where}: ${name} is not in iceway's scrape (${[...scraped].join(', ')})`);
  });

test('Prometheus loads every alert rule and evaluates each without error', { skip: missing, timeout: 30000 }, async () => {
  const rulesText = readFileSync(rulesPath, 'utf8');
  const expected = [...rulesText.matchAll(/- alert: (\w+)/g)].map((m) => m[1]).sort();
  const data = await until(async () => {
    const answer = await api('/api/v1/rules');
    const rules = answer.groups.flatMap((g) => g.rules);
    return rules.length && rules.every((r) => r.lastEvaluation && !r.lastEvaluation.startsWith('0001')) ? rules : null;
  }, 15000, 'every rule to be evaluated');
  assert.deepEqual(data.map((r) => r.name).sort(), expected);
  for (const rule of data) assert.equal(rule.health, 'ok', `${rule.name}: ${rule.lastError}`);
  // With iceway up and healthy, the availability alerts are quiet.
  for (const name of ['IcewayDown', 'IcewayTargetMissing']) {
    assert.equal(data.find((r) => r.name === name).state, 'inactive', name);
  }
});
