import type { EmulatorContext } from '../context.js';
import { ErrorCode, KmsError, marshall } from '../errors.js';
import { isObject, optBool, optString, reqString, type Params } from '../util.js';
import { typeInfo } from './catalog.js';
import type { MediaObject } from './media-object.js';
import { MediaPipeline } from './pipeline.js';
import {
  checkCompositeParams,
  Composite,
  FilterElement,
  GStreamerFilter,
  HubPort,
  PassThrough,
} from './simple-elements.js';
import { PlayerEndpoint, RecorderEndpoint } from './uri-endpoints.js';
import { WebRtcEndpoint } from './webrtc-endpoint.js';

const CREATABLE = new Set([
  'MediaPipeline',
  'WebRtcEndpoint',
  'RecorderEndpoint',
  'PlayerEndpoint',
  'Composite',
  'HubPort',
  'PassThrough',
  'FaceOverlayFilter',
  'GStreamerFilter',
  'ImageOverlayFilter',
  'ZBarFilter',
]);

export function isCreatable(type: string): boolean {
  return CREATABLE.has(type);
}

function ctorParams(raw: unknown, required: boolean): Params {
  if (raw === undefined || raw === null) {
    if (required) throw marshall("'constructorParams' is required");
    return {};
  }
  if (!isObject(raw)) throw marshall("'constructorParams' should be an object");
  return raw;
}

function pipelineParam(ctx: EmulatorContext, p: Params): MediaPipeline {
  const target = ctx.resolve(reqString(p, 'mediaPipeline'));
  if (!(target instanceof MediaPipeline)) throw marshall("'mediaPipeline' parameter should be a MediaPipeline");
  return target;
}

/** Builds (but does not register) an object from `create`'s type and constructorParams. */
export function createMediaObject(ctx: EmulatorContext, type: string, raw: unknown): MediaObject {
  // KMS 6/7's ModuleManager answers an unknown factory with MEDIA_OBJECT_NOT_AVAILABLE (40108), not 40100.
  if (!CREATABLE.has(type)) throw new KmsError(ErrorCode.MEDIA_OBJECT_NOT_AVAILABLE, `Factory '${type}' not found`);
  if (type === 'MediaPipeline') {
    ctorParams(raw, false);
    return new MediaPipeline(ctx);
  }
  const p = ctorParams(raw, true);
  switch (type) {
    case 'WebRtcEndpoint': {
      const pipeline = pipelineParam(ctx, p);
      const modes = {
        recvonly: optBool(p, 'recvonly', false),
        sendonly: optBool(p, 'sendonly', false),
        useDataChannels: optBool(p, 'useDataChannels', false),
      };
      return new WebRtcEndpoint(ctx, pipeline, modes);
    }
    case 'RecorderEndpoint': {
      const pipeline = pipelineParam(ctx, p);
      const uri = reqString(p, 'uri');
      return new RecorderEndpoint(ctx, pipeline, uri, optString(p, 'mediaProfile', 'WEBM'));
    }
    case 'PlayerEndpoint': {
      const pipeline = pipelineParam(ctx, p);
      return new PlayerEndpoint(ctx, pipeline, reqString(p, 'uri'));
    }
    case 'Composite': {
      const pipeline = pipelineParam(ctx, p);
      checkCompositeParams(p);
      return new Composite(ctx, pipeline);
    }
    case 'HubPort': {
      const hub = ctx.resolve(reqString(p, 'hub'));
      if (!(hub instanceof Composite)) throw marshall("'hub' parameter should be a Hub");
      return new HubPort(ctx, hub.parent as MediaPipeline, hub);
    }
    case 'PassThrough':
      return new PassThrough(ctx, pipelineParam(ctx, p));
    case 'GStreamerFilter': {
      const pipeline = pipelineParam(ctx, p);
      return new GStreamerFilter(ctx, pipeline, reqString(p, 'command'));
    }
    default:
      // FaceOverlayFilter, ImageOverlayFilter, ZBarFilter
      typeInfo(type);
      return new FilterElement(ctx, type, pipelineParam(ctx, p));
  }
}
