// A few STUN messages built by hand for the raw-socket tests: deliberately independent of
// iceway's own codec, so a bug there cannot hide in both the server and the test.
import { randomBytes } from 'node:crypto';

export const MAGIC = 0x2112a442;

export function message(type, attributes = [], transactionId = randomBytes(12)) {
  const body = Buffer.concat(attributes.map(([t, value]) => {
    const header = Buffer.alloc(4);
    header.writeUInt16BE(t, 0);
    header.writeUInt16BE(value.length, 2);
    const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
    return Buffer.concat([header, value, pad]);
  }));
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(body.length, 2);
  header.writeUInt32BE(MAGIC, 4);
  transactionId.copy(header, 8);
  return Buffer.concat([header, body]);
}

export const bindingRequest = (attributes = [], id) => message(0x0001, attributes, id);

export function parse(buffer) {
  const type = buffer.readUInt16BE(0);
  const length = buffer.readUInt16BE(2);
  const attributes = new Map();
  for (let offset = 20; offset + 4 <= 20 + length;) {
    const t = buffer.readUInt16BE(offset);
    const l = buffer.readUInt16BE(offset + 2);
    if (!attributes.has(t)) attributes.set(t, buffer.subarray(offset + 4, offset + 4 + l));
    offset += 4 + l + ((4 - (l % 4)) % 4);
  }
  return { type, length, transactionId: buffer.subarray(8, 20), attributes };
}

export function errorCode(parsed) {
  const value = parsed.attributes.get(0x0009);
  return value ? value[2] * 100 + value[3] : undefined;
}

// XOR-MAPPED-ADDRESS (0x0020) as { family, address, port }.
export const xorMappedAddress = (parsed) => xorAddress(parsed, 0x0020);

// Any XOR-encoded address attribute (XOR-MAPPED 0x0020, XOR-PEER 0x0012, XOR-RELAYED 0x0016)
// as { family, address, port }; IPv6 addresses come out uncompressed ("0:0:0:0:0:0:0:1").
export function xorAddress(parsed, type) {
  const value = parsed.attributes.get(type);
  if (!value) return undefined;
  const family = value[1];
  const port = value.readUInt16BE(2) ^ (MAGIC >>> 16);
  if (family === 1) {
    const a = value.readUInt32BE(4) ^ MAGIC;
    return { family: 4, address: [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.'), port };
  }
  const key = Buffer.concat([Buffer.from([0x21, 0x12, 0xa4, 0x42]), parsed.transactionId]);
  const bytes = Buffer.from(value.subarray(4, 20).map((b, i) => b ^ key[i]));
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return { family: 6, address: groups.join(':'), port };
}
