import { Type, type Static } from '@sinclair/typebox';
import {
  CHANNEL_NAME_MAX,
  CHANNEL_NAME_PATTERN,
  DEFAULT_ROLE,
  DEFAULT_VERSION,
  ROLES,
  VERSIONS,
  type Role,
  RTM2_NAMES_PER_LIST_MAX,
  RTM2_NAMES_TOTAL_MAX,
  CHAT_USER_ID_MAX,
  CHAT_USER_ID_PATTERN,
  RTM_USER_ID_MAX,
  RTM_USER_ID_PATTERN,
  UID_MAX,
  USER_ACCOUNT_MAX,
  USER_ACCOUNT_PATTERN,
} from '../tokens/rules.js';
import { DEFAULT_TTL_TEXT } from '../auth/policy.js';
import { EXAMPLE_TIMES, EXAMPLE_TOKENS, StringEnum } from './common.js';
// family.ts builds on the field helpers below; it uses them only when called, so the cycle is harmless.
import { buildFamilySchemas } from './family.js';

export interface TtlLimits {
  ttlDefault: number;
  ttlMax: number;
}

export const channelName = () =>
  Type.String({
    minLength: 1,
    maxLength: CHANNEL_NAME_MAX,
    pattern: CHANNEL_NAME_PATTERN,
    description: 'Channel name: 1–63 characters from a–z A–Z 0–9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
    examples: ['demo-room'],
  });

export const uid = () =>
  Type.Integer({
    minimum: 0,
    maximum: UID_MAX,
    description: 'Integer user id. 0 is the wildcard: any user may join with the token. Give `uid` or `userAccount`, not both.',
    examples: [1234],
  });

export const userAccount = () =>
  Type.String({
    minLength: 1,
    maxLength: USER_ACCOUNT_MAX,
    pattern: USER_ACCOUNT_PATTERN,
    description: 'String user account (1–255 bytes, channel-name characters). Never mix integer uids and accounts in one channel.',
    examples: ['alice'],
  });

export const role = (byDefault: Role = DEFAULT_ROLE) =>
  StringEnum(ROLES, {
    default: byDefault,
    description: 'publisher: join and publish audio, video and data; subscriber: join only (publishing is only enforced when co-host authentication is on).',
  });

export const version = () =>
  StringEnum(VERSIONS, {
    default: DEFAULT_VERSION,
    description: "Token format. 007 (AccessToken2) is current; 006 (AccessToken) is for SDKs older than 2.x/3.x.",
  });

export function expireSeconds(l: TtlLimits) {
  return Type.Integer({
    minimum: 1,
    maximum: l.ttlMax,
    default: l.ttlDefault,
    description: `Lifetime in seconds FROM NOW (not a unix timestamp), at most ${l.ttlMax}; when absent, ${DEFAULT_TTL_TEXT}.`,
    examples: [3600],
  });
}

export const timestamps = () => ({
  issuedAt: Type.String({ format: 'date-time', description: 'When the token was signed (UTC)', examples: [EXAMPLE_TIMES.issuedAt] }),
  expiresAt: Type.String({ format: 'date-time', description: 'When the token stops working (UTC); renew before this', examples: [EXAMPLE_TIMES.expiresAt] }),
  issuedAtUnix: Type.Integer({ description: 'issuedAt in unix seconds', examples: [EXAMPLE_TIMES.issuedAtUnix] }),
  expiresAtUnix: Type.Integer({ description: 'expiresAt in unix seconds, for renewal timers', examples: [EXAMPLE_TIMES.expiresAtUnix] }),
});

export const token = (description: string, example: string) => Type.String({ minLength: 1, description, examples: [example] });

export const rtmUserId = (description: string) =>
  Type.String({
    minLength: 1,
    maxLength: RTM_USER_ID_MAX,
    pattern: RTM_USER_ID_PATTERN,
    description: `${description} 1–63 bytes, channel-name characters, not starting with a space.`,
    examples: ['alice'],
  });

const lifetimeAtMost = (l: TtlLimits, description: string, example: number) =>
  Type.Integer({ minimum: 1, maximum: l.ttlMax, description: `${description}, in seconds from now, at most expireSeconds.`, examples: [example] });

/** Per-privilege RTC lifetimes (RtcTokenBuilder2.buildTokenWithUidAndPrivilege). */
export function rtcPrivileges(l: TtlLimits) {
  return Type.Object(
    {
      joinChannel: lifetimeAtMost(l, 'How long the token may join the channel', 3600),
      publishAudio: Type.Optional(lifetimeAtMost(l, 'How long it may publish audio; leave out to grant no audio publishing', 600)),
      publishVideo: Type.Optional(lifetimeAtMost(l, 'How long it may publish video; leave out to grant no video publishing', 600)),
      publishData: Type.Optional(lifetimeAtMost(l, 'How long it may publish data streams; leave out to grant none', 600)),
    },
    {
      additionalProperties: false,
      description:
        'Version 007 only: each RTC privilege with its own lifetime (co-host authentication). The token holds exactly the ' +
        'privileges listed; the role is publisher when any publish privilege is listed. Not together with role or ' +
        'privilegeExpireSeconds. Publish privileges are only enforced when Agora enables co-host authentication for the project.',
      examples: [{ joinChannel: 3600, publishAudio: 600, publishVideo: 600 }],
    },
  );
}

/** RTM 2 resource permissions (RtmTokenBuilder2.buildTokenWithPermissions). */
export function rtm2Permissions() {
  const channel = (what: string) =>
    Type.String({ minLength: 1, maxLength: CHANNEL_NAME_MAX, pattern: CHANNEL_NAME_PATTERN, description: `A ${what} name (channel-name rules)` });
  const user = Type.String({ minLength: 1, maxLength: RTM_USER_ID_MAX, pattern: RTM_USER_ID_PATTERN, description: 'An RTM user id' });
  const lists = (item: ReturnType<typeof channel>, what: string, example: string) => {
    const names = (access: string) =>
      Type.Array(item, {
        minItems: 1,
        maxItems: RTM2_NAMES_PER_LIST_MAX,
        uniqueItems: true,
        description: `The ${what} this user may ${access} (at most ${RTM2_NAMES_PER_LIST_MAX}).`,
        examples: [[example]],
      });
    return Type.Optional(
      Type.Object(
        { read: Type.Optional(names('read')), write: Type.Optional(names('write')) },
        { additionalProperties: false, minProperties: 1, description: `Access to ${what}: read and/or write lists of names.`, examples: [{ read: [example] }] },
      ),
    );
  };
  return Type.Object(
    {
      messageChannels: lists(channel('message channel'), 'message channels', 'lobby'),
      streamChannels: lists(channel('stream channel'), 'stream channels', 'stage'),
      groupChannels: lists(channel('group channel'), 'group channels', 'team-1'),
      serverGroups: lists(channel('server group'), 'server groups', 'ops'),
      users: lists(user, 'users', 'bob'),
    },
    {
      additionalProperties: false,
      minProperties: 1,
      description:
        `Version 007 only: makes an RTM 2 token (ServiceRtm2) limited to these resources, at most ${RTM2_NAMES_TOTAL_MAX} names in all. ` +
        'Agora must enable resource permissions for the project; without that, use a plain RTM token. A channel-restricted ' +
        "caller may name only its channels (message, stream and group channels); a caller bound to itself may write only as its own user id.",
      examples: [{ messageChannels: { read: ['lobby', 'news'], write: ['lobby'] }, users: { read: ['bob'] } }],
    },
  );
}

/** The v1 request and response schemas. Bounds follow the configured TTLs. */
export function buildTokenSchemas(l: TtlLimits) {
  const RtcTokenRequestSchema = Type.Object(
    {
      channelName: channelName(),
      uid: Type.Optional(uid()),
      userAccount: Type.Optional(userAccount()),
      role: Type.Optional(role()),
      expireSeconds: Type.Optional(expireSeconds(l)),
      privilegeExpireSeconds: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: l.ttlMax,
          description: 'Version 007 only: seconds from now until join/publish privileges expire, at most expireSeconds. Defaults to expireSeconds. The shorthand for privileges with one lifetime.',
          examples: [3600],
        }),
      ),
      privileges: Type.Optional(rtcPrivileges(l)),
      version: Type.Optional(version()),
    },
    {
      $id: 'RtcTokenRequest',
      additionalProperties: false,
      description: 'An RTC (video/voice) token for one channel and one user. Give exactly one of uid and userAccount.',
      examples: [
        { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 },
        { channelName: 'demo-room', uid: 1234, expireSeconds: 3600, privileges: { joinChannel: 3600, publishAudio: 600, publishVideo: 600 } },
      ],
    },
  );

  const RtcTokenResponseSchema = Type.Object(
    {
      token: token('The RTC token to pass to joinChannel', EXAMPLE_TOKENS.rtc),
      version: version(),
      channelName: channelName(),
      uid: Type.Optional(uid()),
      userAccount: Type.Optional(userAccount()),
      role: role(),
      privileges: Type.Optional(rtcPrivileges(l)),
      ...timestamps(),
    },
    {
      $id: 'RtcTokenResponse',
      additionalProperties: false,
      description: 'A minted RTC token and what it grants.',
      examples: [{ token: EXAMPLE_TOKENS.rtc, version: '007', channelName: 'demo-room', uid: 1234, role: 'publisher', ...EXAMPLE_TIMES }],
    },
  );

  const RtmTokenRequestSchema = Type.Object(
    {
      userId: rtmUserId('RTM user id to log in as.'),
      expireSeconds: Type.Optional(expireSeconds(l)),
      version: Type.Optional(version()),
      permissions: Type.Optional(rtm2Permissions()),
    },
    {
      $id: 'RtmTokenRequest',
      additionalProperties: false,
      description: 'An RTM (signaling) login token for one user; with permissions, an RTM 2 token limited to those resources.',
      examples: [
        { userId: 'alice', expireSeconds: 3600 },
        { userId: 'alice', expireSeconds: 3600, permissions: { messageChannels: { read: ['lobby', 'news'], write: ['lobby'] }, users: { read: ['bob'] } } },
      ],
    },
  );

  const RtmTokenResponseSchema = Type.Object(
    {
      token: token('The RTM token to log in with', EXAMPLE_TOKENS.rtm),
      version: version(),
      userId: rtmUserId('The RTM user id the token is for.'),
      permissions: Type.Optional(rtm2Permissions()),
      ...timestamps(),
    },
    {
      $id: 'RtmTokenResponse',
      additionalProperties: false,
      description: 'A minted RTM token.',
      examples: [{ token: EXAMPLE_TOKENS.rtm, version: '007', userId: 'alice', ...EXAMPLE_TIMES }],
    },
  );

  const RtcRtmTokenRequestSchema = Type.Object(
    {
      channelName: channelName(),
      uid: Type.Optional(uid()),
      userAccount: Type.Optional(userAccount()),
      rtmUserId: Type.Optional(rtmUserId('RTM user id; defaults to userAccount, or to the uid in decimal (required when uid is 0).')),
      role: Type.Optional(role()),
      expireSeconds: Type.Optional(expireSeconds(l)),
      privilegeExpireSeconds: Type.Optional(
        Type.Integer({ minimum: 1, maximum: l.ttlMax, description: 'Version 007 only; see RtcTokenRequest.', examples: [3600] }),
      ),
      privileges: Type.Optional(rtcPrivileges(l)),
      rtmExpireSeconds: Type.Optional(lifetimeAtMost(l, 'How long RTM login lasts (default: expireSeconds)', 1800)),
      version: Type.Optional(version()),
      combined: Type.Optional(
        Type.Boolean({
          default: false,
          examples: [false],
          description: 'Version 007 only. false (default): two tokens, one per service. true: ONE token holding both RTC and RTM (RTM SDK 2.x), returned in both fields.',
        }),
      ),
    },
    {
      $id: 'RtcRtmTokenRequest',
      additionalProperties: false,
      description:
        'RTC and RTM tokens for one user in one call; the RTM user id and lifetime may differ from the RTC ones ' +
        '(combined: RtcTokenBuilder2.buildTokenWithRtm2).',
      examples: [
        { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 },
        {
          channelName: 'demo-room',
          userAccount: 'alice',
          rtmUserId: 'alice-rtm',
          expireSeconds: 3600,
          privileges: { joinChannel: 3600, publishAudio: 600 },
          rtmExpireSeconds: 1800,
          combined: true,
        },
      ],
    },
  );

  const RtcRtmTokenResponseSchema = Type.Object(
    {
      rtcToken: token('The RTC token', EXAMPLE_TOKENS.rtc),
      rtmToken: token('The RTM token (the same string as rtcToken when combined)', EXAMPLE_TOKENS.rtmUid1234),
      combined: Type.Boolean({ description: 'Whether one token carries both services', examples: [false] }),
      version: version(),
      channelName: channelName(),
      uid: Type.Optional(uid()),
      userAccount: Type.Optional(userAccount()),
      rtmUserId: rtmUserId('The RTM user id the RTM token is for.'),
      role: role(),
      privileges: Type.Optional(rtcPrivileges(l)),
      rtmExpireSeconds: Type.Optional(lifetimeAtMost(l, 'How long RTM login lasts, when it was asked to differ from expireSeconds', 1800)),
      ...timestamps(),
    },
    {
      $id: 'RtcRtmTokenResponse',
      additionalProperties: false,
      description: 'Minted RTC and RTM tokens.',
      examples: [
        {
          rtcToken: EXAMPLE_TOKENS.rtc,
          rtmToken: EXAMPLE_TOKENS.rtmUid1234,
          combined: false,
          version: '007',
          channelName: 'demo-room',
          uid: 1234,
          rtmUserId: '1234',
          role: 'publisher',
          ...EXAMPLE_TIMES,
        },
      ],
    },
  );

  const chatUserId = () =>
    Type.String({
      minLength: 1,
      maxLength: CHAT_USER_ID_MAX,
      pattern: CHAT_USER_ID_PATTERN,
      description: 'Agora Chat user id (1–64 of a–z A–Z 0–9 _ - .). Omit it for an app token (server-side Chat REST calls).',
      examples: ['alice'],
    });

  const ChatTokenRequestSchema = Type.Object(
    {
      userId: Type.Optional(chatUserId()),
      expireSeconds: Type.Optional(expireSeconds(l)),
    },
    {
      $id: 'ChatTokenRequest',
      additionalProperties: false,
      description: 'An Agora Chat token: a user token with userId, an app token without. Always version 007.',
      examples: [{ userId: 'alice', expireSeconds: 3600 }],
    },
  );

  const ChatTokenResponseSchema = Type.Object(
    {
      token: token('The Chat token', EXAMPLE_TOKENS.chat),
      version: StringEnum(['007'] as const, { description: 'Chat tokens exist only in version 007' }),
      kind: StringEnum(['user', 'app'] as const, { description: 'user: for one Chat user; app: for the app server' }),
      userId: Type.Optional(chatUserId()),
      ...timestamps(),
    },
    {
      $id: 'ChatTokenResponse',
      additionalProperties: false,
      description: 'A minted Chat token.',
      examples: [{ token: EXAMPLE_TOKENS.chat, version: '007', kind: 'user', userId: 'alice', ...EXAMPLE_TIMES }],
    },
  );

  return {
    RtcTokenRequestSchema,
    RtcTokenResponseSchema,
    RtmTokenRequestSchema,
    RtmTokenResponseSchema,
    RtcRtmTokenRequestSchema,
    RtcRtmTokenResponseSchema,
    ChatTokenRequestSchema,
    ChatTokenResponseSchema,
    ...buildFamilySchemas(l),
  };
}

export type TokenSchemas = ReturnType<typeof buildTokenSchemas>;
export type RtcTokenRequest = Static<TokenSchemas['RtcTokenRequestSchema']>;
export type AgentTokenRequest = Static<TokenSchemas['AgentTokenRequestSchema']>;
