/**
 * API keys: parsing the API_KEYS / API_KEYS_FILE lines and finding the caller's
 * key. Only SHA-256 digests are kept in memory, so plaintext keys from the
 * environment are not held longer than start-up, and a keys file may list
 * digests instead of keys.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { AGORA_CHARSET, AGORA_TTL_CAP, CHANNEL_NAME_MAX } from '../tokens/rules.js';
import { isTokenType, validPattern, type Restrictions } from './policy.js';

/** Optional restrictions of one key (keys file only; see grantsOf for the defaults). */
export type KeyLimits = Restrictions;

export interface ApiKeyEntry {
  /** The key's name, or `key-` + the first 8 hex digits of its digest. Safe to log. */
  id: string;
  digest: Buffer;
  limits: KeyLimits;
}

export type ParseResult = { ok: true; entries: ApiKeyEntry[] } | { ok: false; line: number };

const NAME = '[A-Za-z0-9_.-]{1,64}';
/** Plaintext keys: at least 16 URL/base64-safe characters, so no ':' , ',' or spaces. */
const PLAIN = '[A-Za-z0-9_.~+/=-]{16,512}';
const CREDENTIAL = new RegExp(`^(?:(?!sha256:)(${NAME}):)?(?:sha256:([0-9a-fA-F]{64})|(${PLAIN}))$`);
/** Agora's channel characters plus `*`; without ',', which separates the patterns. */
const CHANNEL_PATTERN = new RegExp(`^[${AGORA_CHARSET.replace(',', '')}*]{1,${CHANNEL_NAME_MAX}}$`);
const POSITIVE = /^[1-9][0-9]{0,8}$/;

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function parseOption(limits: KeyLimits, option: string): boolean {
  const eq = option.indexOf('=');
  const name = option.slice(0, eq);
  const value = option.slice(eq + 1);
  if (eq < 1 || value === '') return false;
  switch (name) {
    case 'channels': {
      // Agora allows ',' in channel names; a pattern listed here cannot contain one.
      const patterns = value.split(',');
      if (!patterns.every((p) => CHANNEL_PATTERN.test(p) && validPattern(p))) return false;
      limits.channels = patterns;
      return true;
    }
    case 'maxTtl':
      if (!POSITIVE.test(value) || Number(value) > AGORA_TTL_CAP) return false;
      limits.maxTtl = Number(value);
      return true;
    case 'roles': {
      const roles = value.split(',');
      if (!roles.every((r) => r === 'publisher' || r === 'subscriber')) return false;
      limits.roles = roles;
      return true;
    }
    case 'services': {
      const services = value.split(',');
      if (!services.every(isTokenType)) return false;
      limits.services = services;
      return true;
    }
    case 'wildcardUid':
      if (value !== 'true' && value !== 'false') return false;
      limits.wildcardUid = value === 'true';
      return true;
    case 'rateLimit':
      if (!POSITIVE.test(value)) return false;
      limits.rateLimit = Number(value);
      return true;
    default:
      return false;
  }
}

/**
 * One key per line: `[name:]key` or `[name:]sha256:<hex digest>`, then optional
 * `channels=a,b-*` `maxTtl=600` `roles=subscriber` `rateLimit=100` `services=rtc,rtm`
 * `wildcardUid=true`. An option given twice is refused: the last must not silently win.
 * Blank lines and `#` comments are skipped.
 */
export function parseApiKeyLines(lines: string[], opts: { allowOptions: boolean }): ParseResult {
  const entries: ApiKeyEntry[] = [];
  for (const [index, raw] of lines.entries()) {
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const [credential = '', ...options] = text.split(/\s+/);
    const m = CREDENTIAL.exec(credential);
    if (!m || (options.length > 0 && !opts.allowOptions)) return { ok: false, line: index + 1 };
    const [, name, hex, plain] = m;
    const digest = hex !== undefined ? Buffer.from(hex, 'hex') : sha256(plain as string);
    const limits: KeyLimits = {};
    const optionNames = options.map((o) => o.slice(0, o.indexOf('=')));
    if (new Set(optionNames).size !== options.length || !options.every((o) => parseOption(limits, o))) {
      return { ok: false, line: index + 1 };
    }
    entries.push({ id: name ?? `key-${digest.toString('hex').slice(0, 8)}`, digest, limits });
  }
  return { ok: true, entries };
}

/**
 * Finds the entry whose digest matches the presented key. Every entry is compared,
 * in constant time, whatever matches: timing reveals neither the key nor its position.
 */
export function findApiKey(entries: readonly ApiKeyEntry[], presented: string): ApiKeyEntry | undefined {
  const digest = sha256(presented);
  let found: ApiKeyEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest)) found = entry;
  }
  return found;
}
