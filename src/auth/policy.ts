/**
 * Who may mint what: the caller's grants against one mint request. Plain
 * TypeScript (no Fastify) so every rule is unit-tested on its own.
 *
 * Every denial is a 403: the request is well-formed and another caller could
 * make it. That includes a lifetime above the caller's own cap; a lifetime above
 * the server's TOKEN_TTL_MAX stays a 400, because nobody may ask for it.
 */
import type { Rtm2PermissionsInput } from '../tokens/mint.js';
import { ROLES, UID_MAX, UID_PATTERN, type ApaasRole, type Role } from '../tokens/rules.js';

export type { Role };

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
    roles: roles.includes('publisher') ? ROLES : ['subscriber'],
    wildcardUid: r.wildcardUid === true,
    maxTtl: r.maxTtl,
    rateLimit: r.rateLimit,
  };
}

/** The credentials a deployment may accept (AUTH_MODE lists them). */
export const AUTH_METHODS = ['apiKey', 'jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];

/** Key-file lines: a key acts for a backend, which mints for both roles unless its line says otherwise. */
export const API_KEY_DEFAULT_ROLES: readonly Role[] = ROLES;
/** JWTs: an end user's credential, which mints join-only tokens unless its policy claim says otherwise. */
export const JWT_DEFAULT_ROLES: readonly Role[] = ['subscriber'];

export interface Caller {
  /** Key name or JWT subject: safe to log, the rate-limit key. */
  id: string;
  /** 'none': AUTH_MODE=none, the anonymous caller. */
  method: AuthMethod | 'none';
  grants: Grants;
}

/** Everything allowed: AUTH_MODE=none only. */
export const OPEN_GRANTS: Grants = {
  anyIdentity: true,
  services: TOKEN_TYPE_NAMES,
  roles: ROLES,
  wildcardUid: true,
};

export type Service = 'rtc' | 'rtm' | 'rtc-rtm' | 'chat' | 'apaas' | 'convoai' | 'stt' | 'fpa';

/** A value of the request and the field (v1 path) it came from. */
export interface Named<T> {
  value: T;
  field: string;
}

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
  /** The grant the role needs (APaaS roles map to one: see APAAS_ROLE_GRANT). */
  role?: Role | undefined;
  /** The role as the request names it, when that is not `role` (APaaS: teacher, student, …). */
  roleName?: string | undefined;
  expireSeconds: number;
  /**
   * Every other input that names a channel (APaaS roomUuid, RTM 2 channel resources):
   * each must match the caller's channel patterns, like channelName.
   */
  channels?: readonly Named<string>[] | undefined;
  /** Users the token may act as (RTM 2 `users.write`): each must be the caller's own identity. */
  writesAs?: readonly Named<string>[] | undefined;
  /** Every other lifetime of the token (privileges, RTM login): each is capped like expireSeconds. */
  lifetimes?: readonly Named<number>[] | undefined;
}

/** The request fields as the route names them (compat routes use their own names); unlisted = the v1 name. */
export type FieldNames = Readonly<Partial<Record<string, string>>>;

/**
 * The grant each Flexible Classroom role needs. Hosts (teacher, assistant) run the
 * class and publish at will: publisher, like an RTC publisher. `invisible` watches the
 * class unseen by everyone in it, a staff capability: publisher too. Students and
 * observers join as audience (a student publishes only when a host invites them on
 * stage): subscriber.
 */
export const APAAS_ROLE_GRANT: Record<ApaasRole, Role> = {
  teacher: 'publisher',
  assistant: 'publisher',
  invisible: 'publisher',
  student: 'subscriber',
  observer: 'subscriber',
};

/** RTM 2 resources that are channels: a channel-restricted caller may name only its channels there. */
const RTM2_CHANNEL_RESOURCES = ['messageChannels', 'streamChannels', 'groupChannels'] as const;

/**
 * What RTM 2 permissions ask for, as the policy checks it: every channel named (read
 * or write) and every user the token may write as. Reading other users is what a chat
 * does and stays open; server groups name no channel and no user.
 */
export function rtm2Scope(permissions: Rtm2PermissionsInput | undefined): Pick<MintRequest, 'channels' | 'writesAs'> {
  const named = (kind: keyof Rtm2PermissionsInput, access: 'read' | 'write') =>
    (permissions?.[kind]?.[access] ?? []).map((value, i) => ({ value, field: `permissions.${kind}.${access}.${i}` }));
  return {
    channels: RTM2_CHANNEL_RESOURCES.flatMap((kind) => [...named(kind, 'read'), ...named(kind, 'write')]),
    writesAs: named('users', 'write'),
  };
}

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

/** The default lifetime's rule in words, for the schemas that document it (defaultTtl applies it). */
export const DEFAULT_TTL_TEXT = "TOKEN_TTL_DEFAULT, or the caller's own cap when that is lower";

/** The lifetime to use when the request names none: the server default, within the caller's cap. */
export function defaultTtl(serverDefault: number, grants: Grants): number {
  return Math.min(serverDefault, grants.maxTtl ?? serverDefault);
}

const CANONICAL_UID = new RegExp(UID_PATTERN);

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

/**
 * One identity check for uids, accounts and user ids alike; digit-only ids count as
 * the uid they encode. `wildcard`: whether 0 here is Agora's wildcard (a token identity)
 * or just a name (an RTM 2 user resource).
 */
function identityDenial(grants: Grants, id: number | string, field: string, what: string, wildcard = true): Denial | undefined {
  const uid = typeof id === 'number' ? id : uidOf(id);
  if (uid === 0 && wildcard) return grants.wildcardUid ? undefined : wildcardDenial(field);
  if (grants.anyIdentity) return undefined;
  if (uid !== undefined ? uid === grants.uid : id === grants.identity) return undefined;
  return { code: 'IDENTITY_NOT_ALLOWED', field, message: `this caller may only ${what}` };
}

/**
 * Returns why the caller may not mint this, or undefined when it may. `has` says
 * whether the route has an input by that name: a refusal names only a field the
 * caller can change (or none).
 */
export function checkPolicy(grants: Grants, req: MintRequest, names: FieldNames = {}, has: (field: string) => boolean = () => true): Denial | undefined {
  const denial = firstDenial(grants, req, (name) => names[name] ?? name, has);
  return denial?.field === undefined || has(denial.field) ? denial : { ...denial, field: undefined };
}

function firstDenial(grants: Grants, req: MintRequest, field: (name: string) => string, has: (field: string) => boolean): Denial | undefined {
  const refused = typesOf(req).find((t) => !grants.services.includes(t));
  if (refused !== undefined) {
    // An app token is what a request gets by leaving out the user: name that field, where the route has one.
    const info: TokenTypeInfo = TOKEN_TYPES[refused];
    const userField = info.appVariantOf !== undefined && has(field('userId')) ? field('userId') : undefined;
    return {
      code: 'SERVICE_NOT_ALLOWED',
      field: userField,
      message: `this caller may not mint ${refused} tokens${userField ? ` (app-level; give ${userField})` : info.appLevel ? ' (app-level)' : ''}`,
    };
  }
  const lifetimes = [{ value: req.expireSeconds, field: 'expireSeconds' }, ...(req.lifetimes ?? [])];
  const tooLong = grants.maxTtl === undefined ? undefined : lifetimes.find((l) => l.value > (grants.maxTtl as number));
  if (tooLong !== undefined) {
    return {
      code: 'TTL_ABOVE_CALLER_CAP',
      field: field(tooLong.field),
      message: `${field(tooLong.field)} ${tooLong.value} is above this caller's cap of ${grants.maxTtl} seconds`,
    };
  }
  const channels = [...(req.channelName === undefined ? [] : [{ value: req.channelName, field: 'channelName' }]), ...(req.channels ?? [])];
  const outside = channels.find((c) => !channelAllowed(grants.channels, c.value));
  if (outside !== undefined) {
    return { code: 'CHANNEL_NOT_ALLOWED', field: field(outside.field), message: `this caller may not mint tokens for channel ${JSON.stringify(outside.value)}` };
  }
  if (req.role !== undefined && !grants.roles.includes(req.role)) {
    const message = req.roleName === undefined ? `this caller may not mint ${req.role} tokens` : `this caller may not mint ${req.roleName} tokens (they need the ${req.role} grant)`;
    return { code: 'ROLE_NOT_ALLOWED', field: field('role'), message };
  }
  const ids: [number | string | undefined, string, string][] = [
    [req.uid, 'uid', 'uid'],
    [req.userAccount, 'userAccount', 'user account'],
    [req.userId, 'userId', 'user id'],
  ];
  for (const [id, name, what] of ids) {
    const denial = id === undefined ? undefined : identityDenial(grants, id, field(name), `mint tokens for its own ${what}`);
    if (denial) return denial;
  }
  for (const w of req.writesAs ?? []) {
    const denial = identityDenial(grants, w.value, field(w.field), 'get write permission on its own user id', false);
    if (denial) return denial;
  }
  return undefined;
}
