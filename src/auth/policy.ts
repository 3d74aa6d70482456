/**
 * Who may mint what: the caller's grants against one mint request. Plain
 * TypeScript (no Fastify) so every rule is unit-tested on its own.
 *
 * Every denial is a 403: the request is well-formed and another caller could
 * make it. That includes a lifetime above the caller's own cap; a lifetime above
 * the server's TOKEN_TTL_MAX stays a 400, because nobody may ask for it.
 */
import { UID_MAX } from '../tokens/rules.js';

interface TokenTypeInfo {
  /** Not bound to one user: full access for the whole app. Never granted by default. */
  appLevel: boolean;
  /** Bound to one channel, so a `channels` restriction can be enforced on it. */
  channelScoped: boolean;
  /** An app-level type a request gets by leaving out the user of this user-level type (a refusal names that field). */
  appVariantOf?: string;
  /** Mints nothing (the inspector): a `channels` restriction has nothing to restrict, so it does not drop it. */
  mintsNothing?: boolean;
}

/**
 * Every kind of token a caller may be allowed to mint: the names used by the key
 * file's `services=` and the JWT policy claim's `services`. A new token type is
 * one line here, plus what its service mints in typesOf below.
 */
export const TOKEN_TYPES = {
  rtc: { appLevel: false, channelScoped: true },
  rtm: { appLevel: false, channelScoped: false },
  chat: { appLevel: false, channelScoped: false },
  'chat-app': { appLevel: true, channelScoped: false, appVariantOf: 'chat' },
  /** Flexible Classroom room-user and user tokens. */
  apaas: { appLevel: false, channelScoped: false },
  'apaas-app': { appLevel: true, channelScoped: false, appVariantOf: 'apaas' },
  /** The ConvoAI / STT service of an agent token; the token also carries RTM, bound to no channel. */
  convoai: { appLevel: false, channelScoped: false },
  stt: { appLevel: false, channelScoped: false },
  /** Fast Path Acceleration: bound to no user at all. */
  fpa: { appLevel: true, channelScoped: false },
  /**
   * POST /v1/tokens/inspect: reads a token the caller already holds and mints none, so every caller has it by
   * default; an operator may still leave it out of `services`.
   */
  inspect: { appLevel: false, channelScoped: false, mintsNothing: true },
} as const satisfies Record<string, TokenTypeInfo>;

export type TokenType = keyof typeof TOKEN_TYPES;
export const TOKEN_TYPE_NAMES = Object.keys(TOKEN_TYPES) as TokenType[];

export function isTokenType(name: string): name is TokenType {
  return Object.hasOwn(TOKEN_TYPES, name);
}

export type Role = 'publisher' | 'subscriber';

/** What one caller may mint. */
export interface Grants {
  /** May mint for any uid, account or user id (a backend, not an end user). */
  anyIdentity: boolean;
  /** The caller's own account / RTM / Chat user id (never consulted for digit-only ids: see uidOf). */
  identity?: string | undefined;
  /** The caller's own integer uid. */
  uid?: number | undefined;
  /** Channel names or patterns (`*` = any run of characters); absent = any channel. */
  channels?: readonly string[] | undefined;
  /** The token types this caller may mint. */
  services: readonly TokenType[];
  /** Roles of role-bearing tokens; publisher implies subscriber (see grantsOf). */
  roles: readonly Role[];
  /** May mint for uid 0 (or the account "0"), which any user can join with. */
  wildcardUid: boolean;
  /** Cap on lifetimes, in seconds. */
  maxTtl?: number | undefined;
  /** Requests per rate-limit window, instead of the server default. */
  rateLimit?: number | undefined;
}

/** The restrictions a key-file line or a JWT policy claim states; absent = the secure default. */
export interface Restrictions {
  channels?: readonly string[] | undefined;
  services?: readonly TokenType[] | undefined;
  roles?: readonly Role[] | undefined;
  wildcardUid?: boolean | undefined;
  maxTtl?: number | undefined;
  rateLimit?: number | undefined;
}

/**
 * The one place defaults are decided, for API keys and JWTs alike:
 * - services: every type that is neither app-level nor, when `channels` is
 *   restricted, a token free of a channel (a channel list cannot be enforced on it);
 *   `inspect` mints nothing, so it stays;
 * - roles: `defaultRoles` (keys: both; JWTs: subscriber); publisher implies subscriber,
 *   because a publisher token already carries every subscriber privilege;
 * - the wildcard uid: never.
 */
export function grantsOf(r: Restrictions, base: Pick<Grants, 'anyIdentity' | 'identity' | 'uid'>, defaultRoles: readonly Role[]): Grants {
  const services =
    r.services ??
    TOKEN_TYPE_NAMES.filter((t) => {
      const info: TokenTypeInfo = TOKEN_TYPES[t];
      return !info.appLevel && (r.channels === undefined || info.channelScoped || info.mintsNothing === true);
    });
  const roles = r.roles ?? defaultRoles;
  return {
    ...base,
    channels: r.channels,
    services: [...new Set(services)],
    roles: roles.includes('publisher') ? ['publisher', 'subscriber'] : ['subscriber'],
    wildcardUid: r.wildcardUid === true,
    maxTtl: r.maxTtl,
    rateLimit: r.rateLimit,
  };
}

export type AuthMethod = 'none' | 'apiKey' | 'jwt';

export interface Caller {
  /** Key name or JWT subject: safe to log, the rate-limit key. */
  id: string;
  method: AuthMethod;
  grants: Grants;
}

/** Everything allowed: AUTH_MODE=none only. */
export const OPEN_GRANTS: Grants = {
  anyIdentity: true,
  services: TOKEN_TYPE_NAMES,
  roles: ['publisher', 'subscriber'],
  wildcardUid: true,
};

export type Service = 'rtc' | 'rtm' | 'rtc-rtm' | 'chat' | 'apaas' | 'convoai' | 'stt' | 'fpa';

/** A mint request as the policy sees it, after defaults are applied. */
export interface MintRequest {
  service: Service;
  channelName?: string | undefined;
  uid?: number | undefined;
  userAccount?: string | undefined;
  /** RTM or Chat user id (APaaS: userUuid). */
  userId?: string | undefined;
  /** APaaS: the room of a room-user token. */
  roomUuid?: string | undefined;
  role?: Role | undefined;
  expireSeconds: number;
}

/** The request fields as the route names them (compat routes use their own names). */
export type FieldNames = Partial<Record<'channelName' | 'uid' | 'userAccount' | 'userId' | 'role' | 'expireSeconds', string>>;

export interface Denial {
  code: string;
  field?: string | undefined;
  message: string;
}

/** Every token type a request mints: a request is allowed only if the caller holds all of them. */
export function typesOf(req: Pick<MintRequest, 'service' | 'userId' | 'roomUuid'>): TokenType[] {
  switch (req.service) {
    case 'rtc-rtm':
      return ['rtc', 'rtm'];
    case 'chat':
      return [req.userId === undefined ? 'chat-app' : 'chat'];
    case 'apaas':
      // A room-user token also carries RTM login and a Chat user token.
      if (req.roomUuid !== undefined) return ['apaas', 'rtm', 'chat'];
      return [req.userId === undefined ? 'apaas-app' : 'apaas'];
    case 'convoai':
    case 'stt':
      return ['rtc', 'rtm', req.service];
    default:
      return [req.service];
  }
}

/** Why the caller may not use the inspector (the same 403 as a refused token type), or undefined when it may. */
export function checkInspect(grants: Grants): Denial | undefined {
  if (grants.services.includes('inspect')) return undefined;
  return { code: 'SERVICE_NOT_ALLOWED', message: 'this caller may not inspect tokens (not granted inspect)' };
}

/** The lifetime to use when the request names none: the server default, within the caller's cap. */
export function defaultTtl(serverDefault: number, grants: Grants): number {
  return Math.min(serverDefault, grants.maxTtl ?? serverDefault);
}

const CANONICAL_UID = /^(0|[1-9][0-9]{0,9})$/;

/**
 * The uid a user id stands for. Both token formats write the uid as its decimal
 * string, so a token for the account "42" is a token for uid 42: every policy
 * check treats a canonical decimal id as that uid ("0" is the wildcard).
 */
export function uidOf(id: string): number | undefined {
  return CANONICAL_UID.test(id) && Number(id) <= UID_MAX ? Number(id) : undefined;
}

/** At most this many `*` per channel pattern: enough for `team-*-room-*`, no more. */
export const PATTERN_WILDCARDS_MAX = 4;

/** Whether a channel pattern from configuration or a JWT claim is acceptable (charset checked by the caller). */
export function validPattern(pattern: string): boolean {
  return pattern.length > 0 && pattern.split('*').length - 1 <= PATTERN_WILDCARDS_MAX;
}

/**
 * Glob match (`*` = any run of characters) without backtracking: the pieces
 * between stars are found left to right, each at its leftmost place, which is
 * correct for `*`-only globs. `steps` counts character comparisons, so tests can
 * prove the work is bounded by pattern length × name length.
 */
export function globMatch(pattern: string, name: string, steps = { count: 0 }): boolean {
  const pieces = pattern.split('*');
  const equalAt = (piece: string, at: number) => {
    for (let i = 0; i < piece.length; i++) {
      steps.count++;
      if (name[at + i] !== piece[i]) return false;
    }
    return true;
  };
  const first = pieces[0] as string;
  if (pieces.length === 1) return name.length === first.length && equalAt(first, 0);
  const last = pieces[pieces.length - 1] as string;
  if (name.length < first.length + last.length || !equalAt(first, 0) || !equalAt(last, name.length - last.length)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    while (at + piece.length <= end && !equalAt(piece, at)) at++;
    if (at + piece.length > end) return false;
    at += piece.length;
  }
  return true;
}

export function channelAllowed(patterns: readonly string[] | undefined, channelName: string): boolean {
  return patterns === undefined || patterns.some((p) => globMatch(p, channelName));
}

const wildcardDenial = (field: string): Denial => ({
  code: 'WILDCARD_UID_NOT_ALLOWED',
  field,
  message: 'this caller may not mint tokens for the wildcard uid 0 (a user id "0" is uid 0)',
});

/** One identity check for uids, accounts and user ids alike; digit-only ids count as the uid they encode. */
function identityDenial(grants: Grants, id: number | string, field: string, what: string): Denial | undefined {
  const uid = typeof id === 'number' ? id : uidOf(id);
  if (uid === 0) return grants.wildcardUid ? undefined : wildcardDenial(field);
  if (grants.anyIdentity) return undefined;
  if (uid !== undefined ? uid === grants.uid : id === grants.identity) return undefined;
  return { code: 'IDENTITY_NOT_ALLOWED', field, message: `this caller may only mint tokens for its own ${what}` };
}

/** Returns why the caller may not mint this, or undefined when it may. */
export function checkPolicy(grants: Grants, req: MintRequest, names: FieldNames = {}): Denial | undefined {
  const field = (name: keyof FieldNames) => names[name] ?? name;

  const refused = typesOf(req).find((t) => !grants.services.includes(t));
  if (refused !== undefined) {
    // An app token is what a request gets by leaving out the user: name that field.
    const info: TokenTypeInfo = TOKEN_TYPES[refused];
    const userless = info.appVariantOf !== undefined;
    return {
      code: 'SERVICE_NOT_ALLOWED',
      field: userless ? field('userId') : undefined,
      message: `this caller may not mint ${refused} tokens${userless ? ' (app-level; give a user id)' : info.appLevel ? ' (app-level)' : ''}`,
    };
  }
  if (grants.maxTtl !== undefined && req.expireSeconds > grants.maxTtl) {
    return {
      code: 'TTL_ABOVE_CALLER_CAP',
      field: field('expireSeconds'),
      message: `${field('expireSeconds')} ${req.expireSeconds} is above this caller's cap of ${grants.maxTtl} seconds`,
    };
  }
  if (req.channelName !== undefined && !channelAllowed(grants.channels, req.channelName)) {
    return { code: 'CHANNEL_NOT_ALLOWED', field: field('channelName'), message: `this caller may not mint tokens for channel ${JSON.stringify(req.channelName)}` };
  }
  if (req.role !== undefined && !grants.roles.includes(req.role)) {
    return { code: 'ROLE_NOT_ALLOWED', field: field('role'), message: `this caller may not mint ${req.role} tokens` };
  }
  const ids: [number | string | undefined, keyof FieldNames, string][] = [
    [req.uid, 'uid', 'uid'],
    [req.userAccount, 'userAccount', 'user account'],
    [req.userId, 'userId', 'user id'],
  ];
  for (const [id, name, what] of ids) {
    const denial = id === undefined ? undefined : identityDenial(grants, id, field(name), what);
    if (denial) return denial;
  }
  return undefined;
}
