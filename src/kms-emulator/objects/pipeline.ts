import type { EmulatorContext } from '../context.js';
import { MediaObject, props, type PropTable } from './media-object.js';

const PIPELINE_PROPS = props(undefined, { LatencyStats: { kind: 'boolean', dflt: false } });

export const EMULATED_DOT =
  'digraph kms_emulator {\n  label="Kurento media server emulator: no GStreamer pipeline exists";\n}\n';

export class MediaPipeline extends MediaObject {
  /** Elements and hubs created in this pipeline, in creation order. */
  readonly members = new Set<MediaObject>();

  constructor(ctx: EmulatorContext) {
    super(ctx, 'MediaPipeline', undefined);
  }

  override get pipeline(): MediaObject {
    return this;
  }

  protected override get propTable(): PropTable {
    return PIPELINE_PROPS;
  }

  override children(): MediaObject[] {
    return [...this.members];
  }

  override invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'getGstreamerDot':
        return EMULATED_DOT;
      case 'dumpGstreamerDot':
        return null;
      default:
        return super.invoke(op, raw);
    }
  }
}
