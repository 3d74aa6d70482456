/**
 * One error shape for every 4xx and 5xx (ErrorSchema), produced here and only here.
 * 5xx messages are masked: internals never reach a client.
 *
 * Three paths lead here: the error and not-found handlers (routed requests), the
 * `frameworkErrors` option (a URL the router cannot decode, before any hook runs),
 * and the `clientErrorHandler` option (requests Node's HTTP parser refuses, or that
 * do not arrive in time: there is no request object, only the socket). The last two
 * add the X-Request-Id and security headers that hooks add everywhere else.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay from 'find-my-way';
import { ErrorSchema, type ErrorBody } from '../schemas/common.js';
import { ABSOLUTE_TIMESTAMP_FLOOR, TokenInputError, type FieldNames } from '../tokens/rules.js';
import { logRequest } from './request-log.js';
import { API_SECURITY_HEADERS } from './security.js';

/**
 * Reason phrases by status code, through require: an ESM import of node:http makes Node
 * evaluate every export of the module, which loads its fetch implementation (undici), about
 * 10 ms of start-up for a table of strings.
 */
export const STATUS_CODES = (createRequire(import.meta.url)('node:http') as typeof import('node:http')).STATUS_CODES;

/** How this server matches paths (Unity and Flutter clients add and omit slashes): for every router it builds. */
export const ROUTER_OPTIONS = { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true };

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
  FST_ERR_BAD_URL: 'BAD_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'PATH_TOO_LONG',
};

/** What Node's HTTP parser refuses (`clientError`), as status, public code and message. */
const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'REQUEST_TIMEOUT', 'the request (headers and body) did not arrive completely in time'],
  HPE_HEADER_OVERFLOW: [431, 'HEADERS_TOO_LARGE', 'the request headers are too large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'BODY_TOO_LARGE', 'the chunk extensions are too large'],
  HPE_INVALID_CONTENT_LENGTH: [400, 'INVALID_CONTENT_LENGTH', 'the Content-Length header is not valid'],
  // Both Content-Length and Transfer-Encoding: the request-smuggling shape.
  HPE_INVALID_TRANSFER_ENCODING: [400, 'INVALID_TRANSFER_ENCODING', 'Transfer-Encoding is not valid here (and never together with Content-Length)'],
};
const MALFORMED: [number, string, string] = [400, 'MALFORMED_REQUEST', 'the request is not valid HTTP/1.1'];

/** Sockets already answered on the bare-socket path (Node reports every later parse error too). */
const answered = new WeakSet<Socket>();
/**
 * How long an answered socket stays open before it is destroyed. Closing at once, with
 * request bytes still unread, makes the kernel send a reset that can wipe the answer
 * out of the client's receive buffer before the client reads it.
 */
const LINGER_MS = 250;

/**
 * Answers on a bare socket, in the one shape, and closes it. Nothing is written when
 * a response has already started on this connection (it would corrupt it).
 */
export function answerOnSocket(
  socket: Socket,
  statusCode: number,
  code: string,
  message: string,
  requestId: string = randomUUID(),
  extraHeaders: Record<string, string> = {},
): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  // The response in flight on this connection, as Node's own socketOnError checks it.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ statusCode, error: String(STATUS_CODES[statusCode]), code, message, requestId } satisfies ErrorBody);
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': requestId,
    connection: 'close',
    ...extraHeaders,
  };
  const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n${head}\r\n${body}`);
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * The server's `clientErrorHandler`: a request Node's parser refused or that timed out.
 * Logged with its code only: the error's `rawPacket` holds the raw request, credentials
 * included, and never reaches a log line.
 */
export function clientErrorHandler(this: FastifyInstance, err: Error & { code: string }, socket: Socket): void {
  // A reset connection (ECONNRESET) is destroyed already: nobody is left to answer.
  if (socket.destroyed) return;
  const [statusCode, code, message] = CLIENT_ERRORS[err.code] ?? MALFORMED;
  const requestId = randomUUID();
  // No request was parsed, so no header can name another client: the peer is the client.
  this.log.info({ requestId, statusCode, code, reason: err.code, clientIp: socket.remoteAddress }, 'client error');
  answerOnSocket(socket, statusCode, code, message, requestId);
}

/** The error code a status stands for when nothing more specific applies: 416 → RANGE_NOT_SATISFIABLE. */
export function statusCodeName(status: number): string {
  return (STATUS_CODES[status] ?? 'CLIENT_ERROR').toUpperCase().replaceAll(' ', '_');
}

/** Node's own test for an expectation it meets (lib/_http_server.js): only 100-continue. */
const CONTINUE = /(?:^|\W)100-continue(?:$|\W)/i;

/**
 * An onRequest hook for request heads this server will not serve, answered in the one shape:
 * an HTTP/1.1 request without Host (RFC 9112, section 3.2) is a 400, an Expect header asking
 * for anything but 100-continue (RFC 9110, section 10.1.1) a 417. One synchronous hook for both:
 * it runs on every request.
 */
export const refuseBadHead: onRequestHookHandler = (request, _reply, done) => {
  if (request.headers.host === undefined && request.raw.httpVersion !== '1.0') {
    return done(new HttpError(400, 'MISSING_HOST', 'an HTTP/1.1 request needs a Host header'));
  }
  const expect = request.headers.expect;
  if (expect !== undefined && !CONTINUE.test(expect)) {
    return done(new HttpError(417, 'EXPECTATION_FAILED', 'the Expect header asks for something this server does not do; only 100-continue is supported'));
  }
  done();
};

/** Fields holding a lifetime in seconds, where an absolute timestamp is a common mistake. */
const LIFETIME_FIELD = /(Seconds|^expire\w*|^privileges\.\w+)$/;

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
    // The offending value, found along the instance path (privileges.* sit one level down).
    const value = Number(path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], (request as unknown as Record<string, unknown>)[context]));
    if (value >= ABSOLUTE_TIMESTAMP_FLOOR) {
      return {
        field,
        message: `${context}/${field} looks like an absolute unix timestamp (${value}); send a duration in seconds from now (at most ${params.limit})`,
      };
    }
  }
  return { field, message: `${field === context ? context : `${context}/${field}`} ${first.message}` };
}

/** Routed and framework errors alike: the one shape, the right status, 5xx masked. */
function sendError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
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
    const code = FASTIFY_CODES[error.code] ?? statusCodeName(status);
    return reply.code(status).send(errorBody(request, status, code, error.message));
  }
  request.log.error({ err: error }, 'request failed');
  const masked = status >= 500 && status < 600 ? status : 500;
  return reply.code(masked).send(errorBody(request, masked, 'INTERNAL_ERROR', 'Internal Server Error'));
}

/**
 * What the router refuses, named without the URL: Fastify's own messages quote it,
 * query string included, and a query string may hold credentials.
 */
const FRAMEWORK_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'the URL path is not valid (invalid percent-encoding)',
  FST_ERR_MAX_PARAM_LENGTH: 'a path segment is longer than the router accepts',
};

/**
 * The server's `frameworkErrors`: the router could not decode the URL (`GET /%ff`) or a
 * path parameter is too long. No hook runs for these, so the headers and the request
 * line are written here.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.headers({ ...API_SECURITY_HEADERS, 'x-request-id': request.id });
  // Only the router's two errors reach this handler.
  error.message = FRAMEWORK_MESSAGES[error.code] as string;
  void sendError(error, request, reply);
  logRequest(request, reply);
}

async function errorsPlugin(app: FastifyInstance) {
  app.addSchema(ErrorSchema);

  // Remember every route so that a wrong method on a known path gets 405 + Allow, not 404.
  const known = FindMyWay(ROUTER_OPTIONS);
  const allowed = new Map<string, Set<string>>();
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
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
    // A route that serves this very method and still found nothing (a missing file under /docs/static/) is a 404.
    const served = methods && (methods.has(request.method) || (request.method === 'HEAD' && methods.has('GET')));
    if (methods && !served) {
      const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].join(', ');
      return reply
        .code(405)
        .header('allow', allow)
        .send(errorBody(request, 405, 'METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allow}`));
    }
    return reply.code(404).send(errorBody(request, 404, 'NOT_FOUND', `no route for ${request.method} ${path}`));
  });

  app.setErrorHandler(sendError);

  // Without a listener Node answers an Expect other than 100-continue with a bare 417 of its own
  // (no body, no request id, no log line). Handed on as a request, the app refuses it in the
  // one shape (refuseBadHead): exactly what Node does itself with an Expect it accepts.
  app.server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => app.server.emit('request', req, res));

  // Without a listener Node drops a CONNECT request's socket without a word: this is not a proxy.
  app.server.on('connect', (req: IncomingMessage, socket: Socket) => {
    const requestId = randomUUID();
    app.log.info({ requestId, method: req.method, statusCode: 405, clientIp: socket.remoteAddress }, 'client error');
    answerOnSocket(socket, 405, 'METHOD_NOT_ALLOWED', 'CONNECT is not supported: this server is not a proxy', requestId, { allow: 'GET, HEAD, POST, OPTIONS' });
  });
}

export default fp(errorsPlugin, { name: 'errors', fastify: '5.x' });
