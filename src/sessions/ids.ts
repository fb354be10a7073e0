import { randomInt } from 'node:crypto';

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pick(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** sessionId, connectionId and token value: 16 lowercase alphanumerics (docs/openvidu-api.md §2.0). */
export function randomId(): string {
  return pick(LOWER_ALNUM, 16);
}

/** `<connectionId>_<CAMERA|SCREEN|CUSTOM|MICRO>_<5 random uppercase letters>` (docs/openvidu-api.md §2.0). */
export function newStreamId(connectionId: string, hasVideo: boolean, typeOfVideo: string): string {
  return `${connectionId}_${hasVideo ? typeOfVideo || 'CAMERA' : 'MICRO'}_${pick(UPPER, 5)}`;
}

/** The connection that owns a stream: the part before the first `_` (how OpenVidu reads `sender`). */
export function connectionIdOfStream(streamId: string): string {
  const i = streamId.indexOf('_');
  return i < 0 ? streamId : streamId.slice(0, i);
}
