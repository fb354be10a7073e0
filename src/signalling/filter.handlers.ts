import { Inject, Injectable } from '@nestjs/common';
import type { Participant } from '../sessions/participant.js';
import type { StreamFilter } from '../sessions/session.types.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { RpcCode, RpcError } from './rpc-error.js';
import { obj, str } from './params.js';
import { SignallingRegistry } from './signalling.registry.js';

type Params = Record<string, unknown>;

/**
 * applyFilter / execFilterMethod / removeFilter and filter event listeners (reference §8): the
 * permission rules and the `streamPropertyChanged` (property "filter") notifications clients use.
 */
@Injectable()
export class FilterHandlers {
  private readonly listeners = new Map<string, Set<string>>();

  constructor(
    @Inject(SessionsService) private readonly sessions: SessionsService,
    @Inject(SignallingRegistry) private readonly reg: SignallingRegistry,
  ) {}

  /** A filter sent with publishVideo, checked with the same permission rule as applyFilter. */
  initialFilter(me: Participant, raw: Record<string, unknown>): StreamFilter | null {
    if (typeof raw.type !== 'string' || !raw.type) return null;
    this.checkAllowed(me, raw.type, me.connectionId);
    return { type: raw.type, options: obj(raw, 'options') };
  }

  apply(me: Participant, p: Params) {
    const { owner, streamId } = this.target(me, p);
    const type = str(p, 'type');
    this.checkAllowed(me, type, owner.connectionId);
    if (owner.publisher!.mediaOptions.filter) {
      throw new RpcError(RpcCode.EXISTING_FILTER_ALREADY_APPLIED, `Stream '${streamId}' already has a filter`);
    }
    const filter: StreamFilter = { type, options: obj(p, 'options') };
    this.sessions.updateStream(me.sessionId, streamId, { filter });
    this.announce(me, owner, streamId, { type, options: filter.options }, 'applyFilter');
    return {};
  }

  exec(me: Participant, p: Params) {
    const { owner, streamId, filter } = this.applied(me, p);
    const method = str(p, 'method');
    const lastExecMethod = { method, params: obj(p, 'params') };
    this.sessions.updateStream(me.sessionId, streamId, { filter: { ...filter, lastExecMethod } });
    this.announce(
      me,
      owner,
      streamId,
      { type: filter.type, options: filter.options, lastExecMethod },
      'execFilterMethod',
    );
    return {};
  }

  remove(me: Participant, p: Params) {
    const { owner, streamId } = this.applied(me, p);
    this.sessions.updateStream(me.sessionId, streamId, { filter: null });
    this.listeners.delete(streamId);
    this.announce(me, owner, streamId, {}, 'removeFilter');
    return {};
  }

  addListener(me: Participant, p: Params) {
    const { streamId } = this.applied(me, p);
    const eventType = str(p, 'eventType');
    const set = this.listeners.get(streamId) ?? new Set<string>();
    set.add(eventType);
    this.listeners.set(streamId, set);
    return {};
  }

  removeListener(me: Participant, p: Params) {
    const { streamId } = this.applied(me, p);
    const eventType = str(p, 'eventType');
    if (!this.listeners.get(streamId)?.delete(eventType)) {
      throw new RpcError(RpcCode.FILTER_EVENT_LISTENER_NOT_FOUND, `No listener for '${eventType}' on '${streamId}'`);
    }
    return {};
  }

  private target(me: Participant, p: Params): { owner: Participant; streamId: string } {
    const streamId = str(p, 'streamId');
    const owner = this.sessions.getOrThrow(me.sessionId).findStream(streamId);
    if (!owner?.publisher) throw new RpcError(RpcCode.USER_NOT_STREAMING, `Stream '${streamId}' is not published`);
    if (!me.isModerator && owner.connectionId !== me.connectionId) {
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, 'Only the stream owner or a MODERATOR can manage its filter');
    }
    return { owner, streamId };
  }

  private applied(me: Participant, p: Params) {
    const t = this.target(me, p);
    const filter = t.owner.publisher!.mediaOptions.filter;
    if (!filter) throw new RpcError(RpcCode.FILTER_NOT_APPLIED, `Stream '${t.streamId}' has no filter`);
    return { ...t, filter };
  }

  /** MODERATOR, or the owner whose token's kurentoOptions.allowedFilters contains the type. */
  private checkAllowed(me: Participant, type: string, ownerId: string): void {
    if (me.isModerator) return;
    const allowed = me.kurentoOptions?.allowedFilters ?? [];
    if (ownerId !== me.connectionId || !allowed.includes(type)) {
      throw new RpcError(RpcCode.USER_UNAUTHORIZED, `Filter '${type}' is not allowed for this connection`);
    }
  }

  private announce(me: Participant, owner: Participant, streamId: string, value: unknown, reason: string): void {
    const params = { connectionId: owner.connectionId, streamId, property: 'filter', newValue: value, reason };
    for (const id of this.sessions.getOrThrow(me.sessionId).participants.keys()) {
      this.reg.notify(id, 'streamPropertyChanged', params);
    }
  }
}
