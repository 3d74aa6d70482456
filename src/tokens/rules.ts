/**
 * Agora's input rules. No Agora library enforces them: a bad channel name or an
 * out-of-range uid yields a token the SDK later rejects, far from the cause.
 * The same constants feed the HTTP schemas, so the published contract and the
 * checks below can never disagree.
 */

/** Characters Agora allows in channel names, user accounts and RTM user ids (all ASCII, so bytes = characters). */
export const AGORA_CHARSET = "a-zA-Z0-9 !#$%&()+\\-:;<=.>?@\\[\\]^_{}|~,";

export const CHANNEL_NAME_PATTERN = `^[${AGORA_CHARSET}]+$`;
export const USER_ACCOUNT_PATTERN = CHANNEL_NAME_PATTERN;
/** RTM user ids use the same set but must not start with a space. */
export const RTM_USER_ID_PATTERN = `^[${AGORA_CHARSET.replace(' ', '')}][${AGORA_CHARSET}]*$`;
/** Agora Chat user ids: letters, digits, `_`, `-` and `.`, at most 64. */
export const CHAT_USER_ID_PATTERN = '^[a-zA-Z0-9_.-]+$';
export const HEX32_PATTERN = '^[0-9a-fA-F]{32}$';

/** Channel names must be shorter than 64 bytes. */
export const CHANNEL_NAME_MAX = 63;
export const USER_ACCOUNT_MAX = 255;
export const RTM_USER_ID_MAX = 63;
export const CHAT_USER_ID_MAX = 64;
export const UID_MAX = 0xffff_ffff;
/** The roles of an RTC token: a publisher token carries every subscriber privilege too. */
export const ROLES = ['publisher', 'subscriber'] as const;
export type Role = (typeof ROLES)[number];
/** What a role-bearing request gets when it names no role (an agent's route defaults to publisher instead). */
export const DEFAULT_ROLE: Role = 'subscriber';

/** Token formats: 007 (AccessToken2) is current; 006 (AccessToken) serves SDKs older than 2.x/3.x. */
export const VERSIONS = ['006', '007'] as const;
export type TokenVersion = (typeof VERSIONS)[number];
/** The version minted when a request names none. */
export const DEFAULT_VERSION = '007' satisfies TokenVersion;

/** Agora caps every token and privilege at 24 hours. */
export const AGORA_TTL_CAP = 86_400;
/**
 * Anything from here up is a unix timestamp (2001-09-09 onwards), not a duration:
 * callers migrating from 006 code pass `now + 3600` where 007 wants `3600`.
 */
export const ABSOLUTE_TIMESTAMP_FLOOR = 1_000_000_000;

const channelRe = new RegExp(CHANNEL_NAME_PATTERN);
const rtmRe = new RegExp(RTM_USER_ID_PATTERN);
const chatRe = new RegExp(CHAT_USER_ID_PATTERN);
/** A uid as text: canonical decimal, at most 10 digits (the range is checked as a number: see parseUid). */
export const UID_PATTERN = '^(0|[1-9][0-9]{0,9})$';
const uidRe = new RegExp(UID_PATTERN);

/** The fields the rules check, by their v1 names (the names the rules throw with). */
export type RuleField =
  | 'channelName'
  | 'uid'
  | 'userAccount'
  | 'userId'
  | 'rtmUserId'
  | 'role'
  | 'expireSeconds'
  | 'privilegeExpireSeconds'
  | 'combined'
  /** Nested and family fields (`privileges.joinChannel`, `permissions.messageChannels.read.0`, `roomUuid`, …) keep their v1 path. */
  | (string & {});

/**
 * How a route spells the fields the rules check, when not as v1 does: e.g. /rtm/:uid
 * maps `userId` to `uid`. A route declares it once (route config `fieldNames`); the
 * error handler and the policy checks both read that one map, so a 400 or 403
 * always names the field as the caller sent it.
 */
export type FieldNames = Readonly<Record<string, string>>;

/** A rejected input, naming the rule's field; `named()` gives it as a route spells it. */
export class TokenInputError extends Error {
  readonly field: RuleField;
  /** The message without the field name, e.g. "must not be empty". */
  readonly detail: string;
  constructor(field: RuleField, detail: string) {
    super(`${field} ${detail}`);
    this.name = 'TokenInputError';
    this.field = field;
    this.detail = detail;
  }

  named(names: FieldNames = {}): { field: string; message: string } {
    const field = names[this.field] ?? this.field;
    return { field, message: `${field} ${this.detail}` };
  }
}

function checkAgoraString(field: RuleField, value: string, max: number, re: RegExp, what: string): void {
  if (value.length === 0) throw new TokenInputError(field, 'must not be empty');
  if (Buffer.byteLength(value, 'utf8') > max) throw new TokenInputError(field, `must be at most ${max} bytes`);
  if (!re.test(value)) throw new TokenInputError(field, `contains characters Agora does not allow in ${what}`);
}

export function checkChannelName(value: string, field: RuleField = 'channelName'): void {
  checkAgoraString(field, value, CHANNEL_NAME_MAX, channelRe, 'a channel name');
}

export function checkUserAccount(value: string, field: RuleField = 'userAccount'): void {
  checkAgoraString(field, value, USER_ACCOUNT_MAX, channelRe, 'a user account');
}

export function checkRtmUserId(value: string, field: RuleField = 'userId'): void {
  checkAgoraString(field, value, RTM_USER_ID_MAX, rtmRe, 'an RTM user id (nor a leading space)');
}

export function checkChatUserId(value: string, field: RuleField = 'userId'): void {
  checkAgoraString(field, value, CHAT_USER_ID_MAX, chatRe, 'a Chat user id');
}

export function checkUid(value: number, field: RuleField = 'uid'): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > UID_MAX) {
    throw new TokenInputError(field, `must be an integer from 0 to ${UID_MAX}`);
  }
}

/** Parses a uid that arrived as text (path or query). Only canonical decimal digits are accepted. */
export function parseUid(text: string, field: RuleField = 'uid'): number {
  if (!uidRe.test(text)) throw new TokenInputError(field, `must be an integer from 0 to ${UID_MAX}`);
  const uid = Number(text);
  checkUid(uid, field);
  return uid;
}

/** A lifetime in seconds from now: 1 … max, with a dedicated message for absolute timestamps. */
export function checkLifetime(value: number, max: number, field: RuleField): void {
  if (!Number.isSafeInteger(value)) throw new TokenInputError(field, 'must be a whole number of seconds');
  if (value >= ABSOLUTE_TIMESTAMP_FLOOR) {
    throw new TokenInputError(
      field,
      `looks like an absolute unix timestamp (${value}); send a duration in seconds from now (at most ${max})`,
    );
  }
  if (value < 1 || value > max) throw new TokenInputError(field, `must be from 1 to ${max} seconds`);
}

/** Parses a lifetime that arrived as text, e.g. `?expiry=3600`. */
export function parseLifetime(text: string, max: number, field: RuleField): number {
  if (!/^[0-9]{1,15}$/.test(text)) throw new TokenInputError(field, 'must be a whole number of seconds');
  const value = Number(text);
  checkLifetime(value, max, field);
  return value;
}

/**
 * RTM 2 resource permissions (agora-token's Rtm2Permissions). The token format
 * itself allows 65,535 names per list; these caps keep a token a size SDKs and
 * headers carry (and that the inspector accepts: well under 4 KiB of text even
 * when the names do not compress).
 */
export const RTM2_RESOURCE_KINDS = ['messageChannels', 'streamChannels', 'groupChannels', 'serverGroups', 'users'] as const;
export const RTM2_ACCESS_KINDS = ['read', 'write'] as const;
export const RTM2_NAMES_PER_LIST_MAX = 16;
export const RTM2_NAMES_TOTAL_MAX = 32;

/**
 * Flexible Classroom (APaaS) roles as Agora's builders number them:
 * 0 invisible, 1 teacher, 2 student, 3 assistant, 4 observer.
 */
export const APAAS_ROLES = { invisible: 0, teacher: 1, student: 2, assistant: 3, observer: 4 } as const;
export type ApaasRole = keyof typeof APAAS_ROLES;
