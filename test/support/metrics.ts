// Reads /metrics the way Prometheus does: the text format parsed by a third-party parser, then one
// sample looked up by name and exact label set.
import assert from 'node:assert/strict';
import parsePrometheusTextFormat, { type PromFamily, type PromSample } from 'parse-prometheus-text-format';

export class Scrape {
  readonly families: Map<string, PromFamily>;

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
  }

  family(name: string): PromFamily {
    const f = this.families.get(name);
    assert.ok(f, `metric family ${name} is missing`);
    return f;
  }

  /** Samples whose labels include every label given. */
  samples(name: string, labels: Record<string, string> = {}): PromSample[] {
    return this.family(name).metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels ?? {})[k] === v));
  }

  /** The value of the one sample with exactly these labels; 0 when a counter or histogram has no such series yet. */
  value(name: string, labels: Record<string, string> = {}): number {
    const f = this.family(name);
    const want = JSON.stringify(Object.entries(labels).sort());
    const found = f.metrics.filter((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === want);
    assert.ok(found.length <= 1, `${name}${want}: ${found.length} samples`);
    if (!found.length) {
      assert.ok(f.type === 'COUNTER' || f.type === 'HISTOGRAM', `${name} ${want}: no sample`);
      return 0;
    }
    if (f.type === 'HISTOGRAM') return Number(found[0].count);
    return Number(found[0].value);
  }
}
