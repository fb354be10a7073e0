// Static type information taken from Kurento's 7.x kmd files (core, elements, filters): class hierarchy,
// which module ships each factory, and which events each class can be subscribed to.

export type ModuleName = 'core' | 'elements' | 'filters';

interface ClassInfo {
  extends?: string;
  abstract?: boolean;
  module: ModuleName;
  events?: readonly string[];
}

const CLASSES: Record<string, ClassInfo> = {
  MediaObject: { abstract: true, module: 'core', events: ['Error'] },
  ServerManager: {
    extends: 'MediaObject',
    abstract: true,
    module: 'core',
    events: ['ObjectCreated', 'ObjectDestroyed'],
  },
  MediaPipeline: { extends: 'MediaObject', module: 'core' },
  Hub: { extends: 'MediaObject', abstract: true, module: 'core' },
  MediaElement: {
    extends: 'MediaObject',
    abstract: true,
    module: 'core',
    events: [
      'ElementConnected',
      'ElementDisconnected',
      'MediaFlowOutStateChanged',
      'MediaFlowInStateChanged',
      'MediaTranscodingStateChanged',
    ],
  },
  HubPort: { extends: 'MediaElement', module: 'core' },
  PassThrough: { extends: 'MediaElement', module: 'core' },
  Endpoint: { extends: 'MediaElement', abstract: true, module: 'core' },
  Filter: { extends: 'MediaElement', abstract: true, module: 'core' },
  SessionEndpoint: {
    extends: 'Endpoint',
    abstract: true,
    module: 'core',
    events: ['MediaSessionTerminated', 'MediaSessionStarted'],
  },
  SdpEndpoint: { extends: 'SessionEndpoint', abstract: true, module: 'core' },
  BaseRtpEndpoint: {
    extends: 'SdpEndpoint',
    abstract: true,
    module: 'core',
    events: ['MediaStateChanged', 'ConnectionStateChanged'],
  },
  UriEndpoint: { extends: 'Endpoint', abstract: true, module: 'core', events: ['UriEndpointStateChanged'] },
  WebRtcEndpoint: {
    extends: 'BaseRtpEndpoint',
    module: 'elements',
    events: [
      'IceCandidateFound',
      'IceGatheringDone',
      'IceComponentStateChanged',
      'DtlsConnectionStateChange',
      'DataChannelOpened',
      'DataChannelClosed',
      'NewCandidatePairSelected',
    ],
  },
  RecorderEndpoint: { extends: 'UriEndpoint', module: 'elements', events: ['Recording', 'Paused', 'Stopped'] },
  PlayerEndpoint: { extends: 'UriEndpoint', module: 'elements', events: ['EndOfStream'] },
  Composite: { extends: 'Hub', module: 'elements' },
  FaceOverlayFilter: { extends: 'Filter', module: 'filters' },
  GStreamerFilter: { extends: 'Filter', module: 'filters' },
  ImageOverlayFilter: { extends: 'Filter', module: 'filters' },
  ZBarFilter: { extends: 'Filter', module: 'filters', events: ['CodeFound'] },
};

export interface TypeInfo {
  readonly type: string;
  readonly qualifiedType: string;
  /** Qualified ancestors, nearest first, as `describe` returns them. */
  readonly hierarchy: readonly string[];
  readonly module: ModuleName;
  readonly events: ReadonlySet<string>;
  readonly abstract: boolean;
}

const INFO = new Map<string, TypeInfo>();
for (const type of Object.keys(CLASSES)) {
  const hierarchy: string[] = [];
  const events = new Set<string>();
  let cur: string | undefined = type;
  while (cur) {
    const c: ClassInfo = CLASSES[cur];
    if (cur !== type) hierarchy.push(`kurento.${cur}`);
    for (const e of c.events ?? []) events.add(e);
    cur = c.extends;
  }
  const c = CLASSES[type];
  INFO.set(type, {
    type,
    qualifiedType: `kurento.${type}`,
    hierarchy,
    module: c.module,
    events,
    abstract: c.abstract === true,
  });
}

export function typeInfo(type: string): TypeInfo {
  const t = INFO.get(type);
  if (!t) throw new Error(`no type info for ${type}`);
  return t;
}

/** Concrete classes the emulator can create, per module (what getInfo reports as factories). */
export function factoriesOf(module: ModuleName): string[] {
  return [...INFO.values()].filter((t) => !t.abstract && t.module === module).map((t) => t.type);
}

export const MODULES: readonly ModuleName[] = ['core', 'elements', 'filters'];

export function isA(type: string, ancestor: string): boolean {
  return type === ancestor || typeInfo(type).hierarchy.includes(`kurento.${ancestor}`);
}

/** A reduced kmd (class tree and events only): enough for tooling that inspects getKmd, and honest about it. */
export function kmdOf(module: ModuleName, version: string): string {
  const remoteClasses = Object.entries(CLASSES)
    .filter(([, c]) => c.module === module)
    .map(([name, c]) => ({
      name,
      ...(c.extends ? { extends: c.extends } : {}),
      abstract: c.abstract === true,
      events: c.events ?? [],
    }));
  return JSON.stringify({
    name: module,
    version,
    kurentoVersion: version,
    imports: module === 'core' ? [] : [{ name: 'core', version: `^${version}` }],
    code: { api: { js: { nodeName: `kurento-client-${module}`, npmVersion: version } } },
    remoteClasses,
    complexTypes: [],
    events: [],
    emulator: 'reduced descriptor produced by the Kurento media server emulator',
  });
}
