/**
 * Query strings, read strictly. Fastify's parser keeps a value it cannot decode as
 * its raw text (`channelName=%ff` became the channel "%ff") and passes any key along,
 * so a misspelled or array-style parameter (`UID=5`, `uid[]=5`) was silently ignored
 * and the token came out as the wildcard. On every route that declares a querystring
 * schema, each parameter must decode and be one the route knows; otherwise a 400
 * names it as the route spells it.
 *
 * Also the URL as logged: the path and the route's known parameters only. Anything
 * else (`?apikey=…`, a token pasted into the wrong field) may be a credential and is
 * never written to a log line, at any level.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError, VALIDATION_ERROR } from './errors.js';

/**
 * Tolerated on every query-taking route and ignored: the cache-buster jQuery
 * (`cache: false`) and similar browser helpers append, `_=<timestamp>`.
 */
export const CACHE_BUSTER = '_';
const REDACTED = '[redacted]';
const NONE: ReadonlySet<string> = new Set();
/** Computed once per route schema, not per request. */
const knownBySchema = new WeakMap<object, ReadonlySet<string>>();

/** The query parameters a route declares (none for a route without a querystring schema). */
export function knownParameters(request: FastifyRequest): ReadonlySet<string> {
  // Every querystring schema here is a TypeBox object: it has properties.
  const schema = request.routeOptions.schema?.querystring as { properties: Record<string, unknown> } | undefined;
  if (schema === undefined) return NONE;
  let known = knownBySchema.get(schema);
  if (!known) {
    known = new Set(Object.keys(schema.properties));
    knownBySchema.set(schema, known);
  }
  return known;
}

/** application/x-www-form-urlencoded decoding, or undefined when the percent-encoding is invalid. */
function decode(text: string): string | undefined {
  // Nothing to decode (the common case): no exception frame, no new string.
  if (!text.includes('%') && !text.includes('+')) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** The raw `key=value` pairs of a URL's query string (empty pairs skipped). */
function pairs(url: string): [key: string, value: string | undefined][] {
  const out: [string, string | undefined][] = [];
  const at = url.indexOf('?');
  if (at < 0) return out;
  for (const pair of url.slice(at + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    out.push(eq < 0 ? [pair, undefined] : [pair.slice(0, eq), pair.slice(eq + 1)]);
  }
  return out;
}

/**
 * The URL for a log line: the path and the route's known parameters as sent; any other
 * parameter is one `[redacted]`, key included (`?<key>` alone is a credential too).
 */
export function loggableUrl(url: string, known: ReadonlySet<string>): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const all = pairs(url);
  // Every parameter the route's own and no empty pair (a client of the route, the common
  // case): the URL as sent is what the rebuilt one would be.
  const query = url.slice(at + 1);
  const emptyPair = query.startsWith('&') || query.endsWith('&') || query.includes('&&');
  if (!emptyPair && all.every(([key]) => known.has(decode(key) ?? ''))) return url;
  const logged = all.map(([key, value]) => {
    if (!known.has(decode(key) ?? '')) return REDACTED;
    return value === undefined ? key : `${key}=${value}`;
  });
  return `${url.slice(0, at)}?${logged.join('&')}`;
}

/** Throws the 400 for the first parameter that does not decode or that the route does not know. */
export function checkQuery(url: string, known: ReadonlySet<string>): void {
  for (const [rawKey, rawValue] of pairs(url)) {
    const key = decode(rawKey);
    // A name the route does not know is in the message only: `field` is for the route's own
    // fields, and it reaches the audit line, where a key sent as `?<key>` must not.
    if (key === undefined) {
      throw new HttpError(400, VALIDATION_ERROR, `querystring parameter ${JSON.stringify(rawKey)} is not valid percent-encoding`);
    }
    if (!known.has(key) && key !== CACHE_BUSTER) {
      const expected = known.size === 0 ? 'this route takes none' : `expected ${[...known].join(', ')}`;
      throw new HttpError(400, VALIDATION_ERROR, `querystring/${key} is not a known parameter (${expected})`);
    }
    if (rawValue !== undefined && decode(rawValue) === undefined) {
      throw new HttpError(400, VALIDATION_ERROR, `querystring/${key} is not valid percent-encoding`, { field: key });
    }
  }
}

async function queryPlugin(app: FastifyInstance) {
  // Before schema validation, so that the value Ajv would see is never Fastify's raw fallback.
  app.addHook('preValidation', async (request) => {
    if (request.routeOptions.schema?.querystring === undefined) return;
    checkQuery(request.url, knownParameters(request));
  });
}

export default fp(queryPlugin, { name: 'query', fastify: '5.x' });
