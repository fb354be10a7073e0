import type { EmulatorContext } from '../context.js';
import { ErrorCode, KmsError, marshall } from '../errors.js';
import { complex, isObject, lowerFirst, operationParams, reqBool, reqString, uuid, type Params } from '../util.js';
import { typeInfo, type TypeInfo } from './catalog.js';

/** A plain property with a generated getX/setX pair, keyed by its capitalised name ("MaxVideoRecvBandwidth"). */
export interface PropSpec {
  kind: 'int' | 'boolean' | 'string' | 'object';
  dflt: unknown;
  readOnly?: boolean;
}
export type PropTable = ReadonlyMap<string, PropSpec>;

export function props(parent: PropTable | undefined, own: Record<string, PropSpec>): PropTable {
  return new Map([...(parent ?? []), ...Object.entries(own)]);
}

const MEDIA_OBJECT_PROPS: PropTable = new Map();

const KIND_WORD = { int: 'an integer', boolean: 'a boolean', string: 'a string', object: 'an object' } as const;

function checkKind(spec: PropSpec, name: string, v: unknown): unknown {
  const ok =
    spec.kind === 'int'
      ? (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'boolean'
      : spec.kind === 'boolean'
        ? typeof v === 'boolean' || typeof v === 'number'
        : spec.kind === 'string'
          ? typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
          : isObject(v);
  if (!ok) throw marshall(`'${name}' parameter should be ${KIND_WORD[spec.kind]}`);
  if (spec.kind === 'int' && typeof v === 'boolean') return v ? 1 : 0;
  if (spec.kind === 'boolean' && typeof v === 'number') return v !== 0;
  if (spec.kind === 'string') return String(v);
  return v;
}

/** KMS's generated invoke() throws this for any operation the class (and its parents) does not define. */
export function unknownOperation(op: string, raw: unknown): KmsError {
  const n = isObject(raw) ? Object.keys(raw).length : 0;
  return new KmsError(ErrorCode.MALFORMED_TRANSACTION, `Method '${op}' with ${n} parameters not found`);
}

export abstract class MediaObject {
  readonly id: string;
  readonly info: TypeInfo;
  readonly creationTime = Math.floor(Date.now() / 1000);
  sendTagsInEvents = false;
  released = false;
  private name: string | undefined;
  private tags: Map<string, string> | undefined;
  private values: Map<string, unknown> | undefined;

  constructor(
    readonly ctx: EmulatorContext,
    type: string,
    readonly parent: MediaObject | undefined,
    id?: string,
  ) {
    this.info = typeInfo(type);
    this.id = id ?? `${parent ? parent.id + '/' : ''}${uuid()}_kurento.${type}`;
  }

  get type(): string {
    return this.info.type;
  }

  /** The pipeline this object lives in (a pipeline is its own). */
  get pipeline(): MediaObject | undefined {
    return this.parent?.pipeline;
  }

  protected get propTable(): PropTable {
    return MEDIA_OBJECT_PROPS;
  }

  children(): MediaObject[] {
    return [];
  }

  /** Runs one `invoke` operation; a Promise result holds the socket's queue until it settles. */
  invoke(op: string, raw: unknown): unknown {
    switch (op) {
      case 'getName':
        return this.name ?? this.id;
      case 'setName':
        this.name = reqString(operationParams(raw, true), 'name');
        return null;
      case 'getId':
        return this.id;
      case 'getMediaPipeline':
        return this.pipeline?.id ?? null;
      case 'getParent':
        return this.parent?.id ?? null;
      case 'getChildren':
        return this.children().map((c) => c.id);
      case 'getCreationTime':
        return this.creationTime;
      case 'getSendTagsInEvents':
        return this.sendTagsInEvents;
      case 'setSendTagsInEvents':
        this.sendTagsInEvents = reqBool(operationParams(raw, true), 'sendTagsInEvents');
        return null;
      case 'addTag': {
        const p = operationParams(raw, true);
        (this.tags ??= new Map()).set(reqString(p, 'key'), reqString(p, 'value'));
        return null;
      }
      case 'removeTag':
        this.tags?.delete(reqString(operationParams(raw, true), 'key'));
        return null;
      case 'getTag': {
        const v = this.tags?.get(reqString(operationParams(raw, true), 'key'));
        if (v === undefined) throw new KmsError(ErrorCode.MEDIA_OBJECT_TAG_KEY_NOT_FOUND, 'Tag key not found');
        return v;
      }
      case 'getTags':
        return this.tagList();
      default:
        return this.property(op, raw);
    }
  }

  tagList(): unknown[] {
    return [...(this.tags ?? [])].map(([key, value]) => complex('Tag', { key, value }));
  }

  private property(op: string, raw: unknown): unknown {
    const verb = op.slice(0, 3);
    const key = op.slice(3);
    const spec = this.propTable.get(key);
    if (spec && verb === 'get') return this.values?.get(key) ?? spec.dflt;
    if (spec && verb === 'set' && !spec.readOnly) {
      const name = lowerFirst(key);
      const p: Params = operationParams(raw, true);
      (this.values ??= new Map()).set(key, checkKind(spec, name, p[name]));
      return null;
    }
    throw unknownOperation(op, raw);
  }

  protected prop<T>(key: string): T {
    return (this.values?.get(key) ?? this.propTable.get(key)?.dflt) as T;
  }

  emit(type: string, fields?: Record<string, unknown>, media = true): void {
    this.ctx.events.emit(this, type, fields, media);
  }

  /** Called once when the object is released (also silently on restart, with `silent` set). */
  onRelease(_silent: boolean): void {}
}
