/**
 * Explains a token: what it grants, until when, and everything that would make
 * Agora reject it, in plain words. Shared by POST /v1/tokens/inspect (with this
 * server's credentials) and the CLI (with whatever credentials it was given).
 *
 * Plain TypeScript on top of the codec. The certificate only ever goes into the
 * codec's verify functions: nothing here returns or describes it.
 */
import {
  PRIVILEGE_NAMES,
  PRIVILEGE_NAMES_006,
  crc32Of,
  decodeToken,
  verify006,
  verify007,
  type DecodeError,
  type Decoded006,
  type Decoded007,
  type Rtm2Permission,
  type ServiceName,
} from './codec.js';
import {
  AGORA_TTL_CAP,
  ABSOLUTE_TIMESTAMP_FLOOR,
  UID_MAX,
  UID_PATTERN,
  TokenInputError,
  checkChannelName,
  checkChatUserId,
  checkRtmUserId,
  checkUserAccount,
  type TokenVersion,
} from './rules.js';

export type Severity = 'error' | 'warning';

export const PROBLEM_CODES = [
  'TOKEN_EXPIRED',
  'PRIVILEGE_EXPIRED',
  'NO_JOIN_PRIVILEGE',
  'APP_ID_MISMATCH',
  'SIGNATURE_INVALID',
  'SIGNATURE_UNCHECKED',
  'NO_RTC_SERVICE',
  'CHANNEL_MISMATCH',
  'UID_MISMATCH',
  'USER_ID_MISMATCH',
  'ACCOUNT_TOKEN_USED_WITH_UID',
  'UID_TOKEN_USED_WITH_ACCOUNT',
  'DIGITS_ACCOUNT',
  'WILDCARD_UID',
  'LIFETIME_ABOVE_24H',
  'ISSUED_IN_FUTURE',
  'NAME_NOT_ALLOWED',
  'TOKEN_ALTERED',
] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface Problem {
  code: ProblemCode;
  /** error: Agora rejects the token (or the privilege) as used; warning: it works, but risky or unverified. */
  severity: Severity;
  message: string;
  service?: ServiceName;
  privilege?: string;
}

export interface InspectedPrivilege {
  privilege: number;
  name: string;
  /** When the privilege stops working: its own expiry or the token's, whichever is first. */
  expiresAt: string;
  expiresAtUnix: number;
  expiresInSeconds: number;
  expired: boolean;
}

export interface InspectedService {
  type: number;
  name: ServiceName;
  channelName?: string;
  /** The uid slot read as an integer uid (0 = the wildcard). A token cannot tell uid 1234 from the account "1234". */
  uid?: number;
  userAccount?: string;
  userId?: string;
  roomUuid?: string;
  userUuid?: string;
  role?: number;
  permissions?: Rtm2Permission[];
  /** 006 only: the token holds CRC-32s of channel and uid, not the strings. */
  channelCrc32?: number;
  uidCrc32?: number;
  privileges: InspectedPrivilege[];
}

export type SignatureState = 'valid' | 'invalid' | 'unchecked';

export interface Inspection {
  /** No problem of severity error: as far as the token shows, Agora accepts it. */
  valid: boolean;
  version: TokenVersion;
  appId: string;
  /** Whether the token's App ID is the one given (this server's); absent when none was given. */
  appIdMatches?: boolean;
  /** 007 only: 006 tokens carry no issue time (their salt is random, their ts set by the minting library). */
  issuedAt?: string;
  issuedAtUnix?: number;
  /** When Agora stops accepting the token: 007 its expire field; 006 the earliest privilege expiry (or its ts). */
  expiresAt: string;
  expiresAtUnix: number;
  /** Negative once expired. */
  expiresInSeconds: number;
  expired: boolean;
  /**
   * 006 only: the ts in the signed message, the limit of the signature itself. Agora's libraries set it to the mint
   * time + 24 h whatever the privileges say, so it is not when the token stops working: the privileges are.
   */
  messageExpiresAt?: string;
  messageExpiresAtUnix?: number;
  salt: number;
  signature: SignatureState;
  signatureValid: boolean;
  services: InspectedService[];
  problems: Problem[];
}

/** What the app joins with, as the caller states it. */
export interface Expectation {
  channelName?: string | undefined;
  uid?: number | undefined;
  userAccount?: string | undefined;
}

export interface InspectOptions {
  /** Unix seconds. */
  now: number;
  /** The App ID the token should belong to. */
  appId?: string | undefined;
  /** Verifies the signature when given. */
  appCertificate?: string | undefined;
  expect?: Expectation | undefined;
}

export type InspectResult = { ok: true; inspection: Inspection } | { ok: false; error: DecodeError };

/** Issue times further ahead than this mean the minting server's clock is wrong. */
const CLOCK_SKEW_TOLERANCE = 300;

const iso = (unix: number) => new Date(unix * 1000).toISOString();

/** Longest name quoted in a message: a token may hold a 16 KiB name, the message names it, not repeats it. */
const QUOTE_MAX = 64;

/** A name from the token, quoted for a message: JSON escapes (control characters stay visible), and cut short. */
export function quote(name: string): string {
  const chars = [...name];
  return chars.length > QUOTE_MAX ? `${JSON.stringify(chars.slice(0, QUOTE_MAX).join(''))}… (${chars.length} characters)` : JSON.stringify(name);
}

/** "42 s", "12 min", "1.5 h", "3 days": how long ago or ahead, for people. */
export function duration(seconds: number): string {
  const s = Math.abs(seconds);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 360) / 10} h`;
  return `${Math.round(s / 86_400)} days`;
}

const UID_TEXT = new RegExp(UID_PATTERN);

/** The uid slot as Agora's libraries write it: '' for uid 0, the decimal uid, or the user account. */
function readUidSlot(slot: string): { uid: number } | { userAccount: string } {
  if (slot === '') return { uid: 0 };
  // '0' is NOT the wildcard (only the number 0 is, written as ''): it can only be an account.
  if (UID_TEXT.test(slot) && slot !== '0' && Number(slot) <= UID_MAX) return { uid: Number(slot) };
  return { userAccount: slot };
}

const PRIVILEGE_EFFECT: Record<string, string> = {
  joinChannel: 'joining the channel is refused',
  publishAudioStream: 'publishing audio is refused (when co-host authentication is on)',
  publishVideoStream: 'publishing video is refused (when co-host authentication is on)',
  publishDataStream: 'sending data streams is refused (when co-host authentication is on)',
  login: 'logging in is refused',
  rtmLogin: 'logging in to RTM is refused',
};

class Inspector {
  readonly problems: Problem[] = [];
  readonly now: number;
  readonly tokenExpiry: number;
  constructor(now: number, tokenExpiry: number) {
    this.now = now;
    this.tokenExpiry = tokenExpiry;
  }

  add(severity: Severity, code: ProblemCode, message: string, extra: { service?: ServiceName; privilege?: string } = {}): void {
    this.problems.push({ code, severity, message, ...extra });
  }

  /** `value` 0 means the privilege has no limit of its own; `absolute` converts the stored value to unix seconds. */
  privileges(service: ServiceName, names: Record<number, string>, stored: Record<number, number>, absolute: (v: number) => number) {
    return Object.entries(stored).map(([key, value]) => {
      const privilege = Number(key);
      const name = names[privilege] ?? `privilege-${privilege}`;
      const own = value === 0 ? this.tokenExpiry : absolute(value);
      const expiresAtUnix = Math.min(own, this.tokenExpiry);
      const expired = expiresAtUnix <= this.now;
      if (expired && this.tokenExpiry > this.now) {
        this.add(
          'error',
          'PRIVILEGE_EXPIRED',
          `The ${service} privilege ${name} expired at ${iso(expiresAtUnix)} (${duration(this.now - expiresAtUnix)} ago), although the token is valid until ${iso(this.tokenExpiry)}: ${PRIVILEGE_EFFECT[name] ?? 'it is refused'}. Mint a new token.`,
          { service, privilege: name },
        );
      }
      return { privilege, name, expiresAt: iso(expiresAtUnix), expiresAtUnix, expiresInSeconds: expiresAtUnix - this.now, expired };
    });
  }

  /** Compares an RTC uid slot with what the caller joins with: mismatches and the account/uid trap (error 110). */
  identity(slot: { uid: number } | { userAccount: string }, expect: Expectation, service: ServiceName): void {
    if ('uid' in slot && slot.uid === 0) {
      this.add(
        'warning',
        'WILDCARD_UID',
        'The token was minted for uid 0, the wildcard: anyone holding it can join the channel as any uid. Prefer one token per user.',
        { service },
      );
      return;
    }
    if (expect.uid !== undefined) {
      if ('userAccount' in slot) {
        this.add(
          'error',
          'ACCOUNT_TOKEN_USED_WITH_UID',
          `The token was minted for the user account ${quote(slot.userAccount)}, but the app joins with the integer uid ${expect.uid}. An account never matches an integer uid, even when it looks like one: Agora rejects the token (error 110, invalid token). Mint it with uid ${expect.uid}` +
            (slot.userAccount === '0' ? ' — the wildcard is the number 0, not the account "0".' : ', or join with the user account.'),
          { service },
        );
      } else if (slot.uid !== expect.uid) {
        this.add(
          'error',
          'UID_MISMATCH',
          `The token was minted for uid ${slot.uid}, but the app joins with uid ${expect.uid}` +
            (expect.uid === 0 ? ' (uid 0 asks Agora to assign a uid, which will not be the one in the token)' : '') +
            ': Agora rejects it (error 110, invalid token).',
          { service },
        );
      }
    }
    if (expect.userAccount !== undefined) {
      if ('uid' in slot && String(slot.uid) !== expect.userAccount) {
        this.add(
          'error',
          'UID_TOKEN_USED_WITH_ACCOUNT',
          `The token was minted for the integer uid ${slot.uid}, but the app joins with the user account "${expect.userAccount}": Agora rejects it (error 110, invalid token). Mint it for the user account "${expect.userAccount}", or join with uid ${slot.uid}.`,
          { service },
        );
      } else if ('userAccount' in slot && slot.userAccount !== expect.userAccount) {
        this.add(
          'error',
          'UID_MISMATCH',
          `The token was minted for the user account ${quote(slot.userAccount)}, but the app joins as "${expect.userAccount}": Agora rejects it (error 110, invalid token).`,
          { service },
        );
      } else if ('uid' in slot) {
        this.add(
          'warning',
          'DIGITS_ACCOUNT',
          `The app joins with the user account "${expect.userAccount}", made of digits only. The token works for it (a token cannot tell uid ${slot.uid} from the account "${expect.userAccount}"), but Agora treats them as different users: if any app in the channel joins with the integer uid ${slot.uid} instead, or mixes uids and accounts, tokens fail with error 110.`,
          { service },
        );
      }
    }
  }
}

function lifetimeProblems(ins: Inspector, issuedAt: number, lifetime: number): void {
  if (lifetime >= ABSOLUTE_TIMESTAMP_FLOOR) {
    ins.add(
      'warning',
      'LIFETIME_ABOVE_24H',
      `The token's lifetime is ${lifetime} seconds (${duration(lifetime)}): an absolute unix timestamp was passed where 007 wants seconds from now. Agora caps tokens at 24 hours.`,
    );
  } else if (lifetime > AGORA_TTL_CAP) {
    ins.add('warning', 'LIFETIME_ABOVE_24H', `The token's lifetime is ${duration(lifetime)}; Agora caps tokens at 24 hours, so it may stop working sooner.`);
  }
  if (issuedAt > ins.now + CLOCK_SKEW_TOLERANCE) {
    ins.add(
      'warning',
      'ISSUED_IN_FUTURE',
      `The token was issued ${duration(issuedAt - ins.now)} in the future (${iso(issuedAt)}): the clock of the server that minted it is ahead.`,
    );
  }
}

/** Agora's rule for the user id of each service that has one (APaaS uuids have no published rule). */
const USER_ID_RULES: Partial<Record<ServiceName, (value: string) => void>> = { rtm: checkRtmUserId, rtm2: checkRtmUserId, chat: checkChatUserId };

/**
 * Names Agora's SDKs and servers refuse (characters, length): the token cannot be used, however well it is signed.
 * An empty name is no name (the wildcard uid, app-level tokens).
 */
function nameProblems(ins: Inspector, s: InspectedService): void {
  const names: [string, string | undefined, ((value: string) => void) | undefined][] = [
    ['channel name', s.channelName, checkChannelName],
    ['user account', s.userAccount, checkUserAccount],
    ['user id', s.userId, USER_ID_RULES[s.name]],
  ];
  for (const [what, value, check] of names) {
    if (value === undefined || value === '' || check === undefined) continue;
    try {
      check(value);
    } catch (err) {
      // The rules throw only TokenInputError.
      const detail = (err as TokenInputError).detail;
      ins.add('error', 'NAME_NOT_ALLOWED', `The ${s.name} service's ${what} ${quote(value)} ${detail}: Agora rejects the token (the join or login fails).`, {
        service: s.name,
      });
    }
  }
}

function inspect007(d: Decoded007, opts: InspectOptions, expect: Expectation, ins: Inspector): Pick<Inspection, 'services' | 'signature'> {
  lifetimeProblems(ins, d.issueTs, d.expire);
  const services = d.services.map((s): InspectedService => {
    const out = { type: s.type, name: s.name } as InspectedService;
    if (s.channelName !== undefined) out.channelName = s.channelName;
    if (s.uid !== undefined) Object.assign(out, readUidSlot(s.uid));
    for (const key of ['userId', 'roomUuid', 'userUuid', 'permissions'] as const) {
      if (s[key] !== undefined) Object.assign(out, { [key]: s[key] });
    }
    // APaaS user and app tokens carry role -1: no role, so none is reported.
    if (s.role !== undefined && s.role >= 0) out.role = s.role;
    nameProblems(ins, out);
    out.privileges = ins.privileges(s.name, PRIVILEGE_NAMES[s.name], s.privileges, (v) => d.issueTs + v);
    return out;
  });
  const rtc = d.services.find((s) => s.name === 'rtc');
  if (rtc) {
    if (!Object.hasOwn(rtc.privileges, 1)) {
      ins.add('error', 'NO_JOIN_PRIVILEGE', 'The RTC service grants no joinChannel privilege: joining the channel is refused.', { service: 'rtc' });
    }
    if (expect.channelName !== undefined && rtc.channelName !== expect.channelName) {
      ins.add(
        'error',
        'CHANNEL_MISMATCH',
        `The token was minted for channel ${quote(rtc.channelName as string)}, but the app joins "${expect.channelName}": Agora rejects it (error 110, invalid token).`,
        { service: 'rtc' },
      );
    }
    ins.identity(readUidSlot(rtc.uid as string), expect, 'rtc');
  } else {
    // A Flexible Classroom room-user token names its class (roomUuid, also the class's channel) instead of an RTC
    // channel: the channel the caller names is compared with it. App-level tokens (APaaS app, FPA, Chat app) name
    // no user, so there is nothing to compare a user account with.
    const room = d.services.find((s) => s.name === 'apaas' && s.roomUuid !== '');
    if (expect.uid !== undefined || (expect.channelName !== undefined && !room)) noRtc(ins, d.services.map((s) => s.name));
    if (room && expect.channelName !== undefined && room.roomUuid !== expect.channelName) {
      ins.add(
        'error',
        'CHANNEL_MISMATCH',
        `The token was minted for the Flexible Classroom room ${quote(room.roomUuid as string)}, but the app joins "${expect.channelName}": Agora refuses it (invalid token).`,
        { service: 'apaas' },
      );
    }
    // Without RTC, the user account the caller names is the RTM / Chat user id (APaaS: userUuid) it logs in with.
    const user = d.services.map((s) => ({ name: s.name, id: s.userId ?? s.userUuid })).find((u) => u.id !== undefined && u.id !== '');
    if (expect.userAccount !== undefined && user && user.id !== expect.userAccount) {
      userIdMismatch(ins, user.name, `The token was minted for the ${user.name} user id ${quote(user.id as string)}, but the app logs in as "${expect.userAccount}"`);
    }
  }
  const signature: SignatureState = opts.appCertificate === undefined ? 'unchecked' : verify007(d, opts.appCertificate) ? 'valid' : 'invalid';
  return { services, signature };
}

function userIdMismatch(ins: Inspector, service: ServiceName, why: string): void {
  ins.add('error', 'USER_ID_MISMATCH', `${why}: Agora refuses the login (invalid token).`, { service });
}

function noRtc(ins: Inspector, names: string[]): void {
  ins.add('error', 'NO_RTC_SERVICE', `The token holds no RTC service (it holds ${names.join(', ')}): it cannot join a channel.`);
}

/**
 * 006 holds only CRCs of the channel and the uid string, and signs the strings
 * themselves: the identity can be confirmed, and the signature checked, only
 * against what the caller says it joins with.
 */
function inspect006(d: Decoded006, opts: InspectOptions, expect: Expectation, ins: Inspector): Pick<Inspection, 'services' | 'signature'> {
  const rtcPrivileges = Object.fromEntries(Object.entries(d.privileges).filter(([k]) => k !== '1000'));
  const isRtm = Object.hasOwn(d.privileges, 1000);
  const services: InspectedService[] = [];
  // The uid slot is '' (CRC 0) for the wildcard uid 0 and for RTM tokens.
  const emptyUid = d.crcUid === 0;
  let channel: string | undefined;
  let uidText: string | undefined;

  if (Object.keys(rtcPrivileges).length > 0 || !isRtm) {
    const service: InspectedService = {
      type: 1,
      name: 'rtc',
      channelCrc32: d.crcChannel,
      uidCrc32: d.crcUid,
      privileges: ins.privileges('rtc', PRIVILEGE_NAMES_006, rtcPrivileges, (v) => v),
    };
    services.push(service);
    if (!Object.hasOwn(rtcPrivileges, 1)) {
      ins.add('error', 'NO_JOIN_PRIVILEGE', 'The RTC privileges include no joinChannel: joining the channel is refused.', { service: 'rtc' });
    }
    const claimed = expect.uid !== undefined ? (expect.uid === 0 ? '' : String(expect.uid)) : expect.userAccount;
    const claimedUid = emptyUid ? '' : claimed;
    // The signature covers the channel and uid strings, not their CRCs: a token signed for what the caller joins
    // with, whose CRCs match neither, had its CRCs changed after signing.
    if (
      opts.appCertificate !== undefined &&
      expect.channelName !== undefined &&
      claimedUid !== undefined &&
      (crc32Of(expect.channelName) !== d.crcChannel || crc32Of(claimedUid) !== d.crcUid) &&
      verify006(d, opts.appCertificate, expect.channelName, claimedUid)
    ) {
      ins.add(
        'error',
        'TOKEN_ALTERED',
        `The token was altered after signing: its signature is valid for channel "${expect.channelName}" and the uid given, but the channel or uid checksum it carries matches neither (CRC mismatch). Agora rejects it (error 110, invalid token); mint a new one.`,
        { service: 'rtc' },
      );
      channel = service.channelName = expect.channelName;
      uidText = claimedUid;
      Object.assign(service, readUidSlot(claimedUid));
    } else if (expect.channelName !== undefined) {
      if (crc32Of(expect.channelName) === d.crcChannel) {
        channel = service.channelName = expect.channelName;
      } else {
        ins.add(
          'error',
          'CHANNEL_MISMATCH',
          `The token was not minted for channel "${expect.channelName}" (its channel checksum differs): Agora rejects it (error 110, invalid token).`,
          { service: 'rtc' },
        );
      }
    }
    // uidText is already set when the token was found altered.
    if (uidText === undefined && emptyUid) {
      uidText = '';
      service.uid = 0;
      ins.identity({ uid: 0 }, expect, 'rtc');
    } else if (uidText === undefined && claimed !== undefined) {
      if (crc32Of(claimed) === d.crcUid) {
        uidText = claimed;
        Object.assign(service, readUidSlot(claimed));
        // 006 writes uid 1234 and the account "1234" alike, so only the digits-only account trap is left to warn about.
        ins.identity(readUidSlot(claimed), expect, 'rtc');
      } else if (expect.uid === 0 && crc32Of('0') === d.crcUid) {
        ins.identity({ userAccount: '0' }, expect, 'rtc');
      } else {
        const as = expect.uid !== undefined ? `uid ${expect.uid}` : `the user account "${expect.userAccount}"`;
        ins.add(
          'error',
          'UID_MISMATCH',
          `The token was not minted for ${as} (its uid checksum differs): Agora rejects it (error 110, invalid token). Check whether it was minted for an integer uid or a user account.`,
          { service: 'rtc' },
        );
      }
    }
  }
  if (isRtm) {
    const service: InspectedService = {
      type: 2,
      name: 'rtm',
      channelCrc32: d.crcChannel,
      uidCrc32: d.crcUid,
      privileges: ins.privileges('rtm', PRIVILEGE_NAMES_006, { 1000: d.privileges[1000] as number }, (v) => v),
    };
    services.push(service);
    // 006 RTM puts the user id in the channel slot and '' as uid.
    if (services.length === 1) {
      if (expect.channelName !== undefined || expect.uid !== undefined) noRtc(ins, ['rtm']);
      if (expect.userAccount !== undefined) {
        if (crc32Of(expect.userAccount) === d.crcChannel && emptyUid) {
          channel = service.userId = expect.userAccount;
          uidText = '';
        } else {
          userIdMismatch(ins, 'rtm', `The token was not minted for the RTM user id "${expect.userAccount}" (its checksum differs)`);
        }
      }
    }
  }

  let signature: SignatureState = 'unchecked';
  if (opts.appCertificate !== undefined && channel !== undefined && uidText !== undefined) {
    signature = verify006(d, opts.appCertificate, channel, uidText) ? 'valid' : 'invalid';
  }
  return { services, signature };
}

/** Decodes and explains a token. Never throws: text that is no token comes back as `{ ok: false, error }`. */
export function inspectToken(text: string, opts: InspectOptions): InspectResult {
  const decoded = decodeToken(text);
  if (!decoded.ok) return decoded;
  const d = decoded.token;
  const expect = opts.expect ?? {};
  // The token's own limit: 007 its expire field; 006 the ts of its signed message (no privilege outlives it).
  const limit = d.version === '007' ? d.issueTs + d.expire : d.ts;
  const ins = new Inspector(opts.now, limit);
  if (limit <= opts.now) {
    ins.add('error', 'TOKEN_EXPIRED', `The token expired at ${iso(limit)}, ${duration(opts.now - limit)} ago. Mint a new one: no token can be extended.`);
  }
  const { services, signature } = d.version === '007' ? inspect007(d, opts, expect, ins) : inspect006(d, opts, expect, ins);
  // 006: Agora checks the privileges, and Agora's libraries put the message ts 24 h after minting whatever the
  // privileges say: the token stops working when its first privilege expires (each is capped at the ts already).
  const expiresAtUnix = d.version === '007' ? limit : Math.min(limit, ...services.flatMap((s) => s.privileges.map((p) => p.expiresAtUnix)));
  const expired = expiresAtUnix <= opts.now;

  const appIdMatches = opts.appId === undefined ? undefined : opts.appId.toLowerCase() === d.appId.toLowerCase();
  if (appIdMatches === false) {
    ins.add(
      'error',
      'APP_ID_MISMATCH',
      `The token belongs to App ID ${d.appId}, not ${opts.appId}: it was minted with another project's credentials, and an app using ${opts.appId} cannot join with it.`,
    );
  } else if (signature === 'invalid') {
    ins.add(
      'error',
      'SIGNATURE_INVALID',
      "The signature does not match the App Certificate it was checked with: the token was minted with another certificate (or altered), and Agora rejects it (error 110, invalid token) for a project using that certificate.",
    );
  } else if (signature === 'unchecked') {
    ins.add(
      'warning',
      'SIGNATURE_UNCHECKED',
      opts.appCertificate === undefined
        ? 'No App Certificate was given, so the signature was not checked.'
        : 'A 006 token signs its channel and uid without carrying them: give the channel and the uid (or user account) it is used with to check the signature.',
    );
  }

  const inspection: Inspection = {
    valid: !ins.problems.some((p) => p.severity === 'error'),
    version: d.version,
    appId: d.appId,
    ...(appIdMatches !== undefined && { appIdMatches }),
    ...(d.version === '007' && { issuedAt: iso(d.issueTs), issuedAtUnix: d.issueTs }),
    expiresAt: iso(expiresAtUnix),
    expiresAtUnix,
    expiresInSeconds: expiresAtUnix - opts.now,
    expired,
    ...(d.version === '006' && { messageExpiresAt: iso(d.ts), messageExpiresAtUnix: d.ts }),
    salt: d.salt,
    signature,
    signatureValid: signature === 'valid',
    services,
    problems: ins.problems,
  };
  return { ok: true, inspection };
}
