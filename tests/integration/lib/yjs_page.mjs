// The y-webrtc page the browser tests drive: y-webrtc, yjs, lib0 and simple-peer (CommonJS),
// bundled as they are with esbuild at test time, and helpers the tests call through
// page.evaluate (one WebrtcProvider per page). Used on one node (yjs_browser) and across nodes
// (cluster_browser).
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { build } from 'esbuild';

const HERE = fileURLToPath(new URL('..', import.meta.url));

// What the page needs from the packages, bundled as they are.
export async function bundle(outputDir) {
  const outfile = join(outputDir, 'y-webrtc.bundle.js');
  const result = await build({
    stdin: {
      contents: "import * as Y from 'yjs'; import { WebrtcProvider } from 'y-webrtc'; window.Y = Y; window.WebrtcProvider = WebrtcProvider;",
      resolveDir: HERE,
      loader: 'js',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    outfile,
    logLevel: 'silent',
  });
  assert.deepEqual(result.errors, []);
  return readFileSync(outfile);
}

// Helpers the test drives through page.evaluate; one provider per page.
export const PAGE = `<!doctype html><meta charset="utf-8"><title>y-webrtc on iceway</title>
<script src="/y-webrtc.bundle.js"></script>
<script>
const until = async (check, ms, what) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(what + ': not in ' + ms + ' ms');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
window.t = {
  start(room, name, signaling, iceServers) {
    this.doc = new Y.Doc();
    this.provider = new WebrtcProvider(room, this.doc, {
      signaling,
      peerOpts: { config: { iceServers, iceTransportPolicy: 'relay' } },
    });
    this.provider.awareness.setLocalStateField('user', { name });
  },
  edit(name) {
    this.doc.getText('text').insert(0, 'written by ' + name + '. ');
    this.doc.getMap('map').set(name, { at: 'edit' });
  },
  // Resolves once the other side's awareness state and both of its edits are here.
  async seen(other) {
    await until(() => [...this.provider.awareness.getStates().values()].some((s) => s.user && s.user.name === other),
      60000, 'the awareness state of ' + other);
    await until(() => this.doc.getMap('map').get(other) && this.doc.getText('text').toString().includes('written by ' + other),
      60000, 'the edits of ' + other);
    return {
      users: [...this.provider.awareness.getStates().values()].map((s) => s.user && s.user.name).sort(),
      text: this.doc.getText('text').toString(),
      map: this.doc.getMap('map').toJSON(),
      webrtcPeers: this.provider.room.webrtcConns.size,
      bcPeers: this.provider.room.bcConns.size,
    };
  },
  // The pair ICE chose on the WebRTC connection y-webrtc made (simple-peer's RTCPeerConnection).
  async selectedPair() {
    const [conn] = this.provider.room.webrtcConns.values();
    return until(async () => {
      const stats = await conn.peer._pc.getStats();
      let selected = null;
      stats.forEach((s) => {
        const pair = s.type === 'transport' && s.selectedCandidatePairId && stats.get(s.selectedCandidatePairId);
        if (!pair) return;
        selected = { local: stats.get(pair.localCandidateId).candidateType, remote: stats.get(pair.remoteCandidateId).candidateType };
      });
      return selected;
    }, 5000, 'a selected candidate pair');
  },
};
</script>`;

export async function startWeb(script) {
  const web = http.createServer((request, response) => {
    if (request.url === '/y-webrtc.bundle.js') {
      response.setHeader('content-type', 'text/javascript');
      return response.end(script);
    }
    if (request.url === '/') {
      response.setHeader('content-type', 'text/html');
      return response.end(PAGE);
    }
    response.statusCode = 404;
    response.end();
  });
  await new Promise((resolve) => web.listen(0, '127.0.0.1', resolve));
  return web;
}
