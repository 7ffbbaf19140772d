// The demo call page (/): join a room on iceway's native signaling (/ws) with /sdk/iceway.js, see
// who is there, call one of them, accept or reject, hang up. Media goes peer to peer, or through
// iceway's TURN server with "relay only" (iceTransportPolicy: 'relay'); the iceServers come from
// the signaling welcome message. No external assets: this runs on an offline server.
//
// The call protocol is this page's own, carried in the opaque `data` of `signal` messages:
//   caller → {type:"call"}            callee ← rings: Accept / Reject
//   callee → {type:"accept"} | {type:"reject"} | {type:"busy"} (already in a call)
//   caller → {type:"offer", sdp}      callee → {type:"answer", sdp}
//   both   → {type:"candidate", candidate}
//   either → {type:"hangup"}          (also when cancelling a call that has not been answered)
// The offer is made only after the callee accepts, so ringing costs no TURN allocation.
import { IcewayClient } from "../sdk/iceway.js";

const $ = (id) => document.getElementById(id);
const ui = {
  form: $("join-form"), name: $("name"), room: $("room"), relayOnly: $("relay-only"), join: $("join"), leave: $("leave"),
  message: $("message"), roomPanel: $("room-panel"), roomName: $("room-name"), myId: $("my-id"), shareLink: $("share-link"),
  peers: $("peers"), noPeers: $("no-peers"), incoming: $("incoming"), incomingText: $("incoming-text"),
  accept: $("accept"), reject: $("reject"), callControls: $("call-controls"), callText: $("call-text"), hangup: $("hangup"),
  localVideo: $("local-video"), remoteVideo: $("remote-video"), remoteCaption: $("remote-caption"),
  status: {
    server: $("st-server"), signaling: $("st-signaling"), ice: $("st-ice"), policy: $("st-policy"), local: $("st-local"),
    remote: $("st-remote"), sent: $("st-sent"), received: $("st-received"), frames: $("st-frames"),
  },
};

const params = new URLSearchParams(location.search);
let client = null;
let room = null;
let peers = [];           // ids in the room besides us, in the order they joined
let localStream = null;
let call = null;          // { peer, role: "caller"|"callee", state: "calling"|"ringing"|"connecting"|"connected", pc, candidates }
let statsTimer = null;
let inbox = Promise.resolve();  // signals are handled one after another, in arrival order

const hasTurnCredentials = (iceServers) => (iceServers || []).some((server) => server.username);

function show(text, kind = "info") {
  ui.message.textContent = text;
  ui.message.className = `message ${kind}`;
}

function signalingUrl() {
  const url = new URL("ws", location.href);
  url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

// --- joining and leaving -------------------------------------------------------------------

async function getLocalMedia() {
  // A camera and microphone if there are any; a call without them still receives.
  for (const constraints of [{ video: true, audio: true }, { video: true }, { audio: true }]) {
    try {
      return await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      if (error.name === "NotAllowedError") break;
    }
  }
  show("No camera or microphone (or no permission): you will see and hear the other side only.", "info");
  return new MediaStream();
}

async function join(event) {
  event?.preventDefault();
  if (!ui.form.reportValidity()) return;
  const name = ui.name.value.trim();
  room = ui.room.value.trim();
  ui.join.disabled = true;
  show("Connecting…");
  if (!navigator.mediaDevices) {
    show("This page needs a secure context for the camera: open it as https:// or on localhost / 127.0.0.1.", "error");
  } else if (!localStream) {
    localStream = await getLocalMedia();
    ui.localVideo.srcObject = localStream;
  }
  client = new IcewayClient(signalingUrl(), params.get("token") ? { token: params.get("token") } : { id: name });
  client.on("signal", ({ from, data }) => {
    // A call hung up while its offer or answer was being made fails those steps: nothing to say then.
    inbox = inbox.then(() => onSignal(from, data)).catch((error) => { if (call) show(`Call error: ${error.message}`, "error"); });
  });
  client.on("peer-joined", ({ room: joined, id }) => {
    if (joined === room && !peers.includes(id)) peers.push(id);
    renderPeers();
  });
  client.on("peer-left", ({ room: left, id }) => {
    if (left !== room) return;
    peers = peers.filter((peer) => peer !== id);
    renderPeers();
    if (call && call.peer === id) endCall(`${id} left the room.`, false);
  });
  client.on("close", ({ willReconnect }) => {
    ui.status.server.textContent = willReconnect ? "connection lost, reconnecting…" : "disconnected";
  });
  client.on("welcome", ({ id, iceServers }) => {
    ui.status.server.textContent = `connected as ${id}` + (hasTurnCredentials(iceServers) ? "" : " (no TURN credentials)");
  });
  client.on("error", (error) => {
    if (error.code === "peer-unavailable" && call) endCall(`${call.peer} is not connected any more.`, false);
    else show(`Server: ${error.message} (${error.code})`, "error");
  });
  try {
    const welcome = await client.connect();
    const joined = await client.join(room);
    peers = joined.peers.filter((peer) => peer !== welcome.id);
    // After a reconnect the client library joins again; ask once more to refresh the list.
    client.on("welcome", () => {
      client.join(room).then(({ peers: now }) => { peers = now.filter((peer) => peer !== client.id); renderPeers(); })
        .catch(() => {});
    });
    ui.myId.textContent = welcome.id;
    ui.roomName.textContent = room;
    const share = new URL(location.pathname, location.href);
    share.searchParams.set("room", room);
    if (ui.relayOnly.checked) share.searchParams.set("relay", "1");
    ui.shareLink.href = share.toString();
    ui.shareLink.textContent = share.toString();
    const self = new URL(share);
    self.searchParams.set("name", welcome.id);
    history.replaceState(null, "", self);
    ui.roomPanel.hidden = false;
    ui.join.hidden = true;
    ui.leave.hidden = false;
    ui.name.disabled = ui.room.disabled = true;
    show(peers.length ? "Pick someone to call." : "Joined. Waiting for someone to join the room…");
    renderPeers();
  } catch (error) {
    const reason = error.code === "id-taken" ? `The name "${name}" is in use (another tab?): pick another one.`
      : `Could not join: ${error.message}`;
    show(reason, "error");
    client.close();
    client = null;
    ui.join.disabled = false;
  }
}

function leave() {
  if (call) endCall("", true);
  const leaving = client;
  client = null;
  leaving?.leave(room).catch(() => {}).finally(() => leaving.close());
  peers = [];
  room = null;
  for (const track of localStream?.getTracks() || []) track.stop();
  localStream = null;
  ui.localVideo.srcObject = null;
  ui.roomPanel.hidden = true;
  ui.leave.hidden = true;
  ui.join.hidden = false;
  ui.join.disabled = false;
  ui.name.disabled = ui.room.disabled = false;
  ui.status.server.textContent = "not connected";
  show("Left the room.");
}

function renderPeers() {
  ui.peers.replaceChildren(...peers.map((id) => {
    const item = document.createElement("li");
    item.dataset.peer = id;
    const name = document.createElement("span");
    name.textContent = id;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Call";
    button.setAttribute("aria-label", `Call ${id}`);
    button.disabled = call !== null;
    button.addEventListener("click", () => startCall(id));
    item.append(name, button);
    return item;
  }));
  ui.noPeers.hidden = peers.length > 0;
}

// --- the call ------------------------------------------------------------------------------

function send(to, data) {
  try {
    client.signal(to, data);
  } catch (error) {
    show(`Not connected to the server: ${error.message}`, "error");
  }
}

function setCall(next) {
  call = next;
  ui.callControls.hidden = !call || call.state === "ringing";
  ui.incoming.hidden = !call || call.state !== "ringing";
  ui.relayOnly.disabled = call !== null;
  if (call) {
    const text = { calling: `Calling ${call.peer}…`, connecting: `Connecting to ${call.peer}…`, connected: `In a call with ${call.peer}` };
    ui.callText.textContent = text[call.state] || "";
    ui.incomingText.textContent = `${call.peer} is calling you.`;
    ui.remoteCaption.textContent = call.peer;
  } else {
    ui.remoteCaption.textContent = "Remote";
  }
  renderPeers();
}

function startCall(peer) {
  if (call) return;
  setCall({ peer, role: "caller", state: "calling", pc: null, candidates: [] });
  send(peer, { type: "call" });
  show(`Ringing ${peer}…`);
}

function accept() {
  if (!call || call.state !== "ringing") return;
  const peer = call.peer;
  call.pc = createPeerConnection(peer);
  setCall({ ...call, state: "connecting" });
  send(peer, { type: "accept" });
  show(`Accepted: connecting to ${peer}…`);
}

function reject() {
  if (!call || call.state !== "ringing") return;
  send(call.peer, { type: "reject" });
  show(`You declined ${call.peer}'s call.`);
  setCall(null);
}

function createPeerConnection(peer) {
  const policy = ui.relayOnly.checked ? "relay" : "all";
  // max-bundle: audio and video share one transport from the first offer. Without it the caller
  // gathers, and allocates on the TURN server, for each media section until the answer accepts
  // BUNDLE; the browser then drops the extra transport, and an allocation still being set up at
  // that moment is never deleted: it stays on the server until its lifetime ends.
  const pc = new RTCPeerConnection({ iceServers: client.iceServers, iceTransportPolicy: policy, bundlePolicy: "max-bundle" });
  ui.status.policy.textContent = policy === "relay" ? "relay only (TURN)" : "all (direct when possible)";
  const remoteStream = new MediaStream();
  ui.remoteVideo.srcObject = remoteStream;
  pc.ontrack = ({ track }) => {
    remoteStream.addTrack(track);
    ui.remoteVideo.play().catch(() => {});  // autoplay may wait for a click; the video still decodes
  };
  pc.onicecandidate = ({ candidate }) => {
    if (candidate) send(peer, { type: "candidate", candidate: candidate.toJSON() });
  };
  pc.onsignalingstatechange = () => { ui.status.signaling.textContent = pc.signalingState; };
  pc.oniceconnectionstatechange = () => { ui.status.ice.textContent = pc.iceConnectionState; };
  pc.onconnectionstatechange = () => {
    if (!call || call.pc !== pc) return;
    if (pc.connectionState === "connected") {
      setCall({ ...call, state: "connected" });
      show(`Connected to ${peer}.`);
    } else if (pc.connectionState === "failed") {
      // Outside development mode the server gives TURN credentials only to clients with a token.
      const noTurn = !hasTurnCredentials(client.iceServers)
        ? " This server gave this page no TURN credentials (it gives them to clients with a token), so relay only cannot work."
        : "";
      show(`The connection to ${peer} failed.` + (policy === "relay"
        ? noTurn || " With relay only, media must pass the TURN server: the ICE test page shows whether it can be reached."
        : " Try relay only, or check the ICE test page."), "error");
    }
  };
  statsTimer = setInterval(() => updateStatus(pc), 1000);
  updateStatus(pc);
  return pc;
}

// Both sides send a camera and a microphone if they have them, and receive both in any case.
function addLocalMedia(pc, afterOffer) {
  const tracks = localStream ? localStream.getTracks() : [];
  for (const kind of ["audio", "video"]) {
    const track = tracks.find((t) => t.kind === kind);
    if (!afterOffer) {
      if (track) pc.addTrack(track, localStream);
      else pc.addTransceiver(kind, { direction: "recvonly" });
    } else {
      // The callee answers in the offer's transceivers (addTrack before the offer would make new ones).
      const transceiver = pc.getTransceivers().find((t) => t.receiver.track.kind === kind && !t.sender.track && !t.stopped);
      if (transceiver && track) {
        transceiver.sender.replaceTrack(track);
        transceiver.sender.setStreams?.(localStream);
        transceiver.direction = "sendrecv";
      } else if (transceiver) {
        transceiver.direction = "recvonly";
      }
    }
  }
}

async function flushCandidates() {
  const queued = call.candidates;
  call.candidates = [];
  for (const candidate of queued) await call.pc.addIceCandidate(candidate);
}

async function onSignal(from, data) {
  if (!data || typeof data.type !== "string") return;
  const ours = call && call.peer === from;
  switch (data.type) {
    case "call":
      if (ours && call.state === "calling") {
        // Both called each other at once: the larger id answers, the smaller one offers.
        if (client.id > from) {
          setCall({ ...call, role: "callee", state: "ringing" });
          accept();
        }
      } else if (call) {
        send(from, { type: "busy" });
      } else {
        setCall({ peer: from, role: "callee", state: "ringing", pc: null, candidates: [] });
        show(`${from} is calling you.`);
        ui.accept.focus();
      }
      break;
    case "accept":
      if (!ours || call.state !== "calling") return;
      call.pc = createPeerConnection(from);
      setCall({ ...call, state: "connecting" });
      addLocalMedia(call.pc, false);
      await call.pc.setLocalDescription(await call.pc.createOffer());
      send(from, { type: "offer", sdp: call.pc.localDescription.sdp });
      show(`${from} accepted: connecting…`);
      break;
    case "reject":
    case "busy":
      if (!ours || call.state !== "calling") return;
      endCall(data.type === "reject" ? `${from} declined the call.` : `${from} is in another call.`, false);
      break;
    case "offer":
      if (!ours || !call.pc || call.role !== "callee") return;
      await call.pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
      addLocalMedia(call.pc, true);
      await call.pc.setLocalDescription(await call.pc.createAnswer());
      send(from, { type: "answer", sdp: call.pc.localDescription.sdp });
      await flushCandidates();
      break;
    case "answer":
      if (!ours || !call.pc || call.role !== "caller") return;
      await call.pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
      await flushCandidates();
      break;
    case "candidate":
      if (!ours || !data.candidate) return;
      if (call.pc && call.pc.remoteDescription) await call.pc.addIceCandidate(data.candidate);
      else call.candidates.push(data.candidate);
      break;
    case "hangup":
      if (!ours) return;
      endCall(call.state === "ringing" ? `${from} cancelled the call.` : `${from} hung up.`, false);
      break;
    default:
      break;  // another app's message: not ours to answer
  }
}

// Ends the call: closing the RTCPeerConnection releases its TURN allocations at once.
function endCall(reason, notify) {
  if (!call) return;
  if (notify) send(call.peer, { type: "hangup" });
  clearInterval(statsTimer);
  statsTimer = null;
  call.pc?.close();
  ui.remoteVideo.srcObject = null;
  for (const field of ["signaling", "ice", "policy", "local", "remote", "sent", "received", "frames"]) {
    ui.status[field].textContent = "–";
  }
  setCall(null);
  if (reason) show(reason);
}

// --- status ------------------------------------------------------------------------------

// What getStats() says about the connection: the selected candidate pair (from the transport)
// and the bytes it moved, and how many video frames arrived decoded.
async function readStats(pc = call?.pc) {
  if (!pc) return null;
  const report = await pc.getStats();
  const out = {
    signalingState: pc.signalingState, iceConnectionState: pc.iceConnectionState, connectionState: pc.connectionState,
    local: null, remote: null, bytesSent: 0, bytesReceived: 0, framesDecoded: 0,
  };
  const candidate = (id) => {
    const c = report.get(id);
    return c && { type: c.candidateType, protocol: c.protocol, relayProtocol: c.relayProtocol || null,
                  address: c.address ?? c.ip, port: c.port };
  };
  report.forEach((entry) => {
    if (entry.type === "transport") {
      out.bytesSent += entry.bytesSent || 0;
      out.bytesReceived += entry.bytesReceived || 0;
      const pair = entry.selectedCandidatePairId && report.get(entry.selectedCandidatePairId);
      if (pair) {
        out.local = candidate(pair.localCandidateId);
        out.remote = candidate(pair.remoteCandidateId);
      }
    } else if (entry.type === "inbound-rtp" && entry.kind === "video") {
      out.framesDecoded += entry.framesDecoded || 0;
    }
  });
  return out;
}

const describe = (c) => c ? `${c.type} ${c.protocol}${c.relayProtocol ? ` (to TURN over ${c.relayProtocol})` : ""} ${c.address}:${c.port}` : "–";
const bytes = (n) => n < 10240 ? `${n} B` : n < 10485760 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;

async function updateStatus(pc) {
  const stats = await readStats(pc).catch(() => null);
  if (!stats || !call || call.pc !== pc) return;
  ui.status.signaling.textContent = stats.signalingState;
  ui.status.ice.textContent = `${stats.iceConnectionState} (connection ${stats.connectionState})`;
  ui.status.local.textContent = describe(stats.local);
  ui.status.remote.textContent = describe(stats.remote);
  ui.status.sent.textContent = bytes(stats.bytesSent);
  ui.status.received.textContent = bytes(stats.bytesReceived);
  ui.status.frames.textContent = String(stats.framesDecoded);
}

// --- start -------------------------------------------------------------------------------

ui.form.addEventListener("submit", join);
ui.leave.addEventListener("click", leave);
ui.accept.addEventListener("click", accept);
ui.reject.addEventListener("click", reject);
ui.hangup.addEventListener("click", () => endCall("You hung up.", true));
window.addEventListener("pagehide", () => { if (call) endCall("", true); });

// For people and tests poking at it from the console.
window.icewayDemo = { readStats: () => readStats(), get call() { return call && { peer: call.peer, role: call.role, state: call.state }; } };

ui.name.value = params.get("name") || "";
ui.room.value = params.get("room") || "";
ui.relayOnly.checked = params.get("relay") === "1";
if (ui.name.value && ui.room.value) join();
else (ui.room.value ? ui.name : ui.name.value ? ui.room : ui.name).focus();
