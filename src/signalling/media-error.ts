/**
 * The `mediaError` notification text: `<type>: <description>(errCode=<code>)`, as
 * KurentoParticipant#sendMediaError and KurentoSession's pipeline error listener word it in 2.11.
 */
export function mediaErrorText(data: Record<string, unknown>): string {
  const text = (v: unknown, fallback: string) => (typeof v === 'string' ? v.slice(0, 1024) : fallback);
  const code = typeof data.errorCode === 'number' ? data.errorCode : text(data.errorCode, '');
  return `${text(data.type, 'Error')}: ${text(data.description, '')}(errCode=${code})`;
}
