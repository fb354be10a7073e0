import type { EmulatorContext } from '../context.js';
import { ErrorCode, KmsError, marshall } from '../errors.js';
import {
  applyAnswer,
  buildAnswer,
  buildOffer,
  hostCandidates,
  type EndpointModes,
  type NegotiatedMedia,
} from '../sdp-negotiation.js';
import { newIdentity, parseSdp, SdpParseError, type LocalIdentity, type Sdp } from '../sdp.js';
import { complex, isObject, operationParams, reqString } from '../util.js';
import { recomputeFlows, type FlowKind } from './flow.js';
import { ELEMENT_PROPS, MediaElement } from './media-element.js';
import { props, type PropTable } from './media-object.js';
import type { MediaPipeline } from './pipeline.js';

const WEBRTC_PROPS = props(ELEMENT_PROPS, {
  // SdpEndpoint
  MaxAudioRecvBandwidth: { kind: 'int', dflt: 0 },
  MaxVideoRecvBandwidth: { kind: 'int', dflt: 0 },
  // BaseRtpEndpoint
  MinVideoRecvBandwidth: { kind: 'int', dflt: 100 },
  MinVideoSendBandwidth: { kind: 'int', dflt: 100 },
  MaxVideoSendBandwidth: { kind: 'int', dflt: 500 },
  Mtu: { kind: 'int', dflt: 1200 },
  RembParams: { kind: 'object', dflt: complex('RembParams', {}) },
  // WebRtcEndpoint
  NetworkInterfaces: { kind: 'string', dflt: '' },
  IceTcp: { kind: 'boolean', dflt: true },
  StunServerAddress: { kind: 'string', dflt: '' },
  StunServerPort: { kind: 'int', dflt: 3478 },
  TurnUrl: { kind: 'string', dflt: '' },
  ExternalIPv4: { kind: 'string', dflt: '' },
  ExternalIPv6: { kind: 'string', dflt: '' },
});

/** Delay between "ICE can succeed" and the emulated connection events: long enough to follow the response. */
const ICE_CONNECT_DELAY_MS = 10;
let nextPort = 40000;

function parseOrThrow(text: unknown, what: 'offer' | 'answer'): Sdp {
  if (text === '') throw new KmsError(ErrorCode.SDP_PARSE_ERROR, `Empty ${what} not valid`);
  try {
    return parseSdp(text as string);
  } catch (e) {
    if (e instanceof SdpParseError) throw new KmsError(ErrorCode.SDP_PARSE_ERROR, 'Error parsing SDP');
    throw e;
  }
}

export class WebRtcEndpoint extends MediaElement {
  private identity: LocalIdentity | undefined;
  private local: string | undefined;
  private remote: string | undefined;
  private offerInProcess = false;
  private offerGenerated = false;
  private answerProcessed = false;
  private media: NegotiatedMedia[] = [];
  private gatherRequested = false;
  private gathered = false;
  private firstRemoteCandidate: string | undefined;
  private remoteSdpHasCandidates = false;
  private iceTimer: NodeJS.Timeout | undefined;
  private connected = false;
  private localCandidate = '';
  private readonly port = 40000 + (nextPort++ % 20000);

  constructor(
    ctx: EmulatorContext,
    pipeline: MediaPipeline,
    readonly modes: EndpointModes,
  ) {
    super(ctx, 'WebRtcEndpoint', pipeline);
  }

  protected override get propTable(): PropTable {
    return WEBRTC_PROPS;
  }

  override producedMedia(): readonly FlowKind[] {
    if (!this.connected) return [];
    const out: FlowKind[] = [];
    for (const m of this.media) {
      if (!m.accepted || !m.remoteSends) continue;
      if (m.kind === 'audio') out.push('AUDIO');
      else if (m.kind === 'video') out.push('VIDEO');
    }
    return out;
  }

  private get hasRtp(): boolean {
    return this.media.some((m) => m.accepted && m.kind !== 'application');
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'processOffer':
        return this.processOffer(reqString(operationParams(raw, true), 'offer'));
      case 'processAnswer':
        return this.processAnswer(reqString(operationParams(raw, true), 'answer'));
      case 'generateOffer':
        return this.generateOffer(operationParams(raw, false).options);
      case 'getLocalSessionDescriptor':
        if (this.local === undefined) throw new KmsError(ErrorCode.SDP_END_POINT_NO_LOCAL_SDP_ERROR, 'No local SDP');
        return this.local;
      case 'getRemoteSessionDescriptor':
        if (this.remote === undefined) throw new KmsError(ErrorCode.SDP_END_POINT_NO_REMOTE_SDP_ERROR, 'No remote SDP');
        return this.remote;
      case 'gatherCandidates':
        this.gatherCandidates();
        return null;
      case 'addIceCandidate':
        this.addIceCandidate(operationParams(raw, true).candidate);
        return null;
      case 'getMediaState':
        return this.connected && this.hasRtp ? 'CONNECTED' : 'DISCONNECTED';
      case 'getConnectionState':
        return this.connected ? 'CONNECTED' : 'DISCONNECTED';
      case 'getICECandidatePairs':
        return this.connected ? [this.candidatePair()] : [];
      case 'getIceConnectionState':
        return this.connected ? [complex('IceConnection', { streamId: '1', componentId: 1, state: 'READY' })] : [];
      case 'getDtlsConnectionState':
        return this.connected
          ? [complex('DtlsConnection', { streamId: '1', componentId: '1', connectionId: '1', state: 'CONNECTED' })]
          : [];
      case 'requestKeyframe':
        return null;
      case 'createDataChannel':
      case 'closeDataChannel':
        if (!this.modes.useDataChannels) {
          throw new KmsError(ErrorCode.MEDIA_OBJECT_OPERATION_NOT_SUPPORTED, 'Data channels are not supported');
        }
        return null;
      default:
        return super.invoke(op, raw);
    }
  }

  private processOffer(offer: string): string {
    const parsed = parseOrThrow(offer, 'offer');
    // generateOffer and processOffer share one "negotiation started" flag in KMS's SdpEndpoint.
    if (this.offerInProcess) {
      throw new KmsError(ErrorCode.SDP_END_POINT_ALREADY_NEGOTIATED, 'Endpoint already negotiated');
    }
    this.offerInProcess = true;
    const { sdp, media } = buildAnswer(parsed, (this.identity ??= newIdentity()), this.modes);
    this.local = sdp;
    this.remote = offer;
    this.media = media;
    this.remoteSdpHasCandidates = parsed.hasCandidates;
    this.emit('MediaSessionStarted');
    if (this.gatherRequested && !this.gathered) this.gather();
    this.maybeConnect();
    return sdp;
  }

  private generateOffer(options: unknown): string {
    if (this.offerInProcess) {
      throw new KmsError(ErrorCode.SDP_END_POINT_ALREADY_NEGOTIATED, 'Endpoint already negotiated');
    }
    const o = isObject(options) ? options : {};
    this.offerInProcess = true;
    this.offerGenerated = true;
    const { sdp, media } = buildOffer((this.identity ??= newIdentity()), {
      ...this.modes,
      audio: o.offerToReceiveAudio !== false,
      video: o.offerToReceiveVideo !== false,
    });
    this.local = sdp;
    this.media = media;
    if (this.gatherRequested && !this.gathered) this.gather();
    return sdp;
  }

  private processAnswer(answer: string): string {
    const parsed = parseOrThrow(answer, 'answer');
    if (!this.offerGenerated) {
      throw new KmsError(
        ErrorCode.SDP_END_POINT_NOT_OFFER_GENERATED,
        'Offer not generated. It is not possible to process an answer.',
      );
    }
    if (this.answerProcessed) {
      throw new KmsError(ErrorCode.SDP_END_POINT_ANSWER_ALREADY_PROCCESED, 'Sdp Answer already processed');
    }
    this.answerProcessed = true;
    this.remote = answer;
    this.media = applyAnswer(this.media, parsed);
    this.remoteSdpHasCandidates = parsed.hasCandidates;
    this.emit('MediaSessionStarted');
    this.maybeConnect();
    return this.local!;
  }

  private gatherCandidates(): void {
    if (this.gatherRequested) return;
    this.gatherRequested = true;
    // Before any SDP exists there is no ICE agent yet; candidates follow as soon as negotiation starts.
    if (this.local !== undefined) this.gather();
  }

  private gather(): void {
    this.gathered = true;
    this.emit('IceComponentStateChanged', { streamId: 1, componentId: 1, state: 'GATHERING' });
    const candidates = hostCandidates(this.media, this.port);
    this.localCandidate = candidates[0]?.candidate ?? '';
    for (const c of candidates) this.emit('IceCandidateFound', { candidate: complex('IceCandidate', c) });
    this.emit('IceGatheringDone');
    this.maybeConnect();
  }

  private addIceCandidate(candidate: unknown): void {
    if (!isObject(candidate) || typeof candidate.candidate !== 'string') {
      throw marshall("'candidate' parameter should be a IceCandidate");
    }
    const c = candidate.candidate;
    if (c === '') return; // end-of-candidates marker
    if (!c.startsWith('candidate:')) throw new KmsError(ErrorCode.ICE_ADD_CANDIDATE_ERROR, 'Error adding candidate');
    this.firstRemoteCandidate ??= c;
    this.maybeConnect();
  }

  /** ICE "succeeds" once both descriptions exist, we gathered, and the peer gave us a candidate (trickled or in SDP). */
  private maybeConnect(): void {
    if (this.connected || this.iceTimer || this.released) return;
    if (this.remote === undefined || !this.gathered) return;
    if (this.firstRemoteCandidate === undefined && !this.remoteSdpHasCandidates) return;
    this.iceTimer = this.ctx.timers.set(() => this.iceConnected(), ICE_CONNECT_DELAY_MS);
  }

  private candidatePair(): unknown {
    return complex('IceCandidatePair', {
      streamId: '1',
      componentId: 1,
      localCandidate: this.localCandidate,
      remoteCandidate: this.firstRemoteCandidate ?? 'candidate:1 1 UDP 2122260223 127.0.0.1 9 typ host',
    });
  }

  private iceConnected(): void {
    this.iceTimer = undefined;
    if (this.released) return;
    this.connected = true;
    for (const state of ['CONNECTING', 'CONNECTED']) {
      this.emit('IceComponentStateChanged', { streamId: 1, componentId: 1, state });
    }
    this.emit('NewCandidatePairSelected', { candidatePair: this.candidatePair() });
    this.emit('IceComponentStateChanged', { streamId: 1, componentId: 1, state: 'READY' });
    for (const state of ['CONNECTING', 'CONNECTED']) {
      this.emit('DtlsConnectionStateChange', { streamId: '1', componentId: '1', connectionId: '1', state });
    }
    this.emit('ConnectionStateChanged', { oldState: 'DISCONNECTED', newState: 'CONNECTED' });
    if (this.hasRtp) this.emit('MediaStateChanged', { oldState: 'DISCONNECTED', newState: 'CONNECTED' });
    recomputeFlows(this.mediaPipeline);
  }

  override onRelease(silent: boolean): void {
    this.ctx.timers.clear(this.iceTimer);
    this.iceTimer = undefined;
    super.onRelease(silent);
  }
}
