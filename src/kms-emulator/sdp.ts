// Just enough SDP parsing to negotiate like KMS's WebRtcEndpoint, and the local identity (ICE credentials,
// DTLS fingerprint) an endpoint puts in its descriptions. Building answers and offers: sdp-negotiation.ts.
import { randomBytes, randomInt } from 'node:crypto';

export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS = new Set<string>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

export interface SdpMedia {
  kind: string;
  port: number;
  proto: string;
  formats: string[];
  mid: string | undefined;
  direction: Direction;
  rtpmap: Map<string, string>;
  fmtp: Map<string, string>;
  rtcpFb: Map<string, string[]>;
  extmap: string[];
  rtcpMux: boolean;
  rtcpRsize: boolean;
  hasCandidates: boolean;
  maxMessageSize: string | undefined;
}

export interface Sdp {
  bundle: boolean;
  media: SdpMedia[];
  hasCandidates: boolean;
}

export class SdpParseError extends Error {}

export function parseSdp(text: string): Sdp {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0 || !/^v=0\s*$/.test(lines[0])) throw new SdpParseError('SDP must start with v=0');
  const sdp: Sdp = { bundle: false, media: [], hasCandidates: false };
  let sessionDirection: Direction = 'sendrecv';
  let cur: SdpMedia | undefined;
  for (const line of lines) {
    if (!/^[a-z]=/.test(line)) throw new SdpParseError(`Malformed SDP line: ${line.slice(0, 40)}`);
    const value = line.slice(2).trim();
    if (line[0] === 'm') {
      const m = /^(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(value);
      if (!m) throw new SdpParseError(`Malformed m-line: ${value}`);
      cur = {
        kind: m[1],
        port: Number(m[2]),
        proto: m[3],
        formats: (m[4] ?? '').split(' ').filter(Boolean),
        mid: undefined,
        direction: sessionDirection,
        rtpmap: new Map(),
        fmtp: new Map(),
        rtcpFb: new Map(),
        extmap: [],
        rtcpMux: false,
        rtcpRsize: false,
        hasCandidates: false,
        maxMessageSize: undefined,
      };
      sdp.media.push(cur);
      continue;
    }
    if (line[0] !== 'a') continue;
    const colon = value.indexOf(':');
    const name = colon < 0 ? value : value.slice(0, colon);
    const arg = colon < 0 ? '' : value.slice(colon + 1);
    if (!cur) {
      if (name === 'group' && arg.startsWith('BUNDLE')) sdp.bundle = true;
      else if (DIRECTIONS.has(name)) sessionDirection = name as Direction;
      continue;
    }
    parseMediaAttribute(cur, name, arg);
    if (name === 'candidate') sdp.hasCandidates = true;
  }
  return sdp;
}

function parseMediaAttribute(m: SdpMedia, name: string, arg: string): void {
  const sp = arg.indexOf(' ');
  const pt = sp < 0 ? arg : arg.slice(0, sp);
  const rest = sp < 0 ? '' : arg.slice(sp + 1);
  if (DIRECTIONS.has(name)) m.direction = name as Direction;
  else if (name === 'mid') m.mid = arg;
  else if (name === 'rtpmap') m.rtpmap.set(pt, rest);
  else if (name === 'fmtp') m.fmtp.set(pt, rest);
  else if (name === 'rtcp-fb') m.rtcpFb.set(pt, [...(m.rtcpFb.get(pt) ?? []), rest]);
  else if (name === 'extmap') m.extmap.push(arg);
  else if (name === 'rtcp-mux') m.rtcpMux = true;
  else if (name === 'rtcp-rsize') m.rtcpRsize = true;
  else if (name === 'candidate') m.hasCandidates = true;
  else if (name === 'max-message-size') m.maxMessageSize = arg;
}

export interface LocalIdentity {
  iceUfrag: string;
  icePwd: string;
  fingerprint: string;
  sessionId: string;
  cname: string;
  streamId: string;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function token(len: number): string {
  const bytes = randomBytes(len);
  let s = '';
  for (let i = 0; i < len; i++) s += ALNUM[bytes[i] % ALNUM.length];
  return s;
}

export function newIdentity(): LocalIdentity {
  const fp = randomBytes(32).toString('hex').toUpperCase().match(/../g) ?? [];
  return {
    iceUfrag: token(4),
    icePwd: token(22),
    fingerprint: `sha-256 ${fp.join(':')}`,
    sessionId: String(randomInt(1_000_000_000, 2_000_000_000)),
    cname: token(16),
    streamId: token(36),
  };
}
