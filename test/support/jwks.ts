/**
 * Signing keys generated in the test, and a JWKS served from a loopback HTTP
 * server whose key list the test can change (key rotation) or take down.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { Test } from 'tap';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: Record<string, unknown>;
}

export async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'agora-token-server';

/** A JWT with sensible defaults (iss, aud, 5 min exp); `claims` and `header` override. */
export async function sign(key: SigningKey, claims: JWTPayload = {}, opts: { exp?: number | string; header?: Record<string, unknown> } = {}) {
  return new SignJWT({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...opts.header })
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '5m')
    .sign(key.privateKey);
}

export interface JwksServer {
  url: string;
  keys: SigningKey[];
  /** Requests served so far. */
  fetches: number;
  /** When false, every request gets a 500. */
  healthy: boolean;
  /** Stops the server: the URL then refuses connections. */
  stop: () => Promise<void>;
}

export async function startJwks(t: Test, keys: SigningKey[]): Promise<JwksServer> {
  const state: JwksServer = { url: '', keys, fetches: 0, healthy: true, stop: async () => {} };
  const server = createServer((_req, res) => {
    state.fetches++;
    if (!state.healthy) {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys.map((k) => k.publicJwk) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/jwks.json`;
  // close() twice only reports "not running" to its callback: harmless.
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  t.teardown(state.stop);
  return state;
}
