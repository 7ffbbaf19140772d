// Compiled (never run) by `tsc --noEmit --strict` against sdk/iceway.d.ts: an app's use of the
// client type-checks, and misuse does not (each @ts-expect-error must find an error, so the
// declarations cannot silently degrade to `any`).
import IcewayDefault, { IcewayClient, IcewayError, type IceServer, type Welcome } from "../../sdk/iceway.js";

export async function call(fetchToken: () => Promise<string>): Promise<Welcome> {
  const client = new IcewayClient("wss://turn.example.org/ws", { token: fetchToken, minDelay: 100 });
  const withString: IcewayDefault = new IcewayDefault("wss://turn.example.org/ws", { token: "jwt", reconnect: false });
  withString.close();
  const off = client.on("signal", ({ from, data }) => console.log(from.toUpperCase(), data));
  off();
  client.on("close", ({ code, willReconnect }) => console.log(code + 1, willReconnect === true));
  client.on("error", (error: IcewayError) => console.log(error.code, error.ref));
  client.on("reconnecting", ({ attempt, delay }) => console.log(attempt * delay));
  const welcome = await client.connect();
  const servers: IceServer[] = welcome.iceServers;
  console.log(servers.length, welcome.ttl, client.id?.length);
  const { peers } = await client.join("room");
  client.signal(peers[0], { type: "offer" });
  client.broadcast("room", "hello");
  const rtt: number = await client.ping();
  await client.leave("room");
  console.log(rtt, client.rooms.has("room"));

  // @ts-expect-error a token is a string or a function returning one
  new IcewayClient("wss://x/ws", { token: 42 });
  // @ts-expect-error no such event
  client.on("message", () => {});
  // @ts-expect-error join needs a room
  await client.join();
  return welcome;
}
