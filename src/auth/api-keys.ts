/**
 * API keys: parsing the API_KEYS / API_KEYS_FILE lines and finding the caller's
 * key. Only SHA-256 digests are kept in memory, so plaintext keys from the
 * environment are not held longer than start-up, and a keys file may list
 * digests instead of keys.
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { AGORA_CHARSET, AGORA_TTL_CAP, CHANNEL_NAME_MAX, ROLES } from '../tokens/rules.js';
import { PATTERN_WILDCARDS_MAX, TOKEN_TYPE_NAMES, isTokenType, validPattern, type Restrictions, type Role } from './policy.js';

/** Optional restrictions of one key (keys file only; see grantsOf for the defaults). */
export type KeyLimits = Restrictions;

export interface ApiKeyEntry {
  /** The key's name, or `key-` + the first 8 hex digits of its digest. Safe to log. */
  id: string;
  digest: Buffer;
  limits: KeyLimits;
}

/** Why a line was refused: the reason never quotes the line, which may hold a key. */
export type ParseResult = { ok: true; entries: ApiKeyEntry[]; lines: number[] } | { ok: false; line: number; reason: string };

const NAME = '[A-Za-z0-9_.-]{1,64}';
/** Plaintext keys: at least 16 URL/base64-safe characters, so no ':' , ',' or spaces. */
const PLAIN = '[A-Za-z0-9_.~+/=-]{16,512}';
const CREDENTIAL = new RegExp(`^(?:(?!sha256:)(${NAME}):)?(?:sha256:([0-9a-fA-F]{64})|(${PLAIN}))$`);
/** Agora's channel characters plus `*`; without ',', which separates the patterns. */
const CHANNEL_PATTERN = new RegExp(`^[${AGORA_CHARSET.replace(',', '')}*]{1,${CHANNEL_NAME_MAX}}$`);
const POSITIVE = /^[1-9][0-9]{0,8}$/;

const BAD_CREDENTIAL =
  'not [name:]key or [name:]sha256:<64 hex digits> (a key is at least 16 of A-Z a-z 0-9 _ . ~ + / = -, a name at most 64 of A-Z a-z 0-9 _ . -)';

/** One-shot hashing: no Hash object per request. */
export function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

/** Each option's parser: sets the limit, or returns why the value is refused. */
const OPTIONS: Record<string, (limits: KeyLimits, value: string) => string | undefined> = {
  channels(limits, value) {
    // Agora allows ',' in channel names; a pattern listed here cannot contain one.
    const patterns = value.split(',');
    if (!patterns.every((p) => CHANNEL_PATTERN.test(p))) {
      return `channels: each pattern is 1 to ${CHANNEL_NAME_MAX} of Agora's channel-name characters (no ',') and *`;
    }
    if (!patterns.every(validPattern)) return `channels: a pattern has more than ${PATTERN_WILDCARDS_MAX} *`;
    limits.channels = patterns;
    return undefined;
  },
  services(limits, value) {
    const services = value.split(',');
    if (!services.every(isTokenType)) return `services: unknown token type (known: ${TOKEN_TYPE_NAMES.join(', ')})`;
    limits.services = services;
    return undefined;
  },
  roles(limits, value) {
    const roles = value.split(',');
    if (!roles.every((r) => (ROLES as readonly string[]).includes(r))) return 'roles: publisher and/or subscriber';
    limits.roles = roles as Role[];
    return undefined;
  },
  wildcardUid(limits, value) {
    if (value !== 'true' && value !== 'false') return 'wildcardUid: true or false';
    limits.wildcardUid = value === 'true';
    return undefined;
  },
  maxTtl(limits, value) {
    if (!POSITIVE.test(value) || Number(value) > AGORA_TTL_CAP) return `bad maxTtl: a whole number of seconds from 1 to ${AGORA_TTL_CAP}`;
    limits.maxTtl = Number(value);
    return undefined;
  },
  rateLimit(limits, value) {
    if (!POSITIVE.test(value)) return 'bad rateLimit: a whole number from 1 to 999999999';
    limits.rateLimit = Number(value);
    return undefined;
  },
};

/** Why one line's options are refused, or undefined once they are all in `limits`. Never quotes a value. */
function parseOptions(limits: KeyLimits, options: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const option of options) {
    const eq = option.indexOf('=');
    const name = option.slice(0, eq);
    // An unknown name is not echoed: a misplaced key could be split at a '=' of its base64 padding.
    if (eq < 1 || !Object.hasOwn(OPTIONS, name)) return `unknown option (known: ${Object.keys(OPTIONS).join('=, ')}=)`;
    // The last must not silently win.
    if (seen.has(name)) return `${name} is given twice`;
    seen.add(name);
    if (option.length === eq + 1) return `${name} has no value`;
    const reason = (OPTIONS[name] as (typeof OPTIONS)[string])(limits, option.slice(eq + 1));
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * One key per line: `[name:]key` or `[name:]sha256:<hex digest>`, then optional
 * `channels=a,b-*` `maxTtl=600` `roles=subscriber` `rateLimit=100` `services=rtc,rtm`
 * `wildcardUid=true`. Blank lines and `#` comments are skipped.
 */
export function parseApiKeyLines(lines: string[], opts: { allowOptions: boolean }): ParseResult {
  const entries: ApiKeyEntry[] = [];
  /** The line of each entry, for later refusals (duplicates) to name. */
  const at: number[] = [];
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const [credential = '', ...options] = text.split(/\s+/);
    const m = CREDENTIAL.exec(credential);
    if (!m) return { ok: false, line, reason: BAD_CREDENTIAL };
    if (options.length > 0 && !opts.allowOptions) return { ok: false, line, reason: 'limits (name=value options) are only read from API_KEYS_FILE' };
    const [, name, hex, plain] = m;
    const digest = hex !== undefined ? Buffer.from(hex, 'hex') : sha256(plain as string);
    const limits: KeyLimits = {};
    const reason = parseOptions(limits, options);
    if (reason !== undefined) return { ok: false, line, reason };
    entries.push({ id: name ?? `key-${digest.toString('hex').slice(0, 8)}`, digest, limits });
    at.push(line);
  }
  return { ok: true, entries, lines: at };
}

/** A key variable's text: API_KEYS is a comma-separated list (its "lines" are entries), API_KEYS_FILE a file. */
export interface KeySource {
  variable: 'API_KEYS' | 'API_KEYS_FILE';
  text: string;
}

/**
 * Every key of API_KEYS and API_KEYS_FILE, or the start-up error naming the
 * variable, the line (entry) and the reason — never the key. One key listed twice
 * (under two names, or as a key and as its digest) is refused: which line applied
 * would depend on their order. So is one name used twice: it is the caller id.
 */
export function parseApiKeys(sources: readonly KeySource[]): { ok: true; entries: ApiKeyEntry[] } | { ok: false; message: string } {
  const entries: ApiKeyEntry[] = [];
  const byName = new Map<string, string>();
  const byDigest = new Map<string, string>();
  for (const { variable, text } of sources) {
    const file = variable === 'API_KEYS_FILE';
    const unit = file ? 'line' : 'entry';
    const parsed = parseApiKeyLines(text.split(file ? '\n' : ','), { allowOptions: file });
    if (!parsed.ok) return { ok: false, message: `${variable} is invalid at ${unit} ${parsed.line}: ${parsed.reason}` };
    for (const [i, entry] of parsed.entries.entries()) {
      const here = `${unit} ${parsed.lines[i]}`;
      const where = (at: string) => (at.startsWith(variable) ? at.slice(variable.length + 1) : at);
      const digest = entry.digest.toString('hex');
      const sameKey = byDigest.get(digest);
      if (sameKey !== undefined) {
        return { ok: false, message: `${variable} is invalid at ${here}: the same key as ${where(sameKey)} (under another name, or as a key and as its digest)` };
      }
      const sameName = byName.get(entry.id);
      if (sameName !== undefined) return { ok: false, message: `${variable} is invalid at ${here}: duplicate name ${entry.id}, already used at ${where(sameName)}` };
      byDigest.set(digest, `${variable} ${here}`);
      byName.set(entry.id, `${variable} ${here}`);
      entries.push(entry);
    }
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
