// The PeerJS media-call page the browser tests drive: tutorial 002's PeerJS appendix (a Vue
// component) transcribed into plain functions, its calls as written (new Peer({host, port, path}),
// on('call') then answer(stream), call(remoteId, stream), on('stream')), with helpers that read
// the call's decoded frames, its selected candidate pair and its ICE state. The page loads the
// unmodified peerjs bundle from /peerjs.js. Used on one node (tutorial_000_browser) and across
// nodes (cluster_browser).
export const PEERJS_CALL_PAGE = `<!DOCTYPE html>
<script src="/peerjs.js"></script>
<video id="localVideo" autoplay muted></video>
<video id="remoteVideo" autoplay></video>
<script>
// Tutorial 002's appendix (a Vue component), as plain functions.
let peer, peerId, callObj, called = false, caller = false;
const localVideo = document.getElementById('localVideo');
const remoteVideo = document.getElementById('remoteVideo');
function start(server) {
  peer = new Peer(server);  // { host, port, path, config }: the server, changed to iceway
  peer.on('open', (id) => { peerId = id; });
  peer.on('call', async (call) => { called = true; callObj = call; });
}
async function getLocalStream(constraints) {
  const stream = await navigator.mediaDevices.getUserMedia(constraints);
  localVideo.srcObject = stream;
  localVideo.play();
  return stream;
}
async function acceptCalled() {
  const stream = await getLocalStream({ video: true, audio: true });
  callObj.answer(stream);
  callObj.on('stream', (remoteStream) => {
    called = false;
    remoteVideo.srcObject = remoteStream;
    remoteVideo.play();
  });
}
async function callRemote(remoteId) {
  const stream = await getLocalStream({ video: true, audio: true });
  const call = peer.call(remoteId, stream);
  callObj = call;
  caller = true;
  call.on('stream', (remoteStream) => {
    caller = false;
    remoteVideo.srcObject = remoteStream;
    remoteVideo.play();
  });
}
// For the test: the call's decoded video frames and selected candidate pair.
async function videoStats() {
  if (!callObj || !callObj.peerConnection) return {};
  const stats = await callObj.peerConnection.getStats();
  let frames = 0, pair;
  stats.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'video') frames = s.framesDecoded ?? 0;
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s;
  });
  const type = (id) => stats.get(id)?.candidateType;
  return { frames, local: pair && type(pair.localCandidateId), remote: pair && type(pair.remoteCandidateId) };
}
function iceState() { return callObj && callObj.peerConnection ? callObj.peerConnection.iceConnectionState : 'none'; }
</script>`;
