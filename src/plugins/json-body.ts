/**
 * The JSON body parser. Fastify's own refuses `__proto__` and `constructor` keys as
 * "Body is not valid JSON", which they are; and like JSON.parse it lets the last of two
 * equal keys win, so `{"uid":5,"uid":7}` minted for uid 7 while a proxy or WAF in front,
 * reading the first, may have judged uid 5. Both are refused here with a 400 naming
 * the key: FORBIDDEN_JSON_KEY and DUPLICATE_JSON_KEY.
 */
import type { FastifyInstance } from 'fastify';
import { errorCodes } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.js';

/** Keys that reach object prototypes in code that copies or merges objects. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export interface KeyProblem {
  problem: 'forbidden' | 'duplicate';
  key: string;
}

/**
 * One pass over a text JSON.parse has accepted: the first forbidden or repeated key of
 * any object, at any depth, or undefined. Linear in the text; it allocates a string per
 * key and one Set per nesting depth, reused by every object at that depth. Keys are
 * compared decoded, so `"\u0075id"` repeats `"uid"`.
 */
export function findKeyProblem(text: string): KeyProblem | undefined {
  const seen: Set<string>[] = [];
  // Per depth: whether the container is an object (true) or an array (false).
  const isObject: boolean[] = [];
  let depth = -1;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = i + 1;
      let escaped = false;
      for (let ch = text.charCodeAt(end); ch !== QUOTE; ch = text.charCodeAt(++end)) {
        if (ch === BACKSLASH) {
          escaped = true;
          end++;
        }
      }
      if (expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, end + 1)) as string) : text.slice(i + 1, end);
        if (FORBIDDEN_KEYS.has(key)) return { problem: 'forbidden', key };
        const keys = seen[depth] as Set<string>;
        if (keys.has(key)) return { problem: 'duplicate', key };
        keys.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      depth++;
      isObject[depth] = true;
      (seen[depth] ??= new Set()).clear();
      expectKey = true;
    } else if (c === OPEN_ARRAY) {
      depth++;
      isObject[depth] = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    } else if (c === COMMA) {
      expectKey = isObject[depth] as boolean;
    } else if (c === COLON) {
      expectKey = false;
    }
  }
  return undefined;
}

/** Parses a JSON body, or throws the 400 that names what is wrong with it. */
export function parseJsonBody(body: string): unknown {
  // A leading byte order mark is ignored, as Fastify's own parser did (RFC 8259, section 8.1, allows it).
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (text.length === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
  }
  const found = findKeyProblem(text);
  if (found?.problem === 'forbidden') {
    throw new HttpError(400, 'FORBIDDEN_JSON_KEY', `the body holds the key ${JSON.stringify(found.key)}, which is never accepted (prototype pollution)`, { field: found.key });
  }
  if (found) {
    throw new HttpError(400, 'DUPLICATE_JSON_KEY', `the key ${JSON.stringify(found.key)} appears twice in one object of the body; send each key once`, { field: found.key });
  }
  return value;
}

async function jsonBodyPlugin(app: FastifyInstance) {
  app.removeContentTypeParser('application/json');
  // BODY_LIMIT (serverOptions) applies before this runs.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

export default fp(jsonBodyPlugin, { name: 'json-body', fastify: '5.x' });
