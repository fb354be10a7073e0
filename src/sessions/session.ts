import type { HostedSession, Placement } from './media-placement.js';
import type { Participant } from './participant.js';
import type { SessionProperties, Token } from './session.types.js';

type Json = Record<string, unknown>;

/**
 * `idle`: created through REST, nobody joined yet ("not active" in OpenVidu); `active`: placed on a
 * media server; `closing`: participants are being evicted; `closed`: gone from the registry.
 */
export type SessionState = 'idle' | 'active' | 'closing' | 'closed';

/**
 * One OpenVidu session. Mutated only by SessionsService (and its teardown); everyone else reads.
 * Whatever changes what `toJson()` shows must call `changed()`: the list routes reuse the JSON text.
 */
export class Session implements HostedSession {
  state: SessionState = 'idle';
  /** When the first participant joined (CDR `sessionCreated` fires then). */
  activatedAt: number | null = null;
  placement: Placement | null = null;
  /** True while a recording of this session is in progress (set by the recording module). */
  recording = false;
  /** Participants in join order; the hidden RECORDER included. */
  readonly participants = new Map<string, Participant>();
  /** Tokens by their 16-character value; a consumed token stays until its participant leaves. */
  readonly tokens = new Map<string, Token & { consumedBy: string | null }>();

  constructor(
    readonly sessionId: string,
    readonly createdAt: number,
    readonly properties: Readonly<SessionProperties>,
    private readonly closer: (session: Session, reason: 'mediaServerDisconnect') => void,
  ) {}

  get mediaServerId(): string | null {
    return this.placement?.mediaServerId ?? null;
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  /** Participants other than the hidden RECORDER. */
  visibleParticipants(): Participant[] {
    return [...this.participants.values()].filter((p) => !p.recorder);
  }

  findStream(streamId: string): Participant | undefined {
    for (const p of this.participants.values()) if (p.publisher?.streamId === streamId) return p;
    return undefined;
  }

  /** Publishers plus subscribers: the pool's `streams` load figure. */
  streamCount(): number {
    let n = 0;
    for (const p of this.participants.values()) n += (p.publisher ? 1 : 0) + p.subscriptions.size;
    return n;
  }

  /** `toJson()` as text, kept until the next `changed()`: a list of thousands of sessions costs a join. */
  private text: string | undefined;

  changed(): void {
    this.text = undefined;
  }

  /** `JSON.stringify(this.toJson())`, computed once per change. */
  jsonText(): string {
    return (this.text ??= JSON.stringify(this.toJson()));
  }

  /** Session#sharedJson (docs/openvidu-api.md §2.1), key order and presence rules included. */
  toJson(withStats = false): Json {
    const props = this.properties;
    const json: Json = {
      sessionId: this.sessionId,
      createdAt: this.createdAt,
      mediaMode: props.mediaMode,
      recordingMode: props.recordingMode,
      defaultOutputMode: props.defaultOutputMode,
    };
    if (props.defaultOutputMode === 'COMPOSED') {
      json.defaultRecordingLayout = props.defaultRecordingLayout;
      if (props.defaultRecordingLayout === 'CUSTOM') json.defaultCustomLayout = props.defaultCustomLayout;
    }
    json.customSessionId = props.customSessionId;
    const content = this.visibleParticipants().map((p) => p.toJson(withStats));
    json.connections = { numberOfElements: content.length, content };
    json.recording = this.recording;
    return json;
  }

  close(reason: 'mediaServerDisconnect'): Promise<void> {
    this.closer(this, reason);
    return Promise.resolve();
  }
}
