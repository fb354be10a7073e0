// The one HTTP client of the e2e specs: a request on its own connection (none is left behind),
// http or https (the self-signed certificate is not verified, as curl -k), Basic credentials for the
// harness secret unless told otherwise.
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type Agent } from 'node:https';
import type { Socket } from 'node:net';
import { AUTH } from './fixtures.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The connection the reply came on (keep-alive checks). */
  socket: Socket;
  json<T = Record<string, unknown>>(): T;
}

export interface CallOptions {
  /** Authorization header; default: Basic credentials for the harness secret; `null` sends none. */
  auth?: string | null;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Keep-alive agent to reuse connections (https); by default every call opens its own connection. */
  agent?: Agent;
}

export function call(base: string, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: Buffer | undefined;
  if (opts.body !== undefined) {
    payload =
      typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
        ? Buffer.from(opts.body)
        : Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
  }
  const auth = opts.auth === undefined ? AUTH : opts.auth;
  if (auth !== null) headers.authorization = auth;
  const url = new URL(path, base);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: opts.agent ?? false, rejectUnauthorized: false }, (res) => {
      const reply = (text: string): Reply => ({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text,
        socket: req.socket as Socket,
        json: <T>() => JSON.parse(text) as T,
      });
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        // A live event stream never ends: the status and headers are the answer.
        res.destroy();
        resolve(reply(''));
        return;
      }
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve(reply(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** {@link call} with the harness credentials and an optional JSON body: the common REST call. */
export function rest(base: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return call(base, method, path, { body });
}

/**
 * openvidu-node-client speaks https and cannot be given a CA, so its specs accept the server's
 * self-signed certificate process-wide while they run. Returns the undo, for the spec's `after`:
 * specs share a process, and the next one must verify certificates again.
 */
export function acceptSelfSignedCertificates(): () => void {
  const before = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  return () => {
    if (before === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = before;
  };
}
