import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Endpoint, EndpointSetup, NegotiatedEndpoint } from '../media-servers/media-api.js';
import type { Participant } from '../sessions/participant.js';
import type { StreamFilter } from '../sessions/session.types.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { RpcCode, RpcError } from './rpc-error.js';
import { obj, str } from './params.js';
import type { FilterState, SessionMedia } from './session-media.js';
import { SignallingRegistry } from './signalling.registry.js';

type Params = Record<string, unknown>;
/** Runs work after the RPC's answer is sent. */
export type Defer = (fn: () => void) => void;

/**
 * applyFilter / execFilterMethod / removeFilter and filter event listeners (docs/openvidu-api.md §8), as
 * OpenVidu 2.11's KurentoSessionManager: a Kurento filter is inserted between the publisher's
 * endpoint and its subscribers (PublisherEndpoint#apply/revert), its events are relayed as
 * `filterEventDispatched` to the connections that listen, and every change is announced with
 * `streamPropertyChanged` (property "filter").
 */
@Injectable()
export class FilterHandlers {
  private readonly logger = new Logger('Signalling');

  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SignallingRegistry) private readonly reg: SignallingRegistry,
  ) {}

  /**
   * A filter sent with publishVideo (KurentoSessionManager#publishVideo): ignored when the token has
   * no kurentoOptions (admin joins included), refused with 406 when its allowedFilters lack the
   * type — moderators included, as there is no moderator exception on this path in 2.11.
   */
  initialFilter(me: Participant, raw: Record<string, unknown>): StreamFilter | null {
    if (typeof raw.type !== 'string' || !raw.type) return null;
    if (!me.kurentoOptions) return null;
    if (!(me.kurentoOptions.allowedFilters ?? []).includes(raw.type)) {
      throw new RpcError(
        RpcCode.FILTER_NOT_APPLIED,
        `Error applying filter for publishing user ${me.connectionId}. The token has no permissions to apply filter ${raw.type}`,
      );
    }
    return { type: raw.type, options: obj(raw, 'options') };
  }

  /**
   * publishVideo's endpoint, negotiated and already feeding the filter it asked for
   * (applyFilterInPublisher), all in one round trip; a failure leaves nothing behind.
   */
  async publisherEndpoint(media: SessionMedia, ownerId: string, setup: EndpointSetup): Promise<NegotiatedEndpoint> {
    const made = await (await media.ensurePipeline()).createEndpoint(setup);
    if (made.filter) media.bindFilter(ownerId, made.filter);
    return made;
  }

  /** A publishVideo that failed: its endpoint and filter are not kept. */
  discardPublisher(media: SessionMedia, ownerId: string, endpoint: Endpoint): void {
    const filter = media.publishers.has(ownerId) ? undefined : media.takeFilter(ownerId);
    this.reg.release('unused publisher filter', filter && (() => filter.release()));
    this.reg.release('unused publisher endpoint', () => endpoint.release());
  }

  async apply(me: Participant, p: Params, defer: Defer) {
    const type = str(p, 'type');
    const { owner, streamId, media } = this.target(me, p, 'apply filter', type);
    const options = obj(p, 'options');
    const id = owner.connectionId;
    await media.serial(id, async () => {
      if (owner.publisher?.mediaOptions.filter || media.filters.has(id)) {
        throw new RpcError(RpcCode.EXISTING_FILTER_ALREADY_APPLIED, `Stream '${streamId}' already has a filter`);
      }
      const filter = await (await media.ensurePipeline()).createFilter(type, options);
      const source = media.publishers.get(id);
      try {
        if (!source || owner.publisher?.streamId !== streamId) {
          throw new RpcError(RpcCode.USER_NOT_STREAMING, `Stream '${streamId}' is not published`);
        }
        await source.connect(filter);
        // A sink takes one source: connecting the filter to a subscriber replaces the publisher there.
        for (const sink of media.subscribersOf(id)) await filter.connect(sink);
        media.bindFilter(id, filter);
      } catch (e) {
        if (source) for (const sink of media.subscribersOf(id)) await source.connect(sink).catch(() => undefined);
        this.reg.release(`filter of ${streamId}`, () => filter.release());
        throw e;
      }
    });
    this.sessions.updateStream(me.sessionId, streamId, { filter: { type, options } });
    defer(() => this.announce(me, owner, streamId, { type, options }, 'applyFilter'));
    return {};
  }

  async exec(me: Participant, p: Params, defer: Defer) {
    const { owner, streamId, filter, state } = this.applied(me, p, 'execute filter method');
    const method = str(p, 'method');
    const params = obj(p, 'params');
    await state.filter.invoke(method, params);
    const lastExecMethod = { method, params };
    this.sessions.updateStream(me.sessionId, streamId, { filter: { ...filter, lastExecMethod } });
    const value = { type: filter.type, options: filter.options, lastExecMethod };
    defer(() => this.announce(me, owner, streamId, value, 'execFilterMethod'));
    return {};
  }

  async remove(me: Participant, p: Params, defer: Defer) {
    const { owner, streamId, media } = this.applied(me, p, 'remove filter');
    const id = owner.connectionId;
    await media.serial(id, async () => {
      const source = media.publishers.get(id);
      const filter = media.takeFilter(id);
      if (!filter) return;
      // PublisherEndpoint#revert: the publisher feeds its subscribers again, then the filter goes.
      if (source) for (const sink of media.subscribersOf(id)) await source.connect(sink);
      await filter.release().catch((e: unknown) => this.logger.warn(`releasing filter of ${streamId}: ${msg(e)}`));
    });
    this.sessions.updateStream(me.sessionId, streamId, { filter: null });
    defer(() => this.announce(me, owner, streamId, {}, 'removeFilter'));
    return {};
  }

  async addListener(me: Participant, p: Params) {
    const { owner, streamId, filter, state, media } = this.applied(me, p, 'add filter event listener');
    const eventType = str(p, 'eventType');
    await media.serial(owner.connectionId, async () => {
      if (!state.listeners.has(eventType)) {
        const relay = (data: Record<string, unknown>) =>
          this.dispatch(me.sessionId, state, { owner, streamId, filterType: filter.type, eventType, data });
        try {
          await state.filter.on(eventType, relay);
        } catch (e) {
          // KurentoSessionManager#addFilterEventListenerInPublisher answers any failure with 407.
          throw new RpcError(RpcCode.FILTER_EVENT_LISTENER_NOT_FOUND, `Listening to '${eventType}' failed: ${msg(e)}`);
        }
        state.listeners.set(eventType, new Set());
      }
      state.listeners.get(eventType)!.add(me.connectionId);
    });
    return {};
  }

  async removeListener(me: Participant, p: Params) {
    const { owner, streamId, state, media } = this.applied(me, p, 'remove filter event listener');
    const eventType = str(p, 'eventType');
    await media.serial(owner.connectionId, async () => {
      const set = state.listeners.get(eventType);
      if (!set) {
        throw new RpcError(RpcCode.FILTER_EVENT_LISTENER_NOT_FOUND, `No listener for '${eventType}' on '${streamId}'`);
      }
      set.delete(me.connectionId);
      if (set.size) return;
      // The last listener is gone: unsubscribe on the media server too.
      state.listeners.delete(eventType);
      await state.filter.off(eventType);
    });
    return {};
  }

  /** SessionEventsHandler#onFilterEventDispatched: only to the connections listening to that event. */
  private dispatch(
    sessionId: string,
    state: FilterState,
    e: { owner: Participant; streamId: string; filterType: string; eventType: string; data: unknown },
  ): void {
    const params = {
      connectionId: e.owner.connectionId,
      streamId: e.streamId,
      filterType: e.filterType,
      eventType: e.eventType,
      data: JSON.stringify(e.data),
    };
    const present = this.sessions.get(sessionId)?.participants;
    for (const id of state.listeners.get(e.eventType) ?? []) {
      if (present?.has(id)) this.reg.notify(id, 'filterEventDispatched', params);
    }
  }

  /**
   * RpcHandler's rule, checked before anything else: a MODERATOR, or the stream's owner (for
   * applyFilter also holding a token whose allowedFilters has the type); otherwise 401.
   */
  private target(me: Participant, p: Params, action: string, filterType?: string) {
    const streamId = str(p, 'streamId');
    const owner = this.sessions.getOrThrow(me.sessionId).findStream(streamId);
    const isOwner = owner?.connectionId === me.connectionId;
    const typeAllowed = filterType === undefined || (me.kurentoOptions?.allowedFilters ?? []).includes(filterType);
    if (!me.isModerator && !(isOwner && typeAllowed)) {
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, `Unable to ${action}. The user does not have a valid token`);
    }
    if (!owner?.publisher) throw new RpcError(RpcCode.USER_NOT_STREAMING, `Stream '${streamId}' is not published`);
    const media = this.reg.mediaOf(me.sessionId);
    if (!media?.publishers.has(owner.connectionId)) {
      throw new RpcError(RpcCode.USER_NOT_STREAMING, `Stream '${streamId}' has no media endpoint`);
    }
    return { owner, streamId, media };
  }

  private applied(me: Participant, p: Params, action: string) {
    const t = this.target(me, p, action);
    const filter = t.owner.publisher!.mediaOptions.filter;
    const state = t.media.filters.get(t.owner.connectionId);
    if (!filter || !state) throw new RpcError(RpcCode.FILTER_NOT_APPLIED, `Stream '${t.streamId}' has no filter`);
    return { ...t, filter, state };
  }

  private announce(me: Participant, owner: Participant, streamId: string, value: unknown, reason: string): void {
    // SessionEventsHandler#onFilterChanged: everyone but the caller, who gets the answer instead.
    const params = { connectionId: owner.connectionId, streamId, property: 'filter', newValue: value, reason };
    for (const id of this.sessions.get(me.sessionId)?.participants.keys() ?? []) {
      if (id !== me.connectionId) this.reg.notify(id, 'streamPropertyChanged', params);
    }
  }
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
