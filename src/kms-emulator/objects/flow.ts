// Emulated media flow. KMS reports MediaFlowOutStateChanged on an element's source pads and
// MediaFlowInStateChanged on its sink pads once buffers pass. No buffers exist here, so a pipeline's flow is
// derived from its topology instead: media originates at endpoints whose peer sends (WebRTC after ICE, a
// playing player), passes through filters and hubs, and "flows" along every connection fed by a producer.
import type { MediaElement } from './media-element.js';
import type { MediaPipeline } from './pipeline.js';

export type FlowKind = 'AUDIO' | 'VIDEO';
const KINDS: readonly FlowKind[] = ['AUDIO', 'VIDEO'];

function elementsOf(pipeline: MediaPipeline): MediaElement[] {
  const out: MediaElement[] = [];
  for (const m of pipeline.members) if ('sinks' in m) out.push(m as MediaElement);
  return out;
}

/** Which media each element emits, as a fixpoint over the connection graph (cycles such as loopback are fine). */
export function producedBy(elements: readonly MediaElement[]): Map<MediaElement, Set<FlowKind>> {
  const produces = new Map<MediaElement, Set<FlowKind>>();
  for (const e of elements) produces.set(e, new Set(e.producedMedia()));
  let changed = true;
  while (changed) {
    changed = false;
    for (const e of elements) {
      for (const c of e.sources) {
        if (c.type === 'DATA' || !produces.get(c.source)?.has(c.type)) continue;
        for (const t of e.forwardTargets()) {
          const set = produces.get(t);
          if (set && !set.has(c.type)) {
            set.add(c.type);
            changed = true;
          }
        }
      }
    }
  }
  return produces;
}

/** Recomputes flow for the whole pipeline and raises an event for every pad state that changed. */
export function recomputeFlows(pipeline: MediaPipeline): void {
  const elements = elementsOf(pipeline);
  if (elements.length === 0) return;
  const produces = producedBy(elements);
  for (const e of elements) {
    for (const kind of KINDS) {
      const outNow = produces.get(e)!.has(kind) && e.sinks.some((c) => c.type === kind);
      const inNow = e.sources.some((c) => c.type === kind && produces.get(c.source)?.has(kind) === true);
      update(e, e.flowOut, kind, outNow, 'MediaFlowOutStateChanged');
      update(e, e.flowIn, kind, inNow, 'MediaFlowInStateChanged');
    }
  }
}

function update(e: MediaElement, set: Set<FlowKind>, kind: FlowKind, now: boolean, event: string): void {
  if (set.has(kind) === now) return;
  if (now) set.add(kind);
  else set.delete(kind);
  e.emit(event, { state: now ? 'FLOWING' : 'NOT_FLOWING', padName: 'default', mediaType: kind });
}
