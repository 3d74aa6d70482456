/**
 * One error shape for every 4xx and 5xx (ErrorSchema), produced here and only here.
 * 5xx messages are masked: internals never reach a client.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';
import { ErrorSchema, type ErrorBody } from '../schemas/common.js';
import { ABSOLUTE_TIMESTAMP_FLOOR, TokenInputError } from '../tokens/rules.js';

/** An error a handler throws on purpose, with a status and a stable code. */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;
  constructor(statusCode: number, code: string, message: string, opts: { field?: string; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
    this.field = opts.field;
    this.headers = opts.headers ?? {};
  }
}

export function errorBody(request: FastifyRequest, statusCode: number, code: string, message: string, field?: string): ErrorBody {
  const body: ErrorBody = {
    statusCode,
    error: STATUS_CODES[statusCode] ?? 'Error',
    code,
    message,
    requestId: String(request.id),
  };
  if (field !== undefined) body.field = field;
  return body;
}

/** Fastify's own 4xx error codes, renamed to stable public ones. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'EMPTY_BODY',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'INVALID_CONTENT_LENGTH',
};

function valueAt(root: unknown, instancePath: string): unknown {
  let cur: unknown = root;
  for (const part of instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Turns the first schema violation into a message that names the field. */
function describeValidation(error: FastifyError, request: FastifyRequest): { field: string; message: string } {
  const first = error.validation?.[0];
  const context = error.validationContext ?? 'body';
  if (!first) return { field: context, message: error.message };
  const missing = (first.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
  let field = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (missing.missingProperty) field = field ? `${field}.${missing.missingProperty}` : missing.missingProperty;
  if (missing.additionalProperty) {
    const name = field ? `${field}.${missing.additionalProperty}` : missing.additionalProperty;
    return { field: name, message: `${context}/${name} is not a known property` };
  }
  const source = (request as unknown as Record<string, unknown>)[context];
  const value = valueAt(source, first.instancePath);
  if (first.keyword === 'maximum' && typeof value === 'number' && value >= ABSOLUTE_TIMESTAMP_FLOOR) {
    return {
      field,
      message: `${context}/${field} looks like an absolute unix timestamp (${value}); send a duration in seconds from now (at most ${String((first.params as { limit: number }).limit)})`,
    };
  }
  if (!field) return { field: context, message: `${context} ${first.message ?? 'is invalid'}` };
  return { field, message: `${context}/${field} ${first.message ?? 'is invalid'}` };
}

async function errorsPlugin(app: FastifyInstance) {
  app.addSchema(ErrorSchema);

  // Remember every route so that a wrong method on a known path gets 405 + Allow, not 404.
  const known = FindMyWay({ ignoreTrailingSlash: true, ignoreDuplicateSlashes: true });
  const allowed = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      if (!allowed.has(route.url)) {
        allowed.set(route.url, new Set());
        known.on('GET', route.url, () => {}, { url: route.url });
      }
      allowed.get(route.url)?.add(method);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const hit = known.find('GET', path);
    const methods = hit ? allowed.get((hit.store as { url: string }).url) : undefined;
    if (methods && methods.size > 0 && !methods.has(request.method)) {
      const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].join(', ');
      return reply
        .code(405)
        .header('allow', allow)
        .send(errorBody(request, 405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allow}`));
    }
    return reply.code(404).send(errorBody(request, 404, 'NOT_FOUND', `no route for ${request.method} ${path}`));
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.validation) {
      const { field, message } = describeValidation(error, request);
      return reply.code(400).send(errorBody(request, 400, 'VALIDATION_ERROR', message, field));
    }
    if (error instanceof TokenInputError) {
      return reply.code(400).send(errorBody(request, 400, 'INVALID_INPUT', error.message, error.field));
    }
    if (error instanceof HttpError) {
      reply.headers(error.headers);
      return reply.code(error.statusCode).send(errorBody(request, error.statusCode, error.code, error.message, error.field));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = FASTIFY_CODES[error.code] ?? (STATUS_CODES[status] ?? 'CLIENT_ERROR').toUpperCase().replaceAll(' ', '_');
      return reply.code(status).send(errorBody(request, status, code, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    const masked = status >= 500 && status < 600 ? status : 500;
    return reply.code(masked).send(errorBody(request, masked, 'INTERNAL_ERROR', 'Internal Server Error'));
  });
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' });
