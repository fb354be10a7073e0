import type { EmulatorContext } from '../context.js';
import { ErrorCode, KmsError, marshall } from '../errors.js';
import {
  complex,
  MEDIA_TYPES,
  operationParams,
  optMediaType,
  optString,
  reqMediaType,
  reqString,
  type MediaType,
  type Params,
} from '../util.js';
import { isA } from './catalog.js';
import { recomputeFlows, type FlowKind } from './flow.js';
import { MediaObject, props, type PropTable } from './media-object.js';
import { EMULATED_DOT, type MediaPipeline } from './pipeline.js';

export interface Connection {
  source: MediaElement;
  sink: MediaElement;
  type: MediaType;
  sourceDescription: string;
  sinkDescription: string;
}

export const ELEMENT_PROPS = props(undefined, {
  EncoderBitrate: { kind: 'int', dflt: 300000 },
  MinEncoderBitrate: { kind: 'int', dflt: 0 },
  MaxEncoderBitrate: { kind: 'int', dflt: 0 },
});

export abstract class MediaElement extends MediaObject {
  /** Connections where this element is the source. */
  readonly sinks: Connection[] = [];
  /** Connections where this element is the sink. */
  readonly sources: Connection[] = [];
  /** Media currently reported as flowing (MediaFlowIn/OutStateChanged already sent). */
  readonly flowIn = new Set<FlowKind>();
  readonly flowOut = new Set<FlowKind>();

  constructor(ctx: EmulatorContext, type: string, pipeline: MediaPipeline) {
    super(ctx, type, pipeline);
  }

  get mediaPipeline(): MediaPipeline {
    return this.parent as MediaPipeline;
  }

  protected override get propTable(): PropTable {
    return ELEMENT_PROPS;
  }

  /** Media this element originates by itself (a remote peer, a file being played). */
  producedMedia(): readonly FlowKind[] {
    return [];
  }

  /** Elements that emit whatever arrives at this one: itself for filters, every port of a hub for hub ports. */
  forwardTargets(): readonly MediaElement[] {
    return [];
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'connect':
      case 'disconnect': {
        const p = operationParams(raw, true);
        const sink = this.resolveSink(p);
        const types = this.typesOf(p);
        const src = optString(p, 'sourceMediaDescription', 'default');
        const dst = optString(p, 'sinkMediaDescription', 'default');
        if (op === 'connect') this.connectTo(sink, types, src, dst);
        else this.disconnectFrom(sink, types, src, dst);
        return null;
      }
      case 'getSourceConnections':
        return this.describeConnections(this.sources, operationParams(raw, false), 'sinkDescription');
      case 'getSinkConnections':
        return this.describeConnections(this.sinks, operationParams(raw, false), 'sourceDescription');
      case 'isMediaFlowingIn':
      case 'isMediaFlowingOut': {
        const t = reqMediaType(operationParams(raw, true), 'mediaType');
        if (t === 'DATA') {
          throw new KmsError(
            ErrorCode.MEDIA_OBJECT_ILLEGAL_PARAM_ERROR,
            'Only AUDIO and VIDEO media types are supported',
          );
        }
        return (op === 'isMediaFlowingIn' ? this.flowIn : this.flowOut).has(t);
      }
      case 'isMediaTranscoding':
        reqMediaType(operationParams(raw, true), 'mediaType');
        return false;
      case 'getStats':
        return this.stats(optMediaType(operationParams(raw, false), 'mediaType'));
      case 'getGstreamerDot':
        return EMULATED_DOT;
      case 'setAudioFormat':
      case 'setVideoFormat':
        operationParams(raw, true);
        return null;
      case 'dumpGstreamerDot':
        return null;
      default:
        return super.invoke(op, raw);
    }
  }

  protected stats(_type: MediaType | undefined): Record<string, unknown> {
    return {};
  }

  private resolveSink(p: Params): MediaElement {
    const target = this.ctx.resolve(reqString(p, 'sink'));
    if (!(target instanceof MediaElement)) throw marshall("'sink' parameter should be a MediaElement");
    return target;
  }

  private typesOf(p: Params): readonly MediaType[] {
    const t = optMediaType(p, 'mediaType');
    // Without a media type KMS connects (and disconnects) AUDIO, VIDEO and DATA one after the other.
    return t ? [t] : MEDIA_TYPES;
  }

  connectTo(sink: MediaElement, types: readonly MediaType[], srcDesc = 'default', sinkDesc = 'default'): void {
    if (sink.mediaPipeline !== this.mediaPipeline) {
      throw new KmsError(ErrorCode.CONNECT_ERROR, 'Media elements do not share pipeline');
    }
    for (const type of types) {
      // A sink pad takes one source: connecting replaces (and reports disconnecting) the previous one.
      const prev = sink.sources.find((c) => c.type === type && c.sinkDescription === sinkDesc);
      if (prev) prev.source.disconnectFrom(sink, [type], prev.sourceDescription, sinkDesc);
      const c: Connection = { source: this, sink, type, sourceDescription: srcDesc, sinkDescription: sinkDesc };
      this.sinks.push(c);
      sink.sources.push(c);
      this.emit('ElementConnected', this.connectionEventFields(c));
    }
    recomputeFlows(this.mediaPipeline);
  }

  disconnectFrom(sink: MediaElement, types: readonly MediaType[], srcDesc = 'default', sinkDesc = 'default'): void {
    for (const type of types) {
      const c = this.sinks.find(
        (x) => x.sink === sink && x.type === type && x.sourceDescription === srcDesc && x.sinkDescription === sinkDesc,
      );
      if (c) {
        this.sinks.splice(this.sinks.indexOf(c), 1);
        sink.sources.splice(sink.sources.indexOf(c), 1);
      }
      // KMS raises ElementDisconnected even when there was nothing to disconnect.
      this.emit('ElementDisconnected', {
        sink: sink.id,
        mediaType: type,
        sourceMediaDescription: srcDesc,
        sinkMediaDescription: sinkDesc,
      });
    }
    recomputeFlows(this.mediaPipeline);
  }

  private connectionEventFields(c: Connection): Record<string, unknown> {
    return {
      sink: c.sink.id,
      mediaType: c.type,
      sourceMediaDescription: c.sourceDescription,
      sinkMediaDescription: c.sinkDescription,
    };
  }

  private describeConnections(
    list: Connection[],
    p: Params,
    descKey: 'sinkDescription' | 'sourceDescription',
  ): unknown {
    const type = optMediaType(p, 'mediaType');
    const desc = p.description === undefined ? undefined : reqString(p, 'description');
    return list
      .filter((c) => (!type || c.type === type) && (desc === undefined || c[descKey] === desc))
      .map((c) =>
        complex('ElementConnectionData', {
          source: c.source.id,
          sink: c.sink.id,
          type: c.type,
          sourceDescription: c.sourceDescription,
          sinkDescription: c.sinkDescription,
        }),
      );
  }

  /** Drops every connection without events (the element's own subscriptions are already gone, as in KMS). */
  override onRelease(silent: boolean): void {
    for (const c of [...this.sinks]) c.sink.sources.splice(c.sink.sources.indexOf(c), 1);
    for (const c of [...this.sources]) c.source.sinks.splice(c.source.sinks.indexOf(c), 1);
    this.sinks.length = 0;
    this.sources.length = 0;
    if (!silent && !this.mediaPipeline.released) recomputeFlows(this.mediaPipeline);
  }
}

export function isElementType(type: string): boolean {
  return isA(type, 'MediaElement');
}
