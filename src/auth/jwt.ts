/**
 * JWT callers: signature and claims checked by `jose`, then the claims turned
 * into Grants. No Fastify here.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { UnsecuredJWT, createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { JwtConfig } from '../config.js';
import { AGORA_CHARSET, AGORA_TTL_CAP, CHANNEL_NAME_MAX, ROLES } from '../tokens/rules.js';
import { JWT_DEFAULT_ROLES, TOKEN_TYPE_NAMES, grantsOf, uidOf, validPattern, type Caller } from './policy.js';

/** Why a credential was refused: 401 (bad credential), 403 (unusable claims) or 503 (keys unreachable). */
export class AuthFailure extends Error {
  readonly status: 401 | 403 | 503;
  readonly code: string;
  constructor(status: 401 | 403 | 503, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.name = 'AuthFailure';
  }
}

/** The policy claim (JWT_POLICY_CLAIM). Unknown fields are refused: a typo must not widen access. */
export const PolicyClaimSchema = Type.Object(
  {
    channels: Type.Optional(Type.Array(Type.String({ pattern: `^[${AGORA_CHARSET}*]{1,${CHANNEL_NAME_MAX}}$` }))),
    services: Type.Optional(Type.Array(Type.Union(TOKEN_TYPE_NAMES.map((t) => Type.Literal(t))))),
    roles: Type.Optional(Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))))),
    wildcardUid: Type.Optional(Type.Boolean()),
    anyUser: Type.Optional(Type.Boolean()),
    maxTtl: Type.Optional(Type.Integer({ minimum: 1, maximum: AGORA_TTL_CAP })),
  },
  { additionalProperties: false },
);

const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 3_000;

/** A uid claim: a canonical decimal string or a whole number, in range (uidOf decides both alike). */
function claimUid(value: unknown): number | undefined {
  if (typeof value === 'string') return uidOf(value);
  return Number.isSafeInteger(value) ? uidOf(String(value)) : undefined;
}

function claimText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

/**
 * Turns verified claims into a Caller. Throws AuthFailure 401 without a subject
 * (the caller id and rate-limit key: callers must not share one), 403 when the
 * policy claim is malformed.
 */
export function callerFromClaims(payload: JWTPayload, cfg: Pick<JwtConfig, 'identityClaim' | 'uidClaim' | 'policyClaim'>): Caller {
  const subject = claimText(payload.sub);
  if (subject === undefined) throw new AuthFailure(401, 'INVALID_TOKEN', 'invalid token: the sub claim is required');
  const policy = payload[cfg.policyClaim] ?? {};
  if (!Value.Check(PolicyClaimSchema, policy) || !(policy.channels ?? []).every(validPattern)) {
    throw new AuthFailure(403, 'INVALID_POLICY_CLAIM', `the token's ${cfg.policyClaim} claim is malformed`);
  }
  const grants = grantsOf(
    policy,
    { anyIdentity: policy.anyUser === true, identity: claimText(payload[cfg.identityClaim]), uid: claimUid(payload[cfg.uidClaim]) },
    JWT_DEFAULT_ROLES,
  );
  return { id: subject, method: 'jwt', grants };
}

export type JwtVerifier = (token: string) => Promise<Caller>;

/** The key set could not be fetched or read: the one failure that is not the caller's fault. */
class KeysUnavailable extends Error {}

/** The unsecured header `{"alg":"none"}`, to have jose judge a payload's claims without its signature. */
const NONE_HEADER = Buffer.from('{"alg":"none"}').toString('base64url');

/**
 * While the key set cannot be fetched, whatever can be judged without it is still
 * judged: an expired, not-yet-valid, wrongly addressed, subject-less or malformed
 * token is a 401 then too. The claims go through jose's own claim checks (with the
 * verifier's options) on the unsigned payload; nothing here ever accepts a token.
 */
function judgeWithoutKey(payload: string, options: Parameters<typeof UnsecuredJWT.decode>[1]): void {
  const claims = UnsecuredJWT.decode(`${NONE_HEADER}.${payload}.`, options).payload;
  if (claimText(claims.sub) === undefined) throw new AuthFailure(401, 'INVALID_TOKEN', 'invalid token: the sub claim is required');
}

export function createJwtVerifier(cfg: JwtConfig): JwtVerifier {
  const options = {
    issuer: cfg.issuer,
    audience: cfg.audience,
    algorithms: cfg.algorithms,
    clockTolerance: cfg.clockSkewSeconds,
    // A token without exp would be valid forever.
    requiredClaims: ['exp'],
  };
  let key: Parameters<typeof jwtVerify>[1];
  if (cfg.jwksUrl) {
    const remote = createRemoteJWKSet(cfg.jwksUrl, {
      cooldownDuration: cfg.jwksCooldownSeconds * 1000,
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    });
    // Only what goes wrong while getting the key set is "unavailable". No matching key,
    // or an algorithm no key can serve, is the token's doing and stays a 401.
    key = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys || err instanceof errors.JOSENotSupported) {
          throw err;
        }
        // jose has checked the header (and the algorithm) already; the claims need no key.
        judgeWithoutKey(String(token.payload), options); // compact JWS: always the base64url text
        throw new KeysUnavailable();
      }
    };
  } else {
    key = cfg.publicKey ?? new TextEncoder().encode(cfg.secret?.reveal());
  }
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, options));
    } catch (err) {
      throw toAuthFailure(err);
    }
    return callerFromClaims(payload, cfg);
  };
}

/**
 * Everything the server can judge with the keys it holds is a 401, whatever the
 * error's class: a header naming another algorithm than the key's makes node:crypto
 * throw a plain TypeError, and that is still a forged credential.
 */
function toAuthFailure(err: unknown): AuthFailure {
  if (err instanceof AuthFailure) return err;
  if (err instanceof KeysUnavailable) return new AuthFailure(503, 'AUTH_UNAVAILABLE', 'signing keys are unavailable; try again shortly');
  if (err instanceof errors.JWTExpired) return new AuthFailure(401, 'TOKEN_EXPIRED', 'the token has expired');
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthFailure(401, 'INVALID_TOKEN', 'no signing key matches the token');
  // jose's messages name the failed check ("unexpected \"aud\" claim value", "signature verification failed", …).
  if (err instanceof errors.JOSEError) return new AuthFailure(401, 'INVALID_TOKEN', `invalid token: ${err.message}`);
  return new AuthFailure(401, 'INVALID_TOKEN', 'invalid token: the signature does not verify with the configured key');
}
