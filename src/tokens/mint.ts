/**
 * Token minting for both formats, on top of Agora's own libraries:
 * 006 with `agora-access-token`, 007 with `agora-token`.
 *
 * We drive the libraries' lower-level classes rather than their builders so that
 * we, not the library, choose the salt and the clock:
 * - 006's builder reuses ONE Math.random() salt for every token of the process;
 *   here every token gets its own from the CSPRNG.
 * - Both builders read the clock themselves, so the issue time we report could
 *   differ from the one signed; here it is the same number.
 * Every input is checked against Agora's rules first, and a library that still
 * returns '' or throws becomes a MintError instead of an empty token.
 */
import { randomInt } from 'node:crypto';
import lib006 from 'agora-access-token/src/AccessToken.js';
import lib007 from 'agora-token/src/AccessToken2.js';
import {
  AGORA_TTL_CAP,
  TokenInputError,
  checkChannelName,
  checkChatUserId,
  checkLifetime,
  checkRtmUserId,
  checkUid,
  checkUserAccount,
} from './rules.js';

const { AccessToken } = lib006;
const { AccessToken2, ServiceRtc, ServiceRtm, ServiceChat } = lib007;

export type Role = 'publisher' | 'subscriber';
export type TokenVersion = '006' | '007';

/** Privilege numbers, shared by both formats for RTC. */
export const Privilege = {
  joinChannel: 1,
  publishAudio: 2,
  publishVideo: 3,
  publishData: 4,
  /** 006 only: RTM login. In 007 RTM login is privilege 1 of the RTM service. */
  rtmLogin006: 1000,
  chatUser: 1,
  chatApp: 2,
} as const;

const PUBLISH_PRIVILEGES = [Privilege.publishAudio, Privilege.publishVideo, Privilege.publishData];
/** 006 tokens carry their own `ts`, which Agora's libraries always set 24 h after minting. */
const TOKEN_006_TS_OFFSET = 24 * 3600;

export interface Credentials {
  appId: string;
  appCertificate: string;
}

export interface MinterOptions {
  /** Longest lifetime accepted, in seconds (never above Agora's 24 h). */
  maxTtl?: number | undefined;
  /** Unix seconds. Injected by known-answer tests. */
  now?: (() => number) | undefined;
  /** Salt for one token. Injected by known-answer tests. */
  salt?: ((version: TokenVersion) => number) | undefined;
}

export interface RtcInput {
  channelName: string;
  uid?: number | undefined;
  userAccount?: string | undefined;
  role: Role;
  expireSeconds: number;
  privilegeExpireSeconds?: number | undefined;
  version: TokenVersion;
}

export interface RtmInput {
  userId: string;
  expireSeconds: number;
  version: TokenVersion;
}

export interface RtcRtmInput extends RtcInput {
  /** Defaults to the user account, or the uid in decimal. */
  rtmUserId?: string | undefined;
  /** 007 only: one token carrying both services. */
  combined?: boolean | undefined;
}

export interface ChatInput {
  /** Absent: an app token (server-side Chat REST calls). */
  userId?: string | undefined;
  expireSeconds: number;
}

export interface Minted {
  token: string;
  version: TokenVersion;
  /** Unix seconds, exactly as signed into the token. */
  issuedAt: number;
  /** Unix seconds at which the token (and its privileges) stop working. */
  expiresAt: number;
}

export interface MintedRtcRtm {
  rtcToken: string;
  rtmToken: string;
  rtmUserId: string;
  combined: boolean;
  version: TokenVersion;
  issuedAt: number;
  expiresAt: number;
}

/** The library refused to build a token although the inputs passed our checks. */
export class MintError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MintError';
  }
}

function defaultSalt(version: TokenVersion): number {
  // 007's own libraries draw salts from 1…99,999,999; 006 uses the whole u32 range.
  return version === '007' ? randomInt(1, 100_000_000) : randomInt(1, 0xffff_ffff);
}

function build(make: () => string): string {
  let token: string;
  try {
    token = make();
  } catch (err) {
    throw new MintError('token library failed to build a token', { cause: err });
  }
  if (!token) throw new MintError('token library returned an empty token');
  return token;
}

export type TokenMinter = ReturnType<typeof createTokenMinter>;

export function createTokenMinter(credentials: Credentials, options: MinterOptions = {}) {
  const { appId, appCertificate } = credentials;
  const maxTtl = Math.min(options.maxTtl ?? AGORA_TTL_CAP, AGORA_TTL_CAP);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const salt = options.salt ?? defaultSalt;

  /** Validates the RTC identity and returns what goes into the token's uid slot. */
  function rtcIdentity(input: RtcInput): number | string {
    checkChannelName(input.channelName);
    const hasUid = input.uid !== undefined;
    const hasAccount = input.userAccount !== undefined;
    if (hasUid === hasAccount) throw new TokenInputError('uid', 'or userAccount: give exactly one of the two');
    if (hasUid) {
      checkUid(input.uid as number);
      // Only the NUMBER 0 is Agora's wildcard; both libraries encode it as ''.
      return input.uid as number;
    }
    checkUserAccount(input.userAccount as string);
    return input.userAccount as string;
  }

  function rtcLifetimes(input: RtcInput): { expire: number; privilegeExpire: number } {
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    if (input.privilegeExpireSeconds === undefined) {
      return { expire: input.expireSeconds, privilegeExpire: input.expireSeconds };
    }
    if (input.version !== '007') {
      throw new TokenInputError('privilegeExpireSeconds', 'is only supported by version 007 tokens');
    }
    checkLifetime(input.privilegeExpireSeconds, input.expireSeconds, 'privilegeExpireSeconds');
    return { expire: input.expireSeconds, privilegeExpire: input.privilegeExpireSeconds };
  }

  function rtcPrivileges(role: Role): number[] {
    return role === 'publisher' ? [Privilege.joinChannel, ...PUBLISH_PRIVILEGES] : [Privilege.joinChannel];
  }

  function rtc006(channelName: string, identity: number | string, role: Role, issuedAt: number, expire: number) {
    return build(() => {
      const key = new AccessToken(appId, appCertificate, channelName, identity);
      key.salt = salt('006');
      key.ts = issuedAt + TOKEN_006_TS_OFFSET;
      // 006 privileges hold ABSOLUTE unix times.
      for (const p of rtcPrivileges(role)) key.addPriviledge(p, issuedAt + expire);
      return key.build();
    });
  }

  function rtm006(userId: string, issuedAt: number, expire: number) {
    return build(() => {
      // 006 RTM tokens put the user id in the channel slot and '' as uid.
      const key = new AccessToken(appId, appCertificate, userId, '');
      key.salt = salt('006');
      key.ts = issuedAt + TOKEN_006_TS_OFFSET;
      key.addPriviledge(Privilege.rtmLogin006, issuedAt + expire);
      return key.build();
    });
  }

  type Service007 = InstanceType<typeof ServiceRtc>;

  function token007(issuedAt: number, expire: number, services: Service007[]) {
    return build(() => {
      // 007 expiries are seconds FROM issuedAt, never absolute.
      const token = new AccessToken2(appId, appCertificate, issuedAt, expire);
      token.salt = salt('007');
      for (const s of services) token.add_service(s);
      return token.build();
    });
  }

  function rtcService(channelName: string, identity: number | string, role: Role, privilegeExpire: number) {
    const service = new ServiceRtc(channelName, identity);
    for (const p of rtcPrivileges(role)) service.add_privilege(p, privilegeExpire);
    return service;
  }

  function rtmService(userId: string, expire: number) {
    const service = new ServiceRtm(userId);
    service.add_privilege(1, expire);
    return service;
  }

  function rtc(input: RtcInput): Minted {
    const identity = rtcIdentity(input);
    const { expire, privilegeExpire } = rtcLifetimes(input);
    const issuedAt = now();
    const token =
      input.version === '006'
        ? rtc006(input.channelName, identity, input.role, issuedAt, expire)
        : token007(issuedAt, expire, [rtcService(input.channelName, identity, input.role, privilegeExpire)]);
    return { token, version: input.version, issuedAt, expiresAt: issuedAt + Math.min(expire, privilegeExpire) };
  }

  function rtm(input: RtmInput): Minted {
    checkRtmUserId(input.userId);
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    const issuedAt = now();
    const expire = input.expireSeconds;
    const token =
      input.version === '006'
        ? rtm006(input.userId, issuedAt, expire)
        : token007(issuedAt, expire, [rtmService(input.userId, expire)]);
    return { token, version: input.version, issuedAt, expiresAt: issuedAt + expire };
  }

  function rtcRtm(input: RtcRtmInput): MintedRtcRtm {
    const identity = rtcIdentity(input);
    const { expire, privilegeExpire } = rtcLifetimes(input);
    let rtmUserId = input.rtmUserId;
    if (rtmUserId === undefined) {
      if (identity === 0) throw new TokenInputError('rtmUserId', 'is required when the RTC user is the wildcard 0');
      rtmUserId = String(identity);
    }
    checkRtmUserId(rtmUserId, 'rtmUserId');
    if (input.combined && input.version !== '007') {
      throw new TokenInputError('combined', 'is only supported by version 007 tokens');
    }
    const issuedAt = now();
    const expiresAt = issuedAt + Math.min(expire, privilegeExpire);
    if (input.combined) {
      const token = token007(issuedAt, expire, [
        rtcService(input.channelName, identity, input.role, privilegeExpire),
        rtmService(rtmUserId, expire),
      ]);
      return { rtcToken: token, rtmToken: token, rtmUserId, combined: true, version: '007', issuedAt, expiresAt };
    }
    const rtcToken =
      input.version === '006'
        ? rtc006(input.channelName, identity, input.role, issuedAt, expire)
        : token007(issuedAt, expire, [rtcService(input.channelName, identity, input.role, privilegeExpire)]);
    const rtmToken =
      input.version === '006'
        ? rtm006(rtmUserId, issuedAt, expire)
        : token007(issuedAt, expire, [rtmService(rtmUserId, expire)]);
    return { rtcToken, rtmToken, rtmUserId, combined: false, version: input.version, issuedAt, expiresAt };
  }

  function chat(input: ChatInput): Minted {
    if (input.userId !== undefined) checkChatUserId(input.userId);
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    const issuedAt = now();
    const expire = input.expireSeconds;
    const service = new ServiceChat(input.userId ?? '');
    service.add_privilege(input.userId === undefined ? Privilege.chatApp : Privilege.chatUser, expire);
    const token = token007(issuedAt, expire, [service]);
    return { token, version: '007', issuedAt, expiresAt: issuedAt + expire };
  }

  return { rtc, rtm, rtcRtm, chat, maxTtl };
}
