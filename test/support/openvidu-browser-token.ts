// openvidu-browser 2.11.0's own token parsing (Session#processToken from node_modules), run under
// Node: what a real browser would read from a token, without a browser.
import { createRequire } from 'node:module';

interface ParsedToken {
  sessionId?: string;
  openvidu: { libraryVersion: string; wsUri?: string; httpUri?: string; role?: string; iceServers?: unknown[] };
}

type ProcessToken = (this: ParsedToken, token: string) => void;

const require = createRequire(import.meta.url);
const { Session } = require('openvidu-browser/lib/OpenVidu/Session.js') as {
  Session: { prototype: { processToken: ProcessToken } };
};

/** What openvidu-browser 2.11.0 takes from `token`: the session id it joins, its ws URI, role and ICE servers. */
export function browserReadsToken(token: string): ParsedToken {
  const target: ParsedToken = { openvidu: { libraryVersion: '2.11.0' } };
  // processToken logs the server version (and TURN credentials) on the console: keep test output clean.
  const { info, log, error } = console;
  console.info = console.log = console.error = () => undefined;
  try {
    Session.prototype.processToken.call(target, token);
  } finally {
    Object.assign(console, { info, log, error });
  }
  return target;
}
