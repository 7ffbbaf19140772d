// The ICE test page (/ice-test): for each STUN and TURN URL iceway hands out, gather candidates in
// this browser with that URL alone and say plainly whether it works. The URLs and fresh TURN
// credentials come from the signaling welcome message (the path that needs no API key), or from
// GET /api/v1/ice-servers when signaling refuses the page (a server that requires tokens and runs
// in development mode). No external assets: this runs on an offline server.
import { IcewayClient } from "../sdk/iceway.js";

const $ = (id) => document.getElementById(id);
const GATHER_LIMIT_MS = 20000;  // Chromium gives up on an unreachable TURN server within ~10 s
const RELAY_PORTS = "UDP 49152–65535 (turn.relay_ports)";

// "turn:host:3478?transport=tcp" -> {scheme, host, port, transport}
function parseUrl(url) {
  const match = url.match(/^(stuns?|turns?):(\[[^\]]+\]|[^:?]+)(?::(\d+))?(?:\?transport=(udp|tcp))?$/i);
  if (!match) return null;
  const scheme = match[1].toLowerCase();
  const secure = scheme.endsWith("s");
  return {
    scheme, host: match[2], port: Number(match[3] || (secure ? 5349 : 3478)),
    transport: secure ? "tls" : (match[4] || "udp").toLowerCase(),
  };
}

async function fetchIceServers() {
  const params = new URLSearchParams(location.search);
  const url = new URL("ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const client = new IcewayClient(url.toString(), { reconnect: false, ...(params.get("token") ? { token: params.get("token") } : {}) });
  try {
    const welcome = await client.connect();
    return { iceServers: welcome.iceServers, source: `the signaling welcome message (connected as ${welcome.id})`, ttl: welcome.ttl };
  } catch (error) {
    const response = await fetch(new URL("api/v1/ice-servers?user=ice-test", location.href), { cache: "no-store" });
    if (!response.ok) {
      throw new Error(`signaling refused the page (${error.code || error.message}) and /api/v1/ice-servers answered ` +
        `${response.status}; open this page with ?token=<a signaling JWT>`);
    }
    const body = await response.json();
    return { iceServers: body.iceServers, source: "GET /api/v1/ice-servers", ttl: body.ttl };
  } finally {
    client.close();
  }
}

// Fields of an RTCIceCandidate, from its properties or, where a browser lacks them, its string
// ("candidate:1 1 udp 41885439 203.0.113.7 50000 typ relay raddr ...").
function candidateFields(candidate) {
  const words = candidate.candidate.split(" ");
  return {
    type: candidate.type || words[7],
    protocol: candidate.protocol || words[2],
    relayProtocol: candidate.relayProtocol || null,
    address: candidate.address || words[4],
    port: candidate.port || Number(words[5]),
  };
}

// Gathers with one URL alone into `result` (shown as it fills); resolves when gathering
// completes or after GATHER_LIMIT_MS.
async function gather(server, result) {
  const { url, parsed } = result;
  const stun = parsed?.scheme.startsWith("stun");
  const single = { urls: [url] };
  if (!stun && server.username) Object.assign(single, { username: server.username, credential: server.credential });
  const pc = new RTCPeerConnection({ iceServers: [single], iceTransportPolicy: stun ? "all" : "relay" });
  const started = performance.now();
  try {
    const done = new Promise((resolve) => {
      pc.onicecandidate = ({ candidate }) => {
        if (!candidate) return resolve(true);
        if (!candidate.candidate) return;  // the end-of-candidates marker of one m-line
        result.candidates.push({ ...candidateFields(candidate), ms: Math.round(performance.now() - started) });
        render();
      };
      pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === "complete") resolve(true); };
      setTimeout(() => resolve(false), GATHER_LIMIT_MS);
    });
    pc.onicecandidateerror = (event) => {
      result.errors.push({ code: event.errorCode, text: event.errorText || "", ms: Math.round(performance.now() - started) });
      render();
    };
    pc.createDataChannel("ice-test");
    await pc.setLocalDescription(await pc.createOffer());
    result.complete = await done;
  } catch (error) {
    result.errors.push({ code: 0, text: String(error.message || error), ms: Math.round(performance.now() - started) });
  } finally {
    result.ms = Math.round(performance.now() - started);
    pc.close();  // releases the TURN allocation at once
    render();
  }
}

// The sentence an operator needs: what works, or what to check.
function verdict(result) {
  const p = result.parsed;
  if (!p) return { ok: false, text: `cannot read this URL` };
  const of = (type) => result.candidates.filter((c) => c.type === type);
  const transport = { udp: "UDP", tcp: "TCP", tls: "TLS" }[p.transport];
  const codes = new Set(result.errors.map((e) => e.code));
  if (p.scheme.startsWith("stun")) {
    const reflexive = of("srflx");
    if (reflexive.length) return { ok: true, text: `STUN works: the server sees this browser as ${reflexive[0].address}:${reflexive[0].port}` };
    if (!of("host").length) {
      return { ok: false, text: "no server-reflexive candidate, and no local address to ask from (this browser only has loopback, or hides its addresses)" };
    }
    return { ok: false, text: `no server-reflexive candidate: check that UDP ${p.port} is open to ${p.host}` };
  }
  const relays = of("relay");
  if (relays.length) {
    return { ok: true, text: `TURN over ${transport} works: relay address ${relays[0].address}:${relays[0].port}` +
      ` (calls also need ${RELAY_PORTS} open on the server)` };
  }
  if (codes.has(401)) return { ok: false, text: "the TURN server refused the credentials (401): check the server's clock and auth.secrets" };
  if (codes.has(403)) return { ok: false, text: "the TURN server refused the allocation (403 Forbidden)" };
  if (codes.has(486)) return { ok: false, text: "allocation quota reached (486): see turn.max_allocations_per_user and _per_ip" };
  if (codes.has(508)) return { ok: false, text: "no relay port free (508): check turn.relay_ports and turn.max_allocations" };
  const reach = p.transport === "tls"
    ? `TCP ${p.port} is open and the certificate is valid for ${p.host}`
    : `${transport} ${p.port} is open to ${p.host}`;
  return { ok: false, text: `no relay candidate: check that ${reach}, and that ${RELAY_PORTS} is open` };
}

let results = [];
let source = "";

function cell(text, mono = false) {
  const td = document.createElement("td");
  td.textContent = text;
  if (mono) td.className = "mono";
  return td;
}

function render() {
  const container = $("results");
  container.replaceChildren(...results.map((result) => {
    const section = document.createElement("section");
    section.className = "url";
    section.dataset.url = result.url;
    const title = document.createElement("h3");
    title.textContent = result.url;
    const line = document.createElement("p");
    const finished = result.ms > 0;
    const v = finished ? verdict(result) : null;
    line.className = `verdict ${!finished ? "pending" : v.ok ? "ok" : "fail"}`;
    line.dataset.verdict = !finished ? "pending" : v.ok ? "ok" : "fail";
    line.textContent = !finished ? "gathering…" : `${v.ok ? "✔" : "✘"} ${v.text}`;
    section.append(title, line);
    if (result.candidates.length) {
      const wrap = document.createElement("div");
      wrap.className = "table-wrap";
      const table = document.createElement("table");
      const head = document.createElement("tr");
      for (const name of ["type", "protocol", "address", "gathered after"]) {
        const th = document.createElement("th");
        th.scope = "col";
        th.textContent = name;
        head.append(th);
      }
      table.append(head);
      for (const c of result.candidates) {
        const row = document.createElement("tr");
        row.dataset.type = c.type;
        row.append(cell(c.type), cell(c.relayProtocol ? `${c.protocol} (to TURN over ${c.relayProtocol})` : c.protocol),
          cell(`${c.address}:${c.port}`, true), cell(`${c.ms} ms`));
        table.append(row);
      }
      wrap.append(table);
      section.append(wrap);
    } else if (finished) {
      const none = document.createElement("p");
      none.className = "muted";
      none.textContent = `no candidates in ${result.ms} ms`;
      section.append(none);
    }
    if (result.errors.length) {
      const list = document.createElement("ul");
      list.className = "muted";
      for (const e of result.errors) {
        const item = document.createElement("li");
        item.textContent = `error ${e.code}${e.text ? `: ${e.text}` : ""} after ${e.ms} ms`;
        list.append(item);
      }
      section.append(list);
    }
    return section;
  }));
}

async function runTest() {
  const summary = $("summary");
  const button = $("run");
  button.disabled = true;
  document.body.dataset.done = "false";
  summary.className = "verdict pending";
  summary.textContent = "Getting fresh credentials…";
  results = [];
  render();
  try {
    const { iceServers, source: from, ttl } = await fetchIceServers();
    source = from;
    const user = iceServers.find((s) => s.username)?.username;
    $("source").textContent = `URLs and credentials from ${source}` + (user ? `: user ${user}, valid for ${ttl} s.` : ".");
    const jobs = [];
    for (const server of iceServers) {
      for (const url of [].concat(server.urls)) {
        const result = { url, parsed: parseUrl(url), candidates: [], errors: [], complete: false, ms: 0 };
        results.push(result);
        jobs.push(gather(server, result));
      }
    }
    render();
    summary.textContent = `Gathering on ${results.length} URLs…`;
    await Promise.all(jobs);
    const failed = results.filter((r) => !verdict(r).ok);
    const turnOk = results.some((r) => r.parsed && r.parsed.scheme.startsWith("turn") && verdict(r).ok);
    summary.className = `verdict ${failed.length ? "fail" : "ok"}`;
    summary.textContent = failed.length === 0 ? `All ${results.length} URLs work.`
      : `${results.length - failed.length} of ${results.length} URLs work` +
        (turnOk ? "; calls with relay only can use the ones marked ✔." : "; no TURN URL works, so relay-only calls will fail.");
  } catch (error) {
    summary.className = "verdict fail";
    summary.textContent = `Could not get credentials: ${error.message}`;
  } finally {
    button.disabled = false;
    document.body.dataset.done = "true";
  }
}

// For tests and for people poking at it from the console.
window.iceTest = {
  get results() {
    return results.map((r) => ({ url: r.url, candidates: r.candidates, errors: r.errors, ms: r.ms, ...(r.ms ? verdict(r) : {}) }));
  },
  run: runTest,
};

$("run").addEventListener("click", runTest);
runTest();
