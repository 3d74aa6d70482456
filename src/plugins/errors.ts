/**
 * One error shape for every 4xx and 5xx (ErrorSchema), produced here and only here.
 * 5xx messages are masked: internals never reach a client.
 */
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';
import { ErrorSchema, type ErrorBody } from '../schemas/common.js';
import { ABSOLUTE_TIMESTAMP_FLOOR, TokenInputError, type FieldNames } from '../tokens/rules.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** How this route spells the fields Agora's rules check (see FieldNames). */
    fieldNames?: FieldNames;
  }
}

/**
 * The one code of every 400 for bad input, whether a schema or one of Agora's rules
 * caught it: which layer checks a rule is not the client's concern.
 */
export const VALIDATION_ERROR = 'VALIDATION_ERROR';

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

/** Fields holding a lifetime in seconds, where an absolute timestamp is a common mistake. */
const LIFETIME_FIELD = /(Seconds|^expire\w*)$/;

/** Turns the first schema violation into a message that names the field. */
function describeValidation(error: FastifyError, request: FastifyRequest): { field: string; message: string } {
  // Fastify always sets both when it reports a validation error.
  const first = error.validation![0]!;
  const context = error.validationContext!;
  const params = first.params as { missingProperty?: string; additionalProperty?: string; limit?: number };
  const path = first.instancePath.slice(1).replaceAll('/', '.');
  const field = [path, params.missingProperty ?? params.additionalProperty].filter(Boolean).join('.') || context;
  if (params.additionalProperty) return { field, message: `${context}/${field} is not a known property` };
  if (first.keyword === 'maximum' && LIFETIME_FIELD.test(field)) {
    // Our schemas are flat: the offending value sits at the top of body or query.
    const value = Number((request as unknown as Record<string, Record<string, unknown>>)[context]![field]);
    if (value >= ABSOLUTE_TIMESTAMP_FLOOR) {
      return {
        field,
        message: `${context}/${field} looks like an absolute unix timestamp (${value}); send a duration in seconds from now (at most ${params.limit})`,
      };
    }
  }
  return { field, message: `${field === context ? context : `${context}/${field}`} ${first.message}` };
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
      let methods = allowed.get(route.url);
      if (!methods) {
        methods = new Set();
        allowed.set(route.url, methods);
        // The shadow router is only asked whether a path exists; its handler never runs.
        /* c8 ignore next */
        known.on('GET', route.url, () => {}, { url: route.url });
      }
      methods.add(method);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.replace(/\?.*$/s, '');
    // The shadow router matches like Fastify's, so a hit here means: right path, wrong method.
    const hit = known.find('GET', path);
    const methods = hit && allowed.get((hit.store as { url: string }).url);
    if (methods) {
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
      return reply.code(400).send(errorBody(request, 400, VALIDATION_ERROR, message, field));
    }
    if (error instanceof TokenInputError) {
      const { field, message } = error.named(request.routeOptions.config.fieldNames);
      return reply.code(400).send(errorBody(request, 400, VALIDATION_ERROR, message, field));
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
