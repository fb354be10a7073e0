import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** Process-wide, so a uri keeps its id across deregister/register and across in-process app restarts. */
const idByUri = new Map<string, string>();
const taken = new Set<string>();

/** `KMS-` + 6 upper-case alphanumerics (docs/openvidu-api.md §3.3), the same for a uri for the life of the process. */
export function mediaServerIdFor(normalizedUri: string): string {
  let id = idByUri.get(normalizedUri);
  if (id) return id;
  do {
    id = 'KMS-';
    for (let i = 0; i < 6; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  } while (taken.has(id));
  taken.add(id);
  idByUri.set(normalizedUri, id);
  return id;
}

/** Same server, same key: `ws://Host:8888/kurento` and `ws://host:8888/kurento` are one uri. */
export function normalizeUri(uri: string): string {
  return new URL(uri).href;
}
