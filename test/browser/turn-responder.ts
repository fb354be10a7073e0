// The authentication half of a TURN server (RFC 5766 Allocate over UDP, RFC 5389 long-term
// credentials), enough to see whether a real browser's TURN client proves the key a coturn would
// look up: the first Allocate gets 401 with REALM and NONCE; the authenticated one has its
// MESSAGE-INTEGRITY checked with the key `keyFor(username)` returns (coturn: the redis user key) and,
// when it holds, is answered with a signed success so the browser gathers a relay candidate.
// Binding requests get their mapped address.
import { createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

const MAGIC = 0x2112a442;
const BINDING = 0x0001;
const ALLOCATE = 0x0003;
const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  LIFETIME: 0x000d,
  REALM: 0x0014,
  NONCE: 0x0015,
  XOR_RELAYED_ADDRESS: 0x0016,
  XOR_MAPPED_ADDRESS: 0x0020,
} as const;

export interface AuthenticatedAllocate {
  username: string;
  realm: string;
  /** The MESSAGE-INTEGRITY held with the key coturn would have used. */
  verified: boolean;
}

export interface TurnResponder {
  host: string;
  allocates: AuthenticatedAllocate[];
  close(): Promise<void>;
}

interface Attr {
  type: number;
  value: Buffer;
  offset: number;
}

function attributes(msg: Buffer): Attr[] {
  const out: Attr[] = [];
  let at = 20;
  const end = Math.min(msg.length, 20 + msg.readUInt16BE(2));
  while (at + 4 <= end) {
    const type = msg.readUInt16BE(at);
    const len = msg.readUInt16BE(at + 2);
    if (at + 4 + len > end) break;
    out.push({ type, value: msg.subarray(at + 4, at + 4 + len), offset: at });
    at += 4 + len + ((4 - (len % 4)) % 4);
  }
  return out;
}

function attr(type: number, value: Buffer): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(value.length, 2);
  return Buffer.concat([head, value, Buffer.alloc(pad)]);
}

function xorAddress(ip: string, port: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(0x01, 1);
  b.writeUInt16BE(port ^ (MAGIC >>> 16), 2);
  const n = ip.split('.').reduce((acc, o) => (acc << 8) | Number(o), 0) >>> 0;
  b.writeUInt32BE((n ^ MAGIC) >>> 0, 4);
  return b;
}

/** The HMAC-SHA1 of the message up to the MESSAGE-INTEGRITY at `miOffset`, length field covering it (RFC 5389 §15.4). */
function integrity(msg: Buffer, miOffset: number, key: Buffer): Buffer {
  const head = Buffer.from(msg.subarray(0, miOffset));
  head.writeUInt16BE(miOffset - 20 + 24, 2);
  return createHmac('sha1', key).update(head).digest();
}

function message(type: number, txid: Buffer, attrs: Buffer[], key?: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC, 4);
  txid.copy(header, 8);
  let msg = Buffer.concat([header, ...attrs]);
  msg.writeUInt16BE(msg.length - 20, 2);
  if (key) {
    const mi = integrity(msg, msg.length, key);
    msg = Buffer.concat([msg, attr(ATTR.MESSAGE_INTEGRITY, mi)]);
    msg.writeUInt16BE(msg.length - 20, 2);
  }
  return msg;
}

/**
 * Listens on udp `<random 127.x.y.z>:3478` (openvidu-browser always dials port 3478 of the token's
 * host; a random loopback address keeps parallel runs apart). `keyFor` gives the 16-byte long-term
 * key of a username, or undefined for an unknown user (coturn then answers 401 again).
 */
export async function startTurnResponder(
  realm: string,
  keyFor: (username: string) => Buffer | undefined,
): Promise<TurnResponder> {
  const nonce = randomBytes(8).toString('hex');
  const allocates: AuthenticatedAllocate[] = [];
  let socket: Socket | undefined;
  let host = '';
  for (let attempt = 0; !socket; attempt++) {
    host = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
    const s = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(3478, host, () => resolve());
      });
      socket = s;
    } catch (e) {
      s.close();
      if (attempt > 20) throw e;
    }
  }
  const sock = socket;
  sock.on('error', () => undefined);
  sock.on('message', (msg, from) => {
    if (msg.length < 20 || msg.readUInt32BE(4) !== MAGIC) return;
    const txid = msg.subarray(8, 20);
    if (msg.readUInt16BE(0) === BINDING) {
      // The stun: server openvidu-browser lists beside the TURN one: answered so gathering ends.
      sock.send(
        message(0x0101, txid, [attr(ATTR.XOR_MAPPED_ADDRESS, xorAddress(from.address, from.port))]),
        from.port,
        from.address,
      );
      return;
    }
    if (msg.readUInt16BE(0) !== ALLOCATE) return;
    const attrs = attributes(msg);
    const get = (t: number) => attrs.find((a) => a.type === t);
    const mi = get(ATTR.MESSAGE_INTEGRITY);
    const username = get(ATTR.USERNAME)?.value.toString('utf8');
    const reject401 = () => {
      const code = Buffer.concat([Buffer.from([0, 0, 4, 1]), Buffer.from('Unauthorized')]);
      sock.send(
        message(0x0113, txid, [
          attr(ATTR.ERROR_CODE, code),
          attr(ATTR.REALM, Buffer.from(realm)),
          attr(ATTR.NONCE, Buffer.from(nonce)),
        ]),
        from.port,
        from.address,
      );
    };
    if (!mi || username === undefined) return reject401();
    const key = keyFor(username);
    const verified = !!key && integrity(msg, mi.offset, key).equals(mi.value);
    allocates.push({ username, realm: get(ATTR.REALM)?.value.toString('utf8') ?? '', verified });
    if (!verified || !key) return reject401();
    const lifetime = Buffer.alloc(4);
    lifetime.writeUInt32BE(600, 0);
    sock.send(
      message(
        0x0103,
        txid,
        [
          attr(ATTR.XOR_RELAYED_ADDRESS, xorAddress(host, 50000)),
          attr(ATTR.XOR_MAPPED_ADDRESS, xorAddress(from.address, from.port)),
          attr(ATTR.LIFETIME, lifetime),
        ],
        key,
      ),
      from.port,
      from.address,
    );
  });
  return {
    host,
    allocates,
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
