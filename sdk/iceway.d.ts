// TypeScript declarations for iceway.js, served beside it at /sdk/iceway.d.ts. The protocol and
// the client are described in docs/signaling.md.
//
//   // @deno-types="https://turn.example.org/sdk/iceway.d.ts"
//   import { IcewayClient } from "https://turn.example.org/sdk/iceway.js";
//
// or, with a bundler, declare the URL's module in a .d.ts of the app:
//   declare module "https://turn.example.org/sdk/iceway.js" { export * from "./iceway"; }

/** A TURN/STUN server for RTCPeerConnection, as the welcome carries it. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface Welcome {
  /** This client's peer id. */
  id: string;
  /** STUN/TURN servers with credentials valid for `ttl` seconds. */
  iceServers: IceServer[];
  ttl: number;
}

export interface IcewayClientOptions {
  /**
   * Signaling JWT (its `sub` becomes the id), or a function returning one or a promise of one.
   * A function is called before every connection attempt, so reconnects get a fresh token and
   * a refusal as `unauthorized` after an earlier success is retried instead of final.
   */
  token?: string | (() => string | Promise<string>);
  /** Requested id when the server does not require a token. */
  id?: string;
  /** Reconnect after a lost connection (default true). */
  reconnect?: boolean;
  /** First reconnect delay in ms (default 500). */
  minDelay?: number;
  /** Longest reconnect delay in ms (default 30000). */
  maxDelay?: number;
  /** How long join, leave and ping wait for an answer, in ms (default 10000). */
  requestTimeout?: number;
  /** WebSocket implementation (default: the global one). */
  WebSocket?: typeof WebSocket;
}

/** An error answered by the server, or one of the client's own: "disconnected", "timeout",
 * "closed", "token-unavailable". */
export class IcewayError extends Error {
  constructor(code: string, message?: string, ref?: number);
  readonly name: "IcewayError";
  /** The protocol's error code ("peer-unavailable", "unauthorized", ...). */
  code: string;
  /** The request it answers, when it answers one. */
  ref?: number;
}

export interface IcewayEvents {
  welcome: Welcome;
  signal: { from: string; data: unknown };
  broadcast: { room: string; from: string; data: unknown };
  "peer-joined": { room: string; id: string };
  "peer-left": { room: string; id: string };
  error: IcewayError;
  open: Record<string, never>;
  close: { code: number; reason: string; willReconnect: boolean };
  reconnecting: { attempt: number; delay: number };
}

export class IcewayClient {
  /** @param url ws:// or wss:// URL of iceway's /ws endpoint */
  constructor(url: string, options?: IcewayClientOptions);
  readonly url: string;
  /** The id of the last welcome, null before the first. */
  id: string | null;
  iceServers: IceServer[];
  ttl: number;
  /** The rooms joined (joined again after a reconnect). */
  rooms: Set<string>;

  /** Subscribes; returns a function that unsubscribes. */
  on<K extends keyof IcewayEvents>(type: K, listener: (detail: IcewayEvents[K]) => void): () => void;
  off<K extends keyof IcewayEvents>(type: K, listener: (detail: IcewayEvents[K]) => void): void;
  /** Connects (once); resolves with the first welcome, rejects with an IcewayError if refused. */
  connect(): Promise<Welcome>;
  join(room: string): Promise<{ room: string; peers: string[] }>;
  leave(room: string): Promise<void>;
  /** Sends `data` (anything JSON) to the peer `to`; a failure arrives as an "error" event. */
  signal(to: string, data: unknown): void;
  /** Sends `data` to every other member of `room`. */
  broadcast(room: string, data: unknown): void;
  /** Round trip to the server in ms. */
  ping(): Promise<number>;
  /** Closes for good: no reconnect. */
  close(): void;
}

export default IcewayClient;
