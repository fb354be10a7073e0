// Offer/answer as KMS's WebRtcEndpoint does it: mirror the offer's m-lines in an answer with our own ICE
// credentials and DTLS fingerprint, or produce an offer. No media is ever exchanged, so candidates point at
// loopback and exist only to drive the signalling.
import type { Direction, LocalIdentity, Sdp, SdpMedia } from './sdp.js';

/** The codecs KMS 7 enables by default (SdpEndpoint.conf.json); everything else is left out of the answer. */
const SUPPORTED_CODECS: Record<string, ReadonlySet<string>> = {
  audio: new Set(['opus', 'pcmu', 'pcma', 'amr']),
  video: new Set(['vp8', 'vp9', 'h264', 'h265', 'av1']),
};
const SUPPORTED_FEEDBACK = new Set(['goog-remb', 'ccm fir', 'nack', 'nack pli']);
const SUPPORTED_EXTMAPS = ['abs-send-time', 'sdes:mid'];

/** What was agreed for one m-line, in offer order. */
export interface NegotiatedMedia {
  kind: string;
  mid: string;
  accepted: boolean;
  /** The peer sends this media to us: the endpoint is a source of it inside the pipeline. */
  remoteSends: boolean;
  localSends: boolean;
}

export interface EndpointModes {
  recvonly: boolean;
  sendonly: boolean;
  useDataChannels: boolean;
}

function answerDirection(offered: Direction, modes: EndpointModes): { dir: Direction; recv: boolean; send: boolean } {
  const recv = (offered === 'sendrecv' || offered === 'sendonly') && !modes.sendonly;
  const send = (offered === 'sendrecv' || offered === 'recvonly') && !modes.recvonly;
  const dir: Direction = send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
  return { dir, recv, send };
}

function sessionHeader(id: LocalIdentity, mids: string[], bundle: boolean, sends: boolean): string[] {
  const out = [
    'v=0',
    `o=- ${id.sessionId} ${id.sessionId} IN IP4 0.0.0.0`,
    's=Kurento Media Server',
    'c=IN IP4 0.0.0.0',
    't=0 0',
    'a=tool:kms-emulator (signalling only, no media)',
  ];
  if (sends) out.push(`a=msid-semantic: WMS ${id.streamId}`);
  if (bundle && mids.length) out.push(`a=group:BUNDLE ${mids.join(' ')}`);
  return out;
}

function transportLines(id: LocalIdentity, setup: 'active' | 'actpass'): string[] {
  return [
    `a=ice-ufrag:${id.iceUfrag}`,
    `a=ice-pwd:${id.icePwd}`,
    `a=fingerprint:${id.fingerprint}`,
    `a=setup:${setup}`,
  ];
}

function ssrcLines(id: LocalIdentity, kind: string, index: number): string[] {
  const ssrc = 100000 + index * 7919 + (Number(id.sessionId) % 100000);
  const track = `${id.streamId.slice(0, 8)}-${kind}`;
  return [`a=msid:${id.streamId} ${track}`, `a=ssrc:${ssrc} cname:${id.cname}`];
}

/** Builds KMS's answer to an offer: same m-lines in the same order, unsupported ones rejected with port 0. */
export function buildAnswer(
  offer: Sdp,
  id: LocalIdentity,
  modes: EndpointModes,
): { sdp: string; media: NegotiatedMedia[] } {
  const taken = new Set<string>();
  const media: NegotiatedMedia[] = [];
  const body: string[] = [];
  offer.media.forEach((m, index) => {
    const mid = m.mid ?? String(index);
    const isRtp = m.kind === 'audio' || m.kind === 'video';
    const isData = m.kind === 'application' && m.proto.includes('SCTP');
    // KMS accepts one audio, one video and (when enabled) one data m-line; numAudioMedias/numVideoMedias = 1.
    const pts = isRtp ? m.formats.filter((pt) => codecSupported(m, pt)) : [];
    const ok = m.port !== 0 && !taken.has(m.kind) && ((isRtp && pts.length > 0) || (isData && modes.useDataChannels));
    if (!ok) {
      media.push({ kind: m.kind, mid, accepted: false, remoteSends: false, localSends: false });
      body.push(`m=${m.kind} 0 ${m.proto} ${m.formats[0] ?? '0'}`, `a=mid:${mid}`, 'a=inactive');
      return;
    }
    taken.add(m.kind);
    if (isData) {
      media.push({ kind: m.kind, mid, accepted: true, remoteSends: false, localSends: false });
      body.push(`m=application 1 ${m.proto} ${m.formats.join(' ')}`, `a=mid:${mid}`, ...transportLines(id, 'active'));
      if (m.proto.startsWith('UDP/')) body.push('a=sctp-port:5000');
      else body.push(`a=sctpmap:${m.formats[0] ?? '5000'} webrtc-datachannel 1024`);
      if (m.maxMessageSize) body.push(`a=max-message-size:${m.maxMessageSize}`);
      return;
    }
    const { dir, recv, send } = answerDirection(m.direction, modes);
    media.push({ kind: m.kind, mid, accepted: true, remoteSends: recv, localSends: send });
    body.push(`m=${m.kind} 1 ${m.proto} ${pts.join(' ')}`, 'a=rtcp:9 IN IP4 0.0.0.0', `a=mid:${mid}`);
    for (const e of m.extmap) if (SUPPORTED_EXTMAPS.some((x) => e.includes(x))) body.push(`a=extmap:${e}`);
    body.push(`a=${dir}`, ...transportLines(id, 'active'));
    if (m.rtcpMux) body.push('a=rtcp-mux');
    if (m.rtcpRsize) body.push('a=rtcp-rsize');
    for (const pt of pts) {
      body.push(`a=rtpmap:${pt} ${m.rtpmap.get(pt) ?? staticCodec(pt)}`);
      const fmtp = m.fmtp.get(pt);
      if (fmtp) body.push(`a=fmtp:${pt} ${fmtp}`);
      for (const fb of m.rtcpFb.get(pt) ?? []) if (SUPPORTED_FEEDBACK.has(fb)) body.push(`a=rtcp-fb:${pt} ${fb}`);
    }
    if (send) body.push(...ssrcLines(id, m.kind, index));
  });
  const mids = media.filter((x) => x.accepted).map((x) => x.mid);
  const head = sessionHeader(
    id,
    mids,
    offer.bundle,
    media.some((x) => x.localSends),
  );
  return { sdp: [...head, ...body].join('\r\n') + '\r\n', media };
}

const STATIC_PT: Record<string, string> = { '0': 'PCMU/8000', '8': 'PCMA/8000' };
const staticCodec = (pt: string): string => STATIC_PT[pt] ?? 'unknown/90000';

function codecSupported(m: SdpMedia, pt: string): boolean {
  const name = (m.rtpmap.get(pt) ?? STATIC_PT[pt] ?? '').split('/')[0].toLowerCase();
  return SUPPORTED_CODECS[m.kind]?.has(name) ?? false;
}

export interface OfferOptions extends EndpointModes {
  audio: boolean;
  video: boolean;
}

/** An offer like KMS's generateOffer: BUNDLEd audio/video (and data channel), actpass DTLS role. */
export function buildOffer(id: LocalIdentity, opts: OfferOptions): { sdp: string; media: NegotiatedMedia[] } {
  const dir: Direction = opts.recvonly ? 'recvonly' : opts.sendonly ? 'sendonly' : 'sendrecv';
  const body: string[] = [];
  const media: NegotiatedMedia[] = [];
  const send = dir !== 'recvonly';
  const add = (kind: string, lines: string[]): void => {
    const mid = String(media.length);
    media.push({ kind, mid, accepted: true, remoteSends: false, localSends: kind !== 'application' && send });
    body.push(...lines.map((l) => l.replace('$MID', mid)));
  };
  const fb = (pt: string): string[] => [...SUPPORTED_FEEDBACK].map((f) => `a=rtcp-fb:${pt} ${f}`);
  if (opts.audio) {
    add('audio', [
      'm=audio 1 UDP/TLS/RTP/SAVPF 111 0 8',
      'a=rtcp:9 IN IP4 0.0.0.0',
      'a=mid:$MID',
      `a=${dir}`,
      ...transportLines(id, 'actpass'),
      'a=rtcp-mux',
      'a=rtpmap:111 opus/48000/2',
      'a=fmtp:111 minptime=10;useinbandfec=1',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      ...(send ? ssrcLines(id, 'audio', 0) : []),
    ]);
  }
  if (opts.video) {
    add('video', [
      'm=video 1 UDP/TLS/RTP/SAVPF 96 98',
      'a=rtcp:9 IN IP4 0.0.0.0',
      'a=mid:$MID',
      `a=${dir}`,
      ...transportLines(id, 'actpass'),
      'a=rtcp-mux',
      'a=rtpmap:96 VP8/90000',
      ...fb('96'),
      'a=rtpmap:98 H264/90000',
      'a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      ...fb('98'),
      ...(send ? ssrcLines(id, 'video', 1) : []),
    ]);
  }
  if (opts.useDataChannels) {
    add('application', [
      'm=application 1 UDP/DTLS/SCTP webrtc-datachannel',
      'a=mid:$MID',
      ...transportLines(id, 'actpass'),
      'a=sctp-port:5000',
    ]);
  }
  const head = sessionHeader(
    id,
    media.map((m) => m.mid),
    true,
    send && media.some((m) => m.kind !== 'application'),
  );
  return { sdp: [...head, ...body].join('\r\n') + '\r\n', media };
}

/** Applies a remote answer to the media we offered (same order, as the offer/answer model requires). */
export function applyAnswer(offered: NegotiatedMedia[], answer: Sdp): NegotiatedMedia[] {
  return offered.map((o, i) => {
    const a = answer.media[i];
    if (!a || a.port === 0 || a.kind !== o.kind) {
      return { ...o, accepted: false, remoteSends: false, localSends: false };
    }
    const remoteSends = a.direction === 'sendrecv' || a.direction === 'sendonly';
    const remoteRecvs = a.direction === 'sendrecv' || a.direction === 'recvonly';
    return { ...o, remoteSends: remoteSends && o.kind !== 'application', localSends: o.localSends && remoteRecvs };
  });
}

export interface IceCandidateValue {
  candidate: string;
  sdpMid: string;
  sdpMLineIndex: number;
}

/** Two host candidates (UDP, TCP active) per accepted m-line, on loopback: nothing will ever answer there. */
export function hostCandidates(media: NegotiatedMedia[], udpPort: number): IceCandidateValue[] {
  const out: IceCandidateValue[] = [];
  media.forEach((m, index) => {
    if (!m.accepted) return;
    out.push(
      {
        candidate: `candidate:1 1 UDP 2015363327 127.0.0.1 ${udpPort} typ host`,
        sdpMid: m.mid,
        sdpMLineIndex: index,
      },
      {
        candidate: 'candidate:2 1 TCP 1015021823 127.0.0.1 9 typ host tcptype active',
        sdpMid: m.mid,
        sdpMLineIndex: index,
      },
    );
  });
  return out;
}
