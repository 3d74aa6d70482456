/** The one time convention of every response: ISO-8601 UTC strings plus unix seconds. */
export function timestamps(m: { issuedAt: number; expiresAt: number }) {
  return {
    issuedAt: new Date(m.issuedAt * 1000).toISOString(),
    expiresAt: new Date(m.expiresAt * 1000).toISOString(),
    issuedAtUnix: m.issuedAt,
    expiresAtUnix: m.expiresAt,
  };
}
