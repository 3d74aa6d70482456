/**
 * JWT callers: signature and claims checked by `jose`, then the claims turned
 * into Grants. No Fastify here.
 */
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { JwtConfig } from '../config.js';
import { AGORA_TTL_CAP, UID_MAX } from '../tokens/rules.js';
import type { Caller, Grants } from './policy.js';

/** Why a credential was refused: 401 (bad credential), 403 (unusable claims) or 503 (keys unreachable). */
export class AuthFailure extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}

/** The policy claim (JWT_POLICY_CLAIM). Unknown fields are refused: a typo must not widen access. */
export const PolicyClaimSchema = Type.Object(
  {
    channels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 63 }))),
    publisher: Type.Optional(Type.Boolean()),
    wildcardUid: Type.Optional(Type.Boolean()),
    anyUser: Type.Optional(Type.Boolean()),
    chatApp: Type.Optional(Type.Boolean()),
    maxTtl: Type.Optional(Type.Integer({ minimum: 1, maximum: AGORA_TTL_CAP })),
  },
  { additionalProperties: false },
);

const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 3_000;

function claimUid(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^(0|[1-9][0-9]{0,9})$/.test(value) ? Number(value) : value;
  return Number.isSafeInteger(n) && (n as number) >= 0 && (n as number) <= UID_MAX ? (n as number) : undefined;
}

function claimText(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
}

/** Turns verified claims into a Caller; throws AuthFailure(403) when the policy claim is malformed. */
export function callerFromClaims(payload: JWTPayload, cfg: Pick<JwtConfig, 'identityClaim' | 'uidClaim' | 'policyClaim'>): Caller {
  const policy = payload[cfg.policyClaim] ?? {};
  if (!Value.Check(PolicyClaimSchema, policy)) {
    throw new AuthFailure(403, 'INVALID_POLICY_CLAIM', `the token's ${cfg.policyClaim} claim is malformed`);
  }
  const identity = claimText(payload[cfg.identityClaim]);
  const grants: Grants = {
    anyIdentity: policy.anyUser === true,
    identity,
    uid: claimUid(payload[cfg.uidClaim]),
    channels: policy.channels,
    publisher: policy.publisher === true,
    wildcardUid: policy.wildcardUid === true,
    chatApp: policy.chatApp === true,
    maxTtl: policy.maxTtl,
  };
  return { id: claimText(payload.sub) ?? identity ?? 'unknown-subject', method: 'jwt', grants };
}

export type JwtVerifier = (token: string) => Promise<Caller>;

export function createJwtVerifier(cfg: JwtConfig): JwtVerifier {
  const key = cfg.jwksUrl
    ? createRemoteJWKSet(cfg.jwksUrl, {
        cooldownDuration: cfg.jwksCooldownSeconds * 1000,
        cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
        timeoutDuration: JWKS_TIMEOUT_MS,
      })
    : (cfg.publicKey ?? new TextEncoder().encode(cfg.secret?.reveal()));
  const options = {
    issuer: cfg.issuer,
    audience: cfg.audience,
    algorithms: cfg.algorithms,
    clockTolerance: cfg.clockSkewSeconds,
    // A token without exp would be valid forever.
    requiredClaims: ['exp'],
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      // One call site for both key kinds; jose picks the overload at run time.
      ({ payload } = await jwtVerify(token, key as Parameters<typeof jwtVerify>[1], options));
    } catch (err) {
      throw toAuthFailure(err);
    }
    return callerFromClaims(payload, cfg);
  };
}

function toAuthFailure(err: unknown): AuthFailure {
  // The key set could not be fetched or read: not the caller's fault.
  const keysUnavailable =
    err instanceof errors.JWKSTimeout ||
    err instanceof errors.JWKSInvalid ||
    !(err instanceof errors.JOSEError) ||
    err.code === errors.JOSEError.code;
  if (keysUnavailable) return new AuthFailure(503, 'AUTH_UNAVAILABLE', 'signing keys are unavailable; try again shortly');
  if (err instanceof errors.JWTExpired) return new AuthFailure(401, 'TOKEN_EXPIRED', 'the token has expired');
  if (err instanceof errors.JWKSNoMatchingKey) return new AuthFailure(401, 'INVALID_TOKEN', 'no signing key matches the token');
  // jose's messages name the failed check ("unexpected \"aud\" claim value", "signature verification failed", …).
  return new AuthFailure(401, 'INVALID_TOKEN', `invalid token: ${err.message}`);
}
