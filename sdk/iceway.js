// iceway.js: a small, dependency-free client for iceway's native signaling protocol on /ws.
// The protocol is described in docs/signaling.md; this file is served by iceway at /sdk/iceway.js
// (importable from any origin signal.allowed_origins allows), its types at /sdk/iceway.d.ts.
/* @ts-self-types="./iceway.d.ts" */
//
//   import { IcewayClient } from "/sdk/iceway.js";
//   const client = new IcewayClient("wss://example.org/ws", { token: () => fetchToken() });
//   client.on("signal", ({ from, data }) => { ... });
//   const { id, iceServers } = await client.connect();
//   const { peers } = await client.join("room-1");
//   client.signal(peers[0], { type: "offer", sdp: offer.sdp });
//
// It reconnects with exponential back-off after a lost connection, keeps its id when the server
// let it choose one, and joins its rooms again. A token given as a function is called before
// every attempt, so a reconnect presents a fresh token rather than one that has expired. Works in browsers and in Node >= 22 (or any
// runtime with a WebSocket class, passed as options.WebSocket).

const OPEN = 1;

/** An error answered by the server: `code` is the protocol's error code ("peer-unavailable", ...). */
export class IcewayError extends Error {
  constructor(code, message, ref) {
    super(message || code);
    this.name = "IcewayError";
    this.code = code;
    this.ref = ref;
  }
}

// Refusals that another attempt would only repeat.
const FATAL_CODES = new Set(["unauthorized", "bad-request"]);

export class IcewayClient {
  /**
   * @param {string} url  ws:// or wss:// URL of iceway's /ws endpoint
   * @param {object} [options]
   * @param {string | (() => string | Promise<string>)} [options.token]  signaling JWT (its `sub`
   *   becomes the id), or a function returning one (or a promise of one), called before every
   *   connection attempt
   * @param {string} [options.id]     requested id when the server does not require a token
   * @param {boolean} [options.reconnect=true]
   * @param {number} [options.minDelay=500]   first reconnect delay, ms
   * @param {number} [options.maxDelay=30000] longest reconnect delay, ms
   * @param {number} [options.requestTimeout=10000] how long join/leave/ping wait for an answer, ms
   * @param {typeof WebSocket} [options.WebSocket] WebSocket implementation (default: the global one)
   */
  constructor(url, options = {}) {
    this.url = url;
    this.options = {
      reconnect: true,
      minDelay: 500,
      maxDelay: 30000,
      requestTimeout: 10000,
      ...options,
    };
    this.WebSocket = options.WebSocket || globalThis.WebSocket;
    if (!this.WebSocket) throw new Error("iceway: no WebSocket implementation; pass options.WebSocket");
    this.id = null;
    this.iceServers = [];
    this.ttl = 0;
    this.rooms = new Set();
    this._listeners = new Map();
    this._pending = new Map();
    this._nextRef = 1;
    this._socket = null;
    this._attempt = 0;
    this._timer = null;
    this._closedByUser = false;
    this._welcomed = null;
    this._openAttempt = 0;
  }

  /** Subscribes to an event; returns a function that unsubscribes. Events: welcome, signal,
   * broadcast, peer-joined, peer-left, error, open, close, reconnecting. */
  on(type, listener) {
    if (!this._listeners.has(type)) this._listeners.set(type, new Set());
    this._listeners.get(type).add(listener);
    return () => this.off(type, listener);
  }

  off(type, listener) {
    this._listeners.get(type)?.delete(listener);
  }

  /** Connects (once); resolves with the welcome {id, iceServers, ttl}. */
  connect() {
    this._closedByUser = false;
    if (!this._welcomed) {
      this._welcomed = new Promise((resolve, reject) => {
        this._onFirstWelcome = resolve;
        this._onFirstFailure = reject;
      });
      this._open();
    }
    return this._welcomed;
  }

  /** Joins a room; resolves with {room, peers} (the ids already there). */
  async join(room) {
    const answer = await this._request({ type: "join", room });
    this.rooms.add(room);
    return { room: answer.room, peers: answer.peers };
  }

  /** Leaves a room. */
  async leave(room) {
    this.rooms.delete(room);
    await this._request({ type: "leave", room });
  }

  /** Sends `data` (anything JSON) to the peer `to`. A failure arrives as an "error" event. */
  signal(to, data) {
    this._send({ type: "signal", to, data });
  }

  /** Sends `data` to every other member of `room`. */
  broadcast(room, data) {
    this._send({ type: "broadcast", room, data });
  }

  /** Round trip to the server; resolves with the time it took, in ms. */
  async ping() {
    const started = Date.now();
    await this._request({ type: "ping" });
    return Date.now() - started;
  }

  /** Closes for good: no reconnect. */
  close() {
    this._closedByUser = true;
    this._openAttempt += 1;
    clearTimeout(this._timer);
    this._failPending(new IcewayError("closed", "client closed"));
    if (this._socket) this._socket.close(1000, "bye");
  }

  // --- internals -------------------------------------------------------------------------

  _emit(type, detail) {
    for (const listener of [...(this._listeners.get(type) || [])]) {
      try {
        listener(detail);
      } catch (error) {
        // A listener's bug must not break the connection.
        setTimeout(() => {
          throw error;
        });
      }
    }
  }

  _socketUrl(token) {
    const url = new URL(this.url);
    if (token) {
      url.searchParams.set("token", token);
    } else {
      // After a reconnect, ask for the id we had so peers can still reach us.
      const id = this.id || this.options.id;
      if (id) url.searchParams.set("id", id);
    }
    return url.toString();
  }

  // The token of this attempt: the option itself, or what its function returns now.
  async _token() {
    const token = this.options.token;
    return typeof token === "function" ? await token() : token;
  }

  _open() {
    const attempt = ++this._openAttempt;
    this._token().then(
      (token) => {
        // close() (or a newer attempt) while the token was being fetched: this one is void.
        if (this._closedByUser || attempt !== this._openAttempt) return;
        this._openSocket(token);
      },
      (error) => {
        if (this._closedByUser || attempt !== this._openAttempt) return;
        // The app's token source failed (its backend may be restarting): like a failed
        // connection, report it and try again later.
        this._emit("error", new IcewayError("token-unavailable", `iceway: no token: ${error?.message ?? error}`));
        if (this.options.reconnect) {
          this._scheduleReconnect();
        } else if (this._onFirstFailure) {
          this._onFirstFailure(error instanceof Error ? error : new Error(String(error)));
          this._onFirstFailure = null;
          this._welcomed = null;
        }
      },
    );
  }

  _openSocket(token) {
    const socket = new this.WebSocket(this._socketUrl(token));
    this._socket = socket;
    let welcomed = false;
    socket.onopen = () => this._emit("open", {});
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(typeof event.data === "string" ? event.data : String(event.data));
      } catch {
        return;
      }
      if (message.type === "welcome") {
        welcomed = true;
        this._attempt = 0;
        this._onWelcome(message);
        return;
      }
      if (message.type === "error" && !welcomed && message.ref === undefined) {
        // Refused at connect: keep the reason for the close handler.
        socket._icewayRefusal = message;
      }
      this._dispatch(message);
    };
    // Browsers fire "error" then "close"; some runtimes (Node 20's WebSocket) fire only "error"
    // when the connection is refused. Whichever comes first ends the socket, once.
    const ended = (code, reason) => {
      if (socket._icewayEnded) return;
      socket._icewayEnded = true;
      if (this._socket === socket) this._socket = null;
      this._failPending(new IcewayError("disconnected", "connection closed"));
      const refusal = socket._icewayRefusal;
      // A token from a function that worked before has most likely expired since: the next
      // attempt asks the function again. The first connection's refusal stays final, so a
      // function that never yields a valid token does not retry forever unseen.
      const renewable = refusal?.code === "unauthorized" && typeof this.options.token === "function" && this.id !== null;
      const fatal =
        refusal && !renewable && (FATAL_CODES.has(refusal.code) || (refusal.code === "id-taken" && !this.id));
      const willReconnect = this.options.reconnect && !this._closedByUser && !fatal;
      this._emit("close", { code, reason, willReconnect });
      if (!welcomed && this._onFirstFailure && (fatal || !willReconnect)) {
        this._onFirstFailure(refusal ? new IcewayError(refusal.code, refusal.message) : new Error("iceway: connection failed"));
        this._onFirstFailure = null;
        this._welcomed = null;
      }
      if (willReconnect) this._scheduleReconnect();
    };
    socket.onclose = (event) => ended(event.code, event.reason);
    socket.onerror = () => {
      // An error on an open socket is followed by its close, which carries the code.
      if (socket.readyState !== OPEN) ended(1006, "connection failed");
    };
  }

  _scheduleReconnect() {
    const base = Math.min(this.options.maxDelay, this.options.minDelay * 2 ** this._attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));  // jitter: no thundering herd
    this._attempt += 1;
    this._emit("reconnecting", { attempt: this._attempt, delay });
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      if (!this._closedByUser) this._open();
    }, delay);
  }

  _onWelcome(message) {
    this.id = message.id;
    this.iceServers = message.iceServers;
    this.ttl = message.ttl;
    const welcome = { id: message.id, iceServers: message.iceServers, ttl: message.ttl };
    if (this._onFirstWelcome) {
      this._onFirstWelcome(welcome);
      this._onFirstWelcome = null;
      this._onFirstFailure = null;
    }
    this._emit("welcome", welcome);
    // Back in the rooms we were in before the connection dropped.
    for (const room of this.rooms) {
      this._request({ type: "join", room }).catch((error) => this._emit("error", error));
    }
  }

  _dispatch(message) {
    const pending = message.ref !== undefined ? this._pending.get(message.ref) : undefined;
    if (pending) {
      this._pending.delete(message.ref);
      clearTimeout(pending.timer);
      if (message.type === "error") pending.reject(new IcewayError(message.code, message.message, message.ref));
      else pending.resolve(message);
      return;
    }
    switch (message.type) {
      case "signal":
        this._emit("signal", { from: message.from, data: message.data });
        break;
      case "broadcast":
        this._emit("broadcast", { room: message.room, from: message.from, data: message.data });
        break;
      case "peer-joined":
      case "peer-left":
        this._emit(message.type, { room: message.room, id: message.id });
        break;
      case "error":
        this._emit("error", new IcewayError(message.code, message.message, message.ref));
        break;
      default:
        break;  // pong or joined without a waiting request, or a newer server's message
    }
  }

  _send(message) {
    if (!this._socket || this._socket.readyState !== OPEN) {
      throw new IcewayError("disconnected", "not connected");
    }
    this._socket.send(JSON.stringify(message));
  }

  _request(message) {
    return new Promise((resolve, reject) => {
      const ref = this._nextRef++;
      try {
        this._send({ ...message, ref });
      } catch (error) {
        reject(error);
        return;
      }
      const timer = setTimeout(() => {
        this._pending.delete(ref);
        reject(new IcewayError("timeout", `no answer to ${message.type}`, ref));
      }, this.options.requestTimeout);
      this._pending.set(ref, { resolve, reject, timer });
    });
  }

  _failPending(error) {
    for (const [ref, pending] of this._pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this._pending.delete(ref);
    }
  }
}

export default IcewayClient;
