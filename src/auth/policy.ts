/**
 * Who may mint what: the caller's grants against one mint request. Plain
 * TypeScript (no Fastify) so every rule is unit-tested on its own.
 *
 * Every denial is a 403: the request is well-formed and another caller could
 * make it. That includes a lifetime above the caller's own cap; a lifetime above
 * the server's TOKEN_TTL_MAX stays a 400, because nobody may ask for it.
 */

/** What one caller may mint. */
export interface Grants {
  /** May mint for any uid, account or user id (a backend, not an end user). */
  anyIdentity: boolean;
  /** The caller's own account / RTM / Chat user id. */
  identity?: string | undefined;
  /** The caller's own integer uid. */
  uid?: number | undefined;
  /** Channel names or patterns (`*` = any run of characters); absent = any channel. */
  channels?: string[] | undefined;
  publisher: boolean;
  /** May mint RTC tokens for uid 0, which any user can join with. */
  wildcardUid: boolean;
  /** May mint Chat app tokens (full access to the Chat REST API). */
  chatApp: boolean;
  /** Cap on lifetimes, in seconds. */
  maxTtl?: number | undefined;
  /** Requests per rate-limit window, instead of the server default. */
  rateLimit?: number | undefined;
}

export type AuthMethod = 'none' | 'apiKey' | 'jwt';

export interface Caller {
  /** Key name or JWT subject: safe to log, the rate-limit key. */
  id: string;
  method: AuthMethod;
  grants: Grants;
}

/** Everything allowed: AUTH_MODE=none, and API keys without limits. */
export const OPEN_GRANTS: Grants = { anyIdentity: true, publisher: true, wildcardUid: true, chatApp: true };

export type Service = 'rtc' | 'rtm' | 'rtc-rtm' | 'chat' | 'apaas' | 'convoai' | 'stt' | 'fpa';

/** A mint request as the policy sees it, after defaults are applied. */
export interface MintRequest {
  service: Service;
  channelName?: string | undefined;
  uid?: number | undefined;
  userAccount?: string | undefined;
  /** RTM or Chat user id; absent on chat = an app token. */
  userId?: string | undefined;
  role?: 'publisher' | 'subscriber' | undefined;
  expireSeconds: number;
}

/** The request fields as the route names them (compat routes use their own names). */
export type FieldNames = Partial<Record<'channelName' | 'uid' | 'userAccount' | 'userId' | 'role' | 'expireSeconds', string>>;

export interface Denial {
  code: string;
  field: string;
  message: string;
}

/** The lifetime to use when the request names none: the server default, within the caller's cap. */
export function defaultTtl(serverDefault: number, grants: Grants): number {
  return Math.min(serverDefault, grants.maxTtl ?? serverDefault);
}

function patternToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`);
}

export function channelAllowed(patterns: readonly string[] | undefined, channelName: string): boolean {
  return patterns === undefined || patterns.some((p) => patternToRegExp(p).test(channelName));
}

/** Returns why the caller may not mint this, or undefined when it may. */
export function checkPolicy(grants: Grants, req: MintRequest, names: FieldNames = {}): Denial | undefined {
  const field = (name: keyof FieldNames) => names[name] ?? name;
  const own = new Set<string>();
  if (grants.identity !== undefined) own.add(grants.identity);
  if (grants.uid !== undefined) own.add(String(grants.uid));

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
  if (req.role === 'publisher' && !grants.publisher) {
    return { code: 'ROLE_NOT_ALLOWED', field: field('role'), message: 'this caller may not mint publisher tokens' };
  }
  if (req.uid === 0) {
    if (!grants.wildcardUid) {
      return { code: 'WILDCARD_UID_NOT_ALLOWED', field: field('uid'), message: 'this caller may not mint tokens for the wildcard uid 0' };
    }
  } else if (req.uid !== undefined && !grants.anyIdentity && grants.uid !== req.uid) {
    return { code: 'IDENTITY_NOT_ALLOWED', field: field('uid'), message: `this caller may only mint tokens for its own uid` };
  }
  if (req.userAccount !== undefined && !grants.anyIdentity && !own.has(req.userAccount)) {
    return { code: 'IDENTITY_NOT_ALLOWED', field: field('userAccount'), message: 'this caller may only mint tokens for its own user account' };
  }
  if (req.service === 'chat' && req.userId === undefined && !grants.chatApp) {
    return { code: 'CHAT_APP_NOT_ALLOWED', field: field('userId'), message: 'this caller may not mint Chat app tokens; give its own userId' };
  }
  if (req.userId !== undefined && !grants.anyIdentity && !own.has(req.userId)) {
    return { code: 'IDENTITY_NOT_ALLOWED', field: field('userId'), message: 'this caller may only mint tokens for its own user id' };
  }
  return undefined;
}
