/**
 * ISO strings of recent unix seconds: a busy server formats the same few seconds (now, now + the
 * usual lifetimes) thousands of times. Cleared when full, so it stays small whatever is asked.
 */
const recent = new Map<number, string>();
export const RECENT_ISO_MAX = 256;

function iso(unix: number): string {
  let text = recent.get(unix);
  if (text === undefined) {
    text = new Date(unix * 1000).toISOString();
    if (recent.size >= RECENT_ISO_MAX) recent.clear();
    recent.set(unix, text);
  }
  return text;
}

/** The one time convention of every response: ISO-8601 UTC strings plus unix seconds. */
export function timestamps(m: { issuedAt: number; expiresAt: number }) {
  return {
    issuedAt: iso(m.issuedAt),
    expiresAt: iso(m.expiresAt),
    issuedAtUnix: m.issuedAt,
    expiresAtUnix: m.expiresAt,
  };
}
