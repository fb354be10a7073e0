// Elements with no behaviour of their own beyond forwarding media: PassThrough, the filters, and Composite's
// hub ports. Their methods only validate arguments, as KMS's unmarshalling would.
import type { EmulatorContext } from '../context.js';
import { operationParams, reqInt, reqString } from '../util.js';
import { ELEMENT_PROPS, MediaElement } from './media-element.js';
import { MediaObject, props, type PropTable } from './media-object.js';
import { EMULATED_DOT, type MediaPipeline } from './pipeline.js';

export class PassThrough extends MediaElement {
  constructor(ctx: EmulatorContext, pipeline: MediaPipeline) {
    super(ctx, 'PassThrough', pipeline);
  }

  override forwardTargets(): readonly MediaElement[] {
    return [this];
  }
}

/** FaceOverlayFilter, ImageOverlayFilter, ZBarFilter: media in, same media out. */
export class FilterElement extends MediaElement {
  override forwardTargets(): readonly MediaElement[] {
    return [this];
  }

  override invoke(op: string, raw: unknown): unknown {
    if (this.type === 'FaceOverlayFilter') {
      if (op === 'setOverlayedImage') {
        const p = operationParams(raw, true);
        reqString(p, 'uri');
        return null;
      }
      if (op === 'unsetOverlayedImage') return null;
    }
    if (this.type === 'ImageOverlayFilter') {
      if (op === 'addImage') {
        const p = operationParams(raw, true);
        reqString(p, 'id');
        reqString(p, 'uri');
        return null;
      }
      if (op === 'removeImage') {
        reqString(operationParams(raw, true), 'id');
        return null;
      }
    }
    return super.invoke(op, raw);
  }
}

const GST_FILTER_PROPS = props(ELEMENT_PROPS, { Command: { kind: 'string', dflt: '', readOnly: true } });

export class GStreamerFilter extends FilterElement {
  constructor(
    ctx: EmulatorContext,
    pipeline: MediaPipeline,
    readonly command: string,
  ) {
    super(ctx, 'GStreamerFilter', pipeline);
  }

  protected override get propTable(): PropTable {
    return GST_FILTER_PROPS;
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'getCommand':
        return this.command;
      case 'setElementProperty': {
        const p = operationParams(raw, true);
        reqString(p, 'propertyName');
        reqString(p, 'propertyValue');
        return null;
      }
      default:
        return super.invoke(op, raw);
    }
  }
}

export class Composite extends MediaObject {
  readonly ports = new Set<HubPort>();

  constructor(ctx: EmulatorContext, pipeline: MediaPipeline) {
    super(ctx, 'Composite', pipeline);
  }

  override children(): MediaObject[] {
    return [...this.ports];
  }

  override invoke(op: string, raw: unknown): unknown {
    if (op === 'getGstreamerDot') return EMULATED_DOT;
    if (op === 'dumpGstreamerDot') return null;
    return super.invoke(op, raw);
  }
}

export class HubPort extends MediaElement {
  constructor(
    ctx: EmulatorContext,
    pipeline: MediaPipeline,
    readonly hub: Composite,
  ) {
    super(ctx, 'HubPort', pipeline);
    hub.ports.add(this);
  }

  /** A composite mixes every port's input into every port's output. */
  override forwardTargets(): readonly MediaElement[] {
    return this.hub.released ? [] : [...this.hub.ports];
  }

  override onRelease(silent: boolean): void {
    this.hub.ports.delete(this);
    super.onRelease(silent);
  }
}

/** Checks Composite's optional integer constructor parameters the way KMS's unmarshaller would. */
export function checkCompositeParams(p: Record<string, unknown>): void {
  for (const k of ['width', 'height', 'framerate']) if (p[k] !== undefined) reqInt(p, k);
}
