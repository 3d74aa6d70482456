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
import { createHash, randomInt } from 'node:crypto';
import lib006 from 'agora-access-token/src/AccessToken.js';
import lib007 from 'agora-token/src/AccessToken2.js';
import {
  AGORA_TTL_CAP,
  APAAS_ROLES,
  RTM2_ACCESS_KINDS,
  RTM2_NAMES_PER_LIST_MAX,
  RTM2_NAMES_TOTAL_MAX,
  RTM2_RESOURCE_KINDS,
  TokenInputError,
  type ApaasRole,
  type Role,
  type TokenVersion,
  checkChannelName,
  checkChatUserId,
  checkLifetime,
  checkRtmUserId,
  checkUid,
  checkUserAccount,
} from './rules.js';

const { AccessToken } = lib006;
const { AccessToken2, ServiceRtc, ServiceRtm, ServiceChat, ServiceRtm2, Rtm2Permissions, ServiceApaas, ServiceFpa, ServiceConvoAI, ServiceStt } = lib007;


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
  /** RTM (2), RTM 2 (8) and FPA (4) login. */
  login: 1,
  apaasRoomUser: 1,
  apaasUser: 2,
  apaasApp: 3,
} as const;

/** Per-privilege RTC lifetimes, in seconds from now (buildTokenWithUidAndPrivilege). */
export interface RtcPrivilegeSeconds {
  joinChannel: number;
  publishAudio?: number | undefined;
  publishVideo?: number | undefined;
  publishData?: number | undefined;
}

/** The request's privilege names, in privilege-number order. */
const RTC_PRIVILEGE_FIELDS = [
  ['joinChannel', Privilege.joinChannel],
  ['publishAudio', Privilege.publishAudio],
  ['publishVideo', Privilege.publishVideo],
  ['publishData', Privilege.publishData],
] as const;

/** The role a set of privileges amounts to: publisher as soon as it may publish anything. */
export function roleOfPrivileges(p: RtcPrivilegeSeconds): Role {
  return p.publishAudio !== undefined || p.publishVideo !== undefined || p.publishData !== undefined ? 'publisher' : 'subscriber';
}

export type Rtm2Resource = (typeof RTM2_RESOURCE_KINDS)[number];
export type Rtm2Access = (typeof RTM2_ACCESS_KINDS)[number];
/** RTM 2 resource permissions: per kind of resource, the names it may read and write. */
export type Rtm2PermissionsInput = Partial<Record<Rtm2Resource, Partial<Record<Rtm2Access, readonly string[]>>>>;

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
  /**
   * 007 only: each privilege's own lifetime; the token holds exactly these and `role`
   * is not consulted, so callers pass roleOfPrivileges(privileges) as the role (the
   * policy checks it).
   */
  privileges?: RtcPrivilegeSeconds | undefined;
  version: TokenVersion;
}

export interface RtmInput {
  userId: string;
  expireSeconds: number;
  version: TokenVersion;
  /** 007 only: an RTM 2 token (ServiceRtm2) limited to these resources. */
  permissions?: Rtm2PermissionsInput | undefined;
}

export interface RtcRtmInput extends RtcInput {
  /** Defaults to the user account, or the uid in decimal. */
  rtmUserId?: string | undefined;
  /** Seconds from now until RTM login expires, at most expireSeconds (default: expireSeconds). */
  rtmExpireSeconds?: number | undefined;
  /** 007 only: one token carrying both services. */
  combined?: boolean | undefined;
}

/** ConvoAI and STT tokens: the agent's RTC + RTM identity in one 007 token, plus the service. */
export type AgentInput = Omit<RtcRtmInput, 'combined' | 'version'>;
export type AgentKind = 'convoai' | 'stt';

export interface ApaasInput {
  /** With userUuid and role: a room-user token. */
  roomUuid?: string | undefined;
  /** Alone: a user token. Neither: an app token. */
  userUuid?: string | undefined;
  role?: ApaasRole | undefined;
  expireSeconds: number;
}

export type ApaasKind = 'roomUser' | 'user' | 'app';

export interface FpaInput {
  expireSeconds: number;
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
  /** Unix seconds at which the token, or the first of its privileges, stops working: renew before. */
  expiresAt: number;
}

export interface MintedAgent extends Minted {
  rtmUserId: string;
}

export interface MintedApaas extends Minted {
  kind: ApaasKind;
  /** Room-user tokens: the Chat user id inside, md5(userUuid) in hex as Agora's builders derive it. */
  chatUserId?: string | undefined;
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

  /**
   * The token lifetime and each RTC privilege's lifetime (privilege number → seconds
   * from issue), from the role and privilegeExpireSeconds, or from `privileges`.
   */
  function rtcLifetimes(input: RtcInput): { expire: number; privileges: Map<number, number> } {
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    const expire = input.expireSeconds;
    if (input.privileges !== undefined) {
      if (input.privilegeExpireSeconds !== undefined) {
        throw new TokenInputError('privilegeExpireSeconds', 'cannot be combined with privileges: it is the shorthand for giving every privilege one lifetime');
      }
      if (input.version !== '007') throw new TokenInputError('privileges', 'are only supported by version 007 tokens');
      const privileges = new Map<number, number>();
      for (const [name, privilege] of RTC_PRIVILEGE_FIELDS) {
        const seconds = input.privileges[name];
        if (seconds === undefined) {
          if (name === 'joinChannel') throw new TokenInputError('privileges.joinChannel', 'is required: without it the token cannot join');
          continue;
        }
        checkLifetime(seconds, expire, `privileges.${name}`);
        privileges.set(privilege, seconds);
      }
      return { expire, privileges };
    }
    let privilegeExpire = expire;
    if (input.privilegeExpireSeconds !== undefined) {
      if (input.version !== '007') {
        throw new TokenInputError('privilegeExpireSeconds', 'is only supported by version 007 tokens');
      }
      checkLifetime(input.privilegeExpireSeconds, expire, 'privilegeExpireSeconds');
      privilegeExpire = input.privilegeExpireSeconds;
    }
    return { expire, privileges: new Map(rtcPrivileges(input.role).map((p) => [p, privilegeExpire])) };
  }

  /** When the first of the token and its privileges runs out: the time to renew by. */
  const firstExpiry = (issuedAt: number, expire: number, privileges: Iterable<number>) => issuedAt + Math.min(expire, ...privileges);

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

  function withPrivileges<S extends Service007>(service: S, privileges: Iterable<[number, number]>): S {
    for (const [p, seconds] of privileges) service.add_privilege(p, seconds);
    return service;
  }

  const rtcService = (channelName: string, identity: number | string, privileges: Map<number, number>) =>
    withPrivileges(new ServiceRtc(channelName, identity), privileges);

  const rtmService = (userId: string, expire: number) => withPrivileges(new ServiceRtm(userId), [[Privilege.login, expire]]);

  function rtc(input: RtcInput): Minted {
    const identity = rtcIdentity(input);
    const { expire, privileges } = rtcLifetimes(input);
    const issuedAt = now();
    const token =
      input.version === '006'
        ? rtc006(input.channelName, identity, input.role, issuedAt, expire)
        : token007(issuedAt, expire, [rtcService(input.channelName, identity, privileges)]);
    return { token, version: input.version, issuedAt, expiresAt: firstExpiry(issuedAt, expire, privileges.values()) };
  }

  /** RTM 2 permission lists, checked against Agora's rules for each kind of name and our size caps. */
  function rtm2Permissions(input: Rtm2PermissionsInput) {
    const permissions = new Rtm2Permissions();
    let total = 0;
    // Rtm2Permissions numbers resources and access types in the order of these lists.
    RTM2_RESOURCE_KINDS.forEach((resource, resourceType) => {
      RTM2_ACCESS_KINDS.forEach((access, permissionType) => {
        const names = input[resource]?.[access];
        if (names === undefined) return;
        const field = `permissions.${resource}.${access}`;
        if (names.length === 0) throw new TokenInputError(field, 'must list at least one name');
        if (names.length > RTM2_NAMES_PER_LIST_MAX) throw new TokenInputError(field, `must list at most ${RTM2_NAMES_PER_LIST_MAX} names`);
        if (new Set(names).size !== names.length) throw new TokenInputError(field, 'must not list a name twice');
        names.forEach((name, i) => (resource === 'users' ? checkRtmUserId(name, `${field}.${i}`) : checkChannelName(name, `${field}.${i}`)));
        total += names.length;
        permissions.add(resourceType, permissionType, names);
      });
    });
    if (total === 0) throw new TokenInputError('permissions', 'must list at least one resource name');
    if (total > RTM2_NAMES_TOTAL_MAX) throw new TokenInputError('permissions', `must list at most ${RTM2_NAMES_TOTAL_MAX} names in all`);
    return permissions;
  }

  function rtm(input: RtmInput): Minted {
    checkRtmUserId(input.userId);
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    if (input.permissions !== undefined && input.version !== '007') {
      throw new TokenInputError('permissions', 'are only supported by version 007 tokens');
    }
    const permissions = input.permissions && rtm2Permissions(input.permissions);
    const issuedAt = now();
    const expire = input.expireSeconds;
    let token: string;
    if (input.version === '006') token = rtm006(input.userId, issuedAt, expire);
    else if (permissions) token = token007(issuedAt, expire, [withPrivileges(new ServiceRtm2(input.userId, permissions), [[Privilege.login, expire]])]);
    else token = token007(issuedAt, expire, [rtmService(input.userId, expire)]);
    return { token, version: input.version, issuedAt, expiresAt: issuedAt + expire };
  }

  /** The RTC and RTM halves of a request for both: identities and lifetimes, checked. */
  function rtcRtmParts(input: RtcInput & Pick<RtcRtmInput, 'rtmUserId' | 'rtmExpireSeconds'>) {
    const identity = rtcIdentity(input);
    const { expire, privileges } = rtcLifetimes(input);
    let rtmUserId = input.rtmUserId;
    if (rtmUserId === undefined) {
      if (identity === 0) throw new TokenInputError('rtmUserId', 'is required when the RTC user is the wildcard 0');
      rtmUserId = String(identity);
    }
    checkRtmUserId(rtmUserId, 'rtmUserId');
    let rtmExpire = expire;
    if (input.rtmExpireSeconds !== undefined) {
      checkLifetime(input.rtmExpireSeconds, expire, 'rtmExpireSeconds');
      rtmExpire = input.rtmExpireSeconds;
    }
    return { identity, expire, privileges, rtmUserId, rtmExpire };
  }

  function rtcRtm(input: RtcRtmInput): MintedRtcRtm {
    const { identity, expire, privileges, rtmUserId, rtmExpire } = rtcRtmParts(input);
    if (input.combined && input.version !== '007') {
      throw new TokenInputError('combined', 'is only supported by version 007 tokens');
    }
    const issuedAt = now();
    const expiresAt = firstExpiry(issuedAt, expire, [...privileges.values(), rtmExpire]);
    if (input.combined) {
      // RtcTokenBuilder2.buildTokenWithRtm2: the RTC and RTM services, each with its own identity and lifetimes.
      const token = token007(issuedAt, expire, [rtcService(input.channelName, identity, privileges), rtmService(rtmUserId, rtmExpire)]);
      return { rtcToken: token, rtmToken: token, rtmUserId, combined: true, version: '007', issuedAt, expiresAt };
    }
    const rtcToken =
      input.version === '006'
        ? rtc006(input.channelName, identity, input.role, issuedAt, expire)
        : token007(issuedAt, expire, [rtcService(input.channelName, identity, privileges)]);
    const rtmToken =
      input.version === '006' ? rtm006(rtmUserId, issuedAt, rtmExpire) : token007(issuedAt, rtmExpire, [rtmService(rtmUserId, rtmExpire)]);
    return { rtcToken, rtmToken, rtmUserId, combined: false, version: input.version, issuedAt, expiresAt };
  }

  /**
   * ConvoAITokenBuilder / SttTokenBuilder: the agent's RTC and RTM services plus
   * the (privilege-less, as Agora's builders make it) ConvoAI or STT service.
   */
  function agent(kind: AgentKind, input: AgentInput): MintedAgent {
    const { identity, expire, privileges, rtmUserId, rtmExpire } = rtcRtmParts({ ...input, version: '007' });
    const issuedAt = now();
    const token = token007(issuedAt, expire, [
      rtcService(input.channelName, identity, privileges),
      rtmService(rtmUserId, rtmExpire),
      kind === 'convoai' ? new ServiceConvoAI() : new ServiceStt(),
    ]);
    return { token, version: '007', rtmUserId, issuedAt, expiresAt: firstExpiry(issuedAt, expire, [...privileges.values(), rtmExpire]) };
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

  /** Which APaaS token a request asks for: the fields given decide, and must come as a consistent set. */
  function apaasKind(input: ApaasInput): ApaasKind {
    if (input.roomUuid !== undefined) {
      if (input.userUuid === undefined) throw new TokenInputError('userUuid', 'is required with roomUuid (a room-user token)');
      if (input.role === undefined) throw new TokenInputError('role', 'is required with roomUuid (a room-user token)');
      return 'roomUser';
    }
    if (input.role !== undefined) throw new TokenInputError('role', 'only applies to a room-user token: give roomUuid and userUuid too');
    return input.userUuid === undefined ? 'app' : 'user';
  }

  /**
   * ApaasTokenBuilder (Flexible Classroom). A room-user token also carries RTM
   * login for userUuid and Chat for md5(userUuid), as Agora's builders do; its
   * APaaS service gets the room-user privilege as in Agora's Go/Java/Python
   * builders (the Node builder leaves it out).
   */
  function apaas(input: ApaasInput): MintedApaas {
    const kind = apaasKind(input);
    if (input.roomUuid !== undefined) checkChannelName(input.roomUuid, 'roomUuid');
    if (input.userUuid !== undefined) checkRtmUserId(input.userUuid, 'userUuid');
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    const expire = input.expireSeconds;
    const issuedAt = now();
    if (kind === 'roomUser') {
      const userUuid = input.userUuid as string;
      const service = new ServiceApaas(input.roomUuid, userUuid);
      // The constructor would turn role 0 (invisible) into -1.
      service.__role = APAAS_ROLES[input.role as ApaasRole];
      const chatUserId = createHash('md5').update(userUuid).digest('hex');
      const token = token007(issuedAt, expire, [
        withPrivileges(service, [[Privilege.apaasRoomUser, expire]]),
        rtmService(userUuid, expire),
        withPrivileges(new ServiceChat(chatUserId), [[Privilege.chatUser, expire]]),
      ]);
      return { token, version: '007', kind, chatUserId, issuedAt, expiresAt: issuedAt + expire };
    }
    const service =
      kind === 'user'
        ? withPrivileges(new ServiceApaas('', input.userUuid), [[Privilege.apaasUser, expire]])
        : withPrivileges(new ServiceApaas(), [[Privilege.apaasApp, expire]]);
    return { token: token007(issuedAt, expire, [service]), version: '007', kind, issuedAt, expiresAt: issuedAt + expire };
  }

  /**
   * FpaTokenBuilder: login privilege 0 (no limit of its own), so the token's
   * lifetime governs; Agora's builder fixes that at 24 h, here it is expireSeconds.
   */
  function fpa(input: FpaInput): Minted {
    checkLifetime(input.expireSeconds, maxTtl, 'expireSeconds');
    const issuedAt = now();
    const token = token007(issuedAt, input.expireSeconds, [withPrivileges(new ServiceFpa(), [[Privilege.login, 0]])]);
    return { token, version: '007', issuedAt, expiresAt: issuedAt + input.expireSeconds };
  }

  return { rtc, rtm, rtcRtm, chat, apaas, fpa, convoai: (i: AgentInput) => agent('convoai', i), stt: (i: AgentInput) => agent('stt', i), maxTtl };
}
