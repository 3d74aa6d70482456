import { Type, type Static } from '@sinclair/typebox';
import {
  CHANNEL_NAME_MAX,
  CHANNEL_NAME_PATTERN,
  CHAT_USER_ID_MAX,
  CHAT_USER_ID_PATTERN,
  RTM_USER_ID_MAX,
  RTM_USER_ID_PATTERN,
  UID_MAX,
  USER_ACCOUNT_MAX,
  USER_ACCOUNT_PATTERN,
} from '../tokens/rules.js';
import { EXAMPLE_TIMES, EXAMPLE_TOKENS, StringEnum } from './common.js';

export const ROLES = ['publisher', 'subscriber'] as const;
export const VERSIONS = ['006', '007'] as const;

export interface TtlLimits {
  ttlDefault: number;
  ttlMax: number;
}

const channelName = () =>
  Type.String({
    minLength: 1,
    maxLength: CHANNEL_NAME_MAX,
    pattern: CHANNEL_NAME_PATTERN,
    description: 'Channel name: 1–63 characters from a–z A–Z 0–9, space and ! # $ % & ( ) + - : ; < = . > ? @ [ ] ^ _ { } | ~ ,',
    examples: ['demo-room'],
  });

const uid = () =>
  Type.Integer({
    minimum: 0,
    maximum: UID_MAX,
    description: 'Integer user id. 0 is the wildcard: any user may join with the token. Give `uid` or `userAccount`, not both.',
    examples: [1234],
  });

const userAccount = () =>
  Type.String({
    minLength: 1,
    maxLength: USER_ACCOUNT_MAX,
    pattern: USER_ACCOUNT_PATTERN,
    description: 'String user account (1–255 bytes, channel-name characters). Never mix integer uids and accounts in one channel.',
    examples: ['alice'],
  });

const role = () =>
  StringEnum(ROLES, {
    default: 'subscriber',
    description: 'publisher: join and publish audio, video and data; subscriber: join only (publishing is only enforced when co-host authentication is on).',
  });

const version = () =>
  StringEnum(VERSIONS, {
    default: '007',
    description: "Token format. 007 (AccessToken2) is current; 006 (AccessToken) is for SDKs older than 2.x/3.x.",
  });

function expireSeconds(l: TtlLimits) {
  return Type.Integer({
    minimum: 1,
    maximum: l.ttlMax,
    default: l.ttlDefault,
    description: `Lifetime in seconds FROM NOW (not a unix timestamp), at most ${l.ttlMax}; when absent, the default or the caller's own cap, whichever is lower.`,
    examples: [3600],
  });
}

const timestamps = () => ({
  issuedAt: Type.String({ format: 'date-time', description: 'When the token was signed (UTC)', examples: [EXAMPLE_TIMES.issuedAt] }),
  expiresAt: Type.String({ format: 'date-time', description: 'When the token stops working (UTC); renew before this', examples: [EXAMPLE_TIMES.expiresAt] }),
  issuedAtUnix: Type.Integer({ description: 'issuedAt in unix seconds', examples: [EXAMPLE_TIMES.issuedAtUnix] }),
  expiresAtUnix: Type.Integer({ description: 'expiresAt in unix seconds, for renewal timers', examples: [EXAMPLE_TIMES.expiresAtUnix] }),
});

const token = (description: string, example: string) => Type.String({ minLength: 1, description, examples: [example] });

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
          description: 'Version 007 only: seconds from now until join/publish privileges expire, at most expireSeconds. Defaults to expireSeconds.',
          examples: [3600],
        }),
      ),
      version: Type.Optional(version()),
    },
    {
      $id: 'RtcTokenRequest',
      additionalProperties: false,
      description: 'An RTC (video/voice) token for one channel and one user. Give exactly one of uid and userAccount.',
      examples: [{ channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 }],
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
      ...timestamps(),
    },
    {
      $id: 'RtcTokenResponse',
      additionalProperties: false,
      description: 'A minted RTC token and what it grants.',
      examples: [{ token: EXAMPLE_TOKENS.rtc, version: '007', channelName: 'demo-room', uid: 1234, role: 'publisher', ...EXAMPLE_TIMES }],
    },
  );

  const rtmUserId = (description: string) =>
    Type.String({
      minLength: 1,
      maxLength: RTM_USER_ID_MAX,
      pattern: RTM_USER_ID_PATTERN,
      description: `${description} 1–63 bytes, channel-name characters, not starting with a space.`,
      examples: ['alice'],
    });

  const RtmTokenRequestSchema = Type.Object(
    {
      userId: rtmUserId('RTM user id to log in as.'),
      expireSeconds: Type.Optional(expireSeconds(l)),
      version: Type.Optional(version()),
    },
    {
      $id: 'RtmTokenRequest',
      additionalProperties: false,
      description: 'An RTM (signaling) login token for one user.',
      examples: [{ userId: 'alice', expireSeconds: 3600 }],
    },
  );

  const RtmTokenResponseSchema = Type.Object(
    {
      token: token('The RTM token to log in with', EXAMPLE_TOKENS.rtm),
      version: version(),
      userId: rtmUserId('The RTM user id the token is for.'),
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
      description: 'RTC and RTM tokens for one user in one call.',
      examples: [{ channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 }],
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
  };
}

export type TokenSchemas = ReturnType<typeof buildTokenSchemas>;
export type RtcTokenRequest = Static<TokenSchemas['RtcTokenRequestSchema']>;
