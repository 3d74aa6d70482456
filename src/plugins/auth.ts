/**
 * Authentication: who is calling. Runs on the routes that declare `security`
 * (the minting routes) and sets `request.caller`.
 *
 * Resolution (onRequest) and refusal (preParsing) are two steps on purpose: the
 * rate limiter runs between them, so a flood of bad credentials is limited per
 * client IP before any 401 is sent, and a good caller is limited per identity.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { findApiKey, type ApiKeyEntry } from '../auth/api-keys.js';
import { AuthFailure } from '../auth/failure.js';
import type { JwtVerifier } from '../auth/jwt.js';
import { API_KEY_DEFAULT_ROLES, OPEN_GRANTS, grantsOf, type Caller, type Grants } from '../auth/policy.js';
import type { AuthConfig } from '../config.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller on routes that declare `security`; null elsewhere. */
    caller: Caller | null;
  }
}

const REALM = 'agora-token-server';
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const ANONYMOUS: Caller = { id: 'anonymous', method: 'none', grants: OPEN_GRANTS };
const failures = new WeakMap<FastifyRequest, HttpError>();

/** True on routes that declare a security requirement (see src/schemas/security.ts). */
export function requiresCredentials(request: FastifyRequest): boolean {
  const schema = request.routeOptions.schema as { security?: unknown[] } | undefined;
  return (schema?.security?.length ?? 0) > 0;
}

/** A key acts for any user (it is a backend's), within its line's restrictions; both roles by default. */
function keyGrants(key: ApiKeyEntry): Grants {
  return grantsOf(key.limits, { anyIdentity: true }, API_KEY_DEFAULT_ROLES);
}

function unauthorized(code: string, message: string, bearerError?: 'invalid_token' | 'invalid_request'): HttpError {
  // RFC 6750: no error attribute when the request carried no credential at all.
  const challenge = bearerError
    ? `Bearer realm="${REALM}", error="${bearerError}", error_description="${message.replaceAll('"', "'")}"`
    : `Bearer realm="${REALM}"`;
  return new HttpError(401, code, message, { headers: { 'www-authenticate': challenge } });
}

function fromAuthFailure(err: AuthFailure, request: FastifyRequest): HttpError {
  if (err.status === 401) return unauthorized(err.code, err.message, 'invalid_token');
  if (err.status === 503) {
    request.log.warn({ code: err.code }, 'JWT signing keys could not be fetched');
    return new HttpError(503, err.code, err.message, { headers: { 'retry-after': '5' } });
  }
  return new HttpError(err.status, err.code, err.message);
}

async function authPlugin(app: FastifyInstance, opts: AuthConfig) {
  const apiKeys = opts.methods.includes('apiKey');
  // Loaded only when JWTs are accepted: a server taking API keys alone starts without `jose`.
  const verifyJwt: JwtVerifier | undefined = opts.jwt && (await import('../auth/jwt.js')).createJwtVerifier(opts.jwt);
  if (opts.methods.length === 0) {
    app.log.warn('AUTH_MODE=none: anyone who can reach this server can mint tokens; set AUTH_MODE=apiKey or jwt');
  }

  /** Synchronous for API keys; a promise only when a JWT has to be verified. */
  function authenticate(request: FastifyRequest): Caller | Promise<Caller> {
    if (opts.methods.length === 0) return ANONYMOUS;
    const header = request.headers.authorization;
    const xApiKey = request.headers['x-api-key'];
    if (header !== undefined && xApiKey !== undefined) {
      throw unauthorized('AMBIGUOUS_CREDENTIALS', 'send one credential: Authorization or X-API-Key, not both', 'invalid_request');
    }
    if (xApiKey !== undefined) {
      if (!apiKeys) throw unauthorized('INVALID_CREDENTIALS', 'API keys are not accepted by this server', 'invalid_request');
      return apiKeyCaller(String(xApiKey));
    }
    if (header === undefined) throw unauthorized('MISSING_CREDENTIALS', 'credentials are required: Authorization: Bearer <credential>');
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw unauthorized('INVALID_CREDENTIALS', 'use the Bearer scheme: Authorization: Bearer <credential>', 'invalid_request');
    const credential = match[1] as string;
    if (!verifyJwt) return apiKeyCaller(credential);
    // Route by what the configuration accepts, not by shape alone: a configured key
    // may contain dots too, and must not be sent to the JWT verifier.
    const key = apiKeys ? findApiKey(opts.apiKeys, credential) : undefined;
    if (key) return keyCaller(key);
    if (JWT_SHAPE.test(credential) || !apiKeys) return verifyJwt(credential);
    throw invalidKey();
  }

  const invalidKey = () => unauthorized('INVALID_CREDENTIALS', 'the API key is not valid', 'invalid_token');
  // Each key's caller (and its grants) built once, not on every request.
  const keyCallers = new Map(opts.apiKeys.map((key): [ApiKeyEntry, Caller] => [key, { id: key.id, method: 'apiKey', grants: keyGrants(key) }]));
  const keyCaller = (key: ApiKeyEntry): Caller => keyCallers.get(key) as Caller;

  function apiKeyCaller(presented: string): Caller {
    const key = findApiKey(opts.apiKeys, presented);
    if (!key) throw invalidKey();
    return keyCaller(key);
  }

  app.decorateRequest('caller', null);

  const identified = (request: FastifyRequest, caller: Caller) => {
    request.caller = caller;
    // The request-log line names the caller (key name or JWT subject; never a credential).
    if (caller.method !== 'none') request.callerId = caller.id;
  };
  const refused = (request: FastifyRequest, err: unknown) => {
    // authenticate() throws HttpError itself, and passes on the verifier's AuthFailure.
    failures.set(request, err instanceof AuthFailure ? fromAuthFailure(err, request) : (err as HttpError));
  };

  // Callback style: an API key is checked without a promise; only a JWT waits for its verifier.
  app.addHook('onRequest', (request, _reply, done) => {
    if (!requiresCredentials(request)) return done();
    let result: Caller | Promise<Caller>;
    try {
      result = authenticate(request);
    } catch (err) {
      refused(request, err);
      return done();
    }
    if (result instanceof Promise) {
      result.then(
        (caller) => {
          identified(request, caller);
          done();
        },
        (err: unknown) => {
          refused(request, err);
          done();
        },
      );
      return;
    }
    identified(request, result);
    done();
  });

  app.addHook('preParsing', (request, _reply, payload, done) => {
    const failure = failures.get(request);
    if (failure) {
      request.log.info({ code: failure.code, status: failure.statusCode }, 'credentials refused');
      return done(failure);
    }
    done(null, payload);
  });
}

export default fp(authPlugin, { name: 'auth', fastify: '5.x', dependencies: ['errors', 'request-log'] });
