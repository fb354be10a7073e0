// REST steps the e2e specs share (create a session, a token, read a session or the media servers),
// each asserting the call succeeded, and the JSON shapes they return.
import assert from 'node:assert/strict';
import { rest } from './http.js';

export async function createSession(url: string, body: Record<string, unknown> = {}): Promise<string> {
  const r = await rest(url, 'POST', '/api/sessions', body);
  assert.equal(r.status, 200, r.text);
  return r.json<{ id: string }>().id;
}

export async function createToken(url: string, session: string, role = 'PUBLISHER', data = ''): Promise<string> {
  const r = await rest(url, 'POST', '/api/tokens', { session, role, data });
  assert.equal(r.status, 200, r.text);
  return r.json<{ token: string }>().token;
}

/** A new session and a token of `role` for it. */
export async function sessionWithToken(
  url: string,
  role = 'PUBLISHER',
  data = '',
): Promise<{ sessionId: string; token: string }> {
  const sessionId = await createSession(url);
  return { sessionId, token: await createToken(url, sessionId, role, data) };
}

export type SessionJson = {
  sessionId: string;
  connections: {
    numberOfElements: number;
    content: Array<{
      connectionId: string;
      role: string;
      clientData: string;
      publishers: Array<{ streamId: string; mediaOptions: Record<string, unknown> }>;
      subscribers: Array<{ streamId: string }>;
    }>;
  };
};

/** GET /api/sessions/<id>: the JSON, or null for 404. */
export async function sessionJson(url: string, id: string): Promise<SessionJson | null> {
  const r = await rest(url, 'GET', `/api/sessions/${id}`);
  if (r.status === 404) return null;
  assert.equal(r.status, 200, r.text);
  return r.json<SessionJson>();
}

export type MediaServerJson = {
  id: string;
  uri: string;
  ip: string;
  connected: boolean;
  connectionTime: number;
  disconnectionTime?: number;
  status: string;
  /** Present with `?load=true`. */
  load?: number;
  /** Present with `?sessions=true`. */
  sessions?: SessionJson[];
  kurentoInfo?: Record<string, unknown>;
};

/** GET /pro/media-servers with `query` (e.g. `?sessions=true`): the `content` list. */
export async function listServers(url: string, query = ''): Promise<MediaServerJson[]> {
  const r = await rest(url, 'GET', `/pro/media-servers${query}`);
  assert.equal(r.status, 200, r.text);
  return r.json<{ content: MediaServerJson[] }>().content;
}

export type LoadedServerJson = MediaServerJson & { load: number; sessions: SessionJson[] };

/** GET /pro/media-servers?sessions=true&load=true: every server with its load and sessions. */
export async function mediaServers(url: string): Promise<LoadedServerJson[]> {
  return (await listServers(url, '?sessions=true&load=true')) as LoadedServerJson[];
}

/** The listed server whose uri is `uri` (fails if it is not listed). */
export async function byUri(url: string, uri: string, query = ''): Promise<MediaServerJson> {
  const found = (await listServers(url, query)).find((s) => s.uri === uri);
  assert.ok(found, `${uri} is not listed`);
  return found;
}
