// Runs inside a test's network namespace (`ip netns exec NS node from_addresses.mjs ...`), where
// the test has put several addresses of one IPv6 prefix on the loopback interface: opens one
// client from each local address in turn, holding every earlier one open, and prints what each
// got as one line of JSON; then closes them all. The test reads that line and judges it.
//   signal URL ADDRESS...       a native signaling connection: its first message's type/code
//   turn HOST PORT ADDRESS...   a TURN allocation over UDP: success, or the error code
import { SignalClient } from './signal.mjs';
import { TurnClient, restCredentials, SECRET, nowUnix } from './turn.mjs';

const [mode, ...rest] = process.argv.slice(2);
const results = [];
const open = [];
if (mode === 'signal') {
  const [url, ...addresses] = rest;
  for (const [index, address] of addresses.entries()) {
    const client = await SignalClient.open(`${url}?id=from-${index}`, { localAddress: address });
    open.push(() => client.terminate());
    const first = await client.next((m) => m.type === 'welcome' || m.type === 'error');
    results.push({ address, type: first.type, code: first.code });
  }
} else if (mode === 'turn') {
  const [host, port, ...addresses] = rest;
  for (const [index, address] of addresses.entries()) {
    const client = await TurnClient.connect({ host, port: Number(port), localAddress: address });
    open.push(() => client.close());
    const answer = await client.allocate(restCredentials(SECRET, `from-${index}`, nowUnix() + 600));
    results.push({ address, success: answer.success, code: answer.code });
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(results));
await Promise.all(open.map((close) => close()));
process.exit(0);
