import { Type } from '@sinclair/typebox';
import { EXAMPLE_TOKENS, StringEnum } from './common.js';
import { VERSIONS } from './tokens.js';

/**
 * Schemas of the drop-in routes. Path and query values stay strings here and are
 * parsed strictly in the handlers (`parseUid`, `parseLifetime`): generic type
 * coercion would turn "0x10" into uid 16 or "" into the wildcard 0.
 */

export const COMPAT_ROLES = ['publisher', 'subscriber', 'audience'] as const;
export const COMPAT_TOKEN_TYPES = ['uid', 'userAccount'] as const;

const compatRole = () =>
  StringEnum(COMPAT_ROLES, { description: 'publisher, or subscriber/audience (join only)', examples: ['publisher'] });

const versionQuery = () =>
  Type.Optional(StringEnum(VERSIONS, { default: '007', description: 'Token format (default 007)' }));

const expiryQuery = () =>
  Type.Optional(
    Type.String({ pattern: '^[0-9]+$', description: 'Lifetime in seconds from now (default TOKEN_TTL_DEFAULT)', examples: ['3600'] }),
  );

export const SeedQuerySchema = Type.Object(
  {
    channelName: Type.String({ description: 'Channel name (required)', examples: ['demo-room'] }),
    uid: Type.Optional(Type.String({ description: 'Integer uid; absent or 0 = any user (wildcard)', examples: ['1234'] })),
    // Empty is absent, as for uid: the tutorial sends `role=` when its form field is blank. Anything else
    // unknown (e.g. `host`) is a 400, not a guess: a join-only token for a would-be host fails far from here.
    role: Type.Optional(
      StringEnum([...COMPAT_ROLES, ''] as const, {
        default: 'subscriber',
        description: 'publisher, or subscriber/audience; absent or empty = subscriber; anything else is a 400',
      }),
    ),
    // Empty is absent here too, as the tutorial server reads it.
    expireTime: Type.Optional(
      Type.String({ pattern: '^[0-9]*$', description: 'Lifetime in seconds from now; absent or empty = TOKEN_TTL_DEFAULT', examples: ['3600'] }),
    ),
  },
);

export const RtcPathSchema = Type.Object({
  channelName: Type.String({ description: 'Channel name', examples: ['demo-room'] }),
  role: compatRole(),
  tokenType: StringEnum(COMPAT_TOKEN_TYPES, { description: 'uid: integer uid; userAccount: string account', examples: ['uid'] }),
  uid: Type.String({ description: 'The uid (integer, 0 = wildcard) or account, per tokenType', examples: ['1234'] }),
});

export const RtePathSchema = Type.Object({
  channelName: RtcPathSchema.properties.channelName,
  role: compatRole(),
  tokenType: RtcPathSchema.properties.tokenType,
  rtcuid: Type.String({ description: 'The RTC uid or account, per tokenType', examples: ['1234'] }),
});

export const RteWithRtmPathSchema = Type.Object({
  ...RtePathSchema.properties,
  rtmuid: Type.String({ description: 'RTM user id (without this segment: rtcuid)', examples: ['alice'] }),
});

export const RtmPathSchema = Type.Object({
  uid: Type.String({ description: 'RTM user id', examples: ['alice'] }),
});

export const ChatPathSchema = Type.Object({
  chatid: Type.String({ description: 'Agora Chat user id', examples: ['alice'] }),
});

export const CompatQuerySchema = Type.Object({ expiry: expiryQuery(), version: versionQuery() });
export const ChatQuerySchema = Type.Object({ expiry: expiryQuery() });

export const GetTokenRequestSchema = Type.Object(
  {
    tokenType: StringEnum(['rtc', 'rtm', 'chat'] as const, { description: 'Which token to mint', examples: ['rtc'] }),
    channel: Type.Optional(Type.String({ description: 'Channel name (rtc)', examples: ['demo-room'] })),
    role: Type.Optional(StringEnum(COMPAT_ROLES, { description: 'rtc role (default subscriber)' })),
    uid: Type.Optional(
      Type.String({
        description: 'rtc: digits = integer uid, otherwise a user account; rtm: user id; chat: user id, absent = app token',
        examples: ['1234'],
      }),
    ),
    expire: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Lifetime in seconds from now; 0 or absent = TOKEN_TTL_DEFAULT', examples: [3600] }),
    ),
  },
  {
    $id: 'CompatGetTokenRequest',
    description: 'Body of the Go token service POST /getToken. Tokens are version 007.',
    examples: [{ tokenType: 'rtc', channel: 'demo-room', role: 'publisher', uid: '1234', expire: 3600 }],
  },
);

const tokenString = (description: string, example: string) => Type.String({ minLength: 1, description, examples: [example] });

export const LegacyTokenResponseSchema = Type.Object(
  { token: tokenString('The token', EXAMPLE_TOKENS.rtc) },
  { $id: 'CompatToken', additionalProperties: false, description: '`{token}`, as the tutorial server and POST /getToken answer' },
);
export const LegacyRtcResponseSchema = Type.Object(
  { rtcToken: tokenString('The RTC token', EXAMPLE_TOKENS.rtc) },
  { $id: 'CompatRtcToken', additionalProperties: false, description: '`{rtcToken}`, as the community servers answer' },
);
export const LegacyRtmResponseSchema = Type.Object(
  { rtmToken: tokenString('The RTM token', EXAMPLE_TOKENS.rtm) },
  { $id: 'CompatRtmToken', additionalProperties: false, description: '`{rtmToken}`, as the community servers answer' },
);
export const LegacyRteResponseSchema = Type.Object(
  { rtcToken: tokenString('The RTC token', EXAMPLE_TOKENS.rtc), rtmToken: tokenString('The RTM token', EXAMPLE_TOKENS.rtmUid1234) },
  { $id: 'CompatRteTokens', additionalProperties: false, description: '`{rtcToken, rtmToken}`, as the community servers answer' },
);
export const LegacyChatResponseSchema = Type.Object(
  { chatToken: tokenString('The Chat token', EXAMPLE_TOKENS.chat) },
  { $id: 'CompatChatToken', additionalProperties: false, description: '`{chatToken}`, as the Go service answers' },
);
export const PongSchema = Type.Object(
  { message: StringEnum(['pong'] as const, { description: 'Always "pong"' }) },
  { $id: 'Pong', additionalProperties: false, description: 'Answer of GET /ping' },
);

export const compatSchemas = [
  GetTokenRequestSchema,
  LegacyTokenResponseSchema,
  LegacyRtcResponseSchema,
  LegacyRtmResponseSchema,
  LegacyRteResponseSchema,
  LegacyChatResponseSchema,
  PongSchema,
];
