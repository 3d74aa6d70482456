import { Type } from '@sinclair/typebox';
import {
  AGORA_CHARSET,
  CHAT_USER_ID_MAX,
  CHAT_USER_ID_PATTERN,
  DEFAULT_ROLE,
  DEFAULT_VERSION,
  ROLES,
  RTM_USER_ID_MAX,
  RTM_USER_ID_PATTERN,
  UID_MAX,
  UID_PATTERN,
  USER_ACCOUNT_MAX,
  USER_ACCOUNT_PATTERN,
  VERSIONS,
} from '../tokens/rules.js';
import { DEFAULT_TTL_TEXT } from '../auth/policy.js';
import { EXAMPLE_TOKENS, StringEnum } from './common.js';
import { channelName, type TtlLimits } from './tokens.js';

/**
 * Schemas of the drop-in routes. They carry Agora's patterns and bounds, as the v1
 * schemas do, so the spec documents them and Ajv refuses what breaks them. Path and
 * query values stay strings and the handlers parse numbers strictly (`parseUid`,
 * `parseLifetime`): generic type coercion would turn "0x10" into uid 16 or "" into
 * the wildcard 0, and a string schema cannot bound the number it spells.
 */

export const COMPAT_ROLES = [...ROLES, 'audience'] as const;
export const COMPAT_TOKEN_TYPES = ['uid', 'userAccount'] as const;

const compatRole = () =>
  StringEnum(COMPAT_ROLES, { description: 'publisher, or subscriber/audience (join only)', examples: ['publisher'] });

const UID_TEXT = `integer uid from 0 to ${UID_MAX} in canonical decimal (no sign, no leading zeros); 0 = any user (wildcard)`;
/** An account, a uid in decimal or an RTM / Chat user id: all are channel-name characters (the handler applies the stricter rule). */
const ACCOUNT_TEXT = `a user account: 1–${USER_ACCOUNT_MAX} bytes, channel-name characters`;

export function buildCompatSchemas(l: TtlLimits) {
  const lifetimeText = (absent: string) =>
    `Lifetime in seconds from now (not a unix timestamp), from 1 to ${l.ttlMax}, in decimal digits; ${absent} = ${DEFAULT_TTL_TEXT}`;
  const expiryQuery = () =>
    Type.Optional(Type.String({ pattern: '^[0-9]+$', maxLength: 15, description: lifetimeText('absent'), examples: ['3600'] }));
  const versionQuery = () =>
    Type.Optional(StringEnum(VERSIONS, { default: DEFAULT_VERSION, description: `Token format (default ${DEFAULT_VERSION})` }));

  const SeedQuerySchema = Type.Object({
    channelName: channelName(),
    // Empty is absent: the tutorial sends `uid=` when its form field is blank.
    uid: Type.Optional(
      Type.String({ pattern: UID_PATTERN.replace(/\$$/, '?$'), maxLength: 10, default: '0', description: `An ${UID_TEXT}; absent or empty = 0`, examples: ['1234'] }),
    ),
    // Empty is absent, as for uid. Anything else unknown (e.g. `host`) is a 400, not a guess: a
    // join-only token for a would-be host fails far from here.
    role: Type.Optional(
      StringEnum([...COMPAT_ROLES, ''] as const, {
        default: DEFAULT_ROLE,
        description: `publisher, or subscriber/audience (join only); absent or empty = ${DEFAULT_ROLE}; anything else is a 400`,
      }),
    ),
    // Empty is absent here too, as the tutorial server reads it.
    expireTime: Type.Optional(
      Type.String({ pattern: '^[0-9]*$', maxLength: 15, description: lifetimeText('absent or empty'), examples: ['3600'] }),
    ),
  });

  const tokenType = StringEnum(COMPAT_TOKEN_TYPES, { description: 'uid: integer uid; userAccount: string account', examples: ['uid'] });
  const rtcIdentity = (description: string) =>
    Type.String({ minLength: 1, maxLength: USER_ACCOUNT_MAX, pattern: USER_ACCOUNT_PATTERN, description, examples: ['1234'] });
  const rtmUserId = (description: string, example: string) =>
    Type.String({ minLength: 1, maxLength: RTM_USER_ID_MAX, pattern: RTM_USER_ID_PATTERN, description, examples: [example] });
  const RTM_TEXT = `1–${RTM_USER_ID_MAX} bytes, channel-name characters, not starting with a space; not "0"`;

  const RtcPathSchema = Type.Object({
    channelName: channelName(),
    role: compatRole(),
    tokenType,
    uid: rtcIdentity(`Per tokenType: uid: ${UID_TEXT}; userAccount: ${ACCOUNT_TEXT}`),
  });

  const RtePathSchema = Type.Object({
    channelName: channelName(),
    role: compatRole(),
    tokenType,
    rtcuid: rtcIdentity(`The RTC identity, per tokenType: uid: ${UID_TEXT}; userAccount: ${ACCOUNT_TEXT}`),
  });

  const RteWithRtmPathSchema = Type.Object({
    ...RtePathSchema.properties,
    rtmuid: rtmUserId(`RTM user id (without this segment: rtcuid): ${RTM_TEXT}`, 'alice'),
  });

  const RtmPathSchema = Type.Object({ uid: rtmUserId(`RTM user id: ${RTM_TEXT}`, 'alice') });

  const ChatPathSchema = Type.Object({
    chatid: Type.String({
      minLength: 1,
      maxLength: CHAT_USER_ID_MAX,
      pattern: CHAT_USER_ID_PATTERN,
      description: `Agora Chat user id: 1–${CHAT_USER_ID_MAX} characters from a–z A–Z 0–9 _ - .`,
      examples: ['alice'],
    }),
  });

  const CompatQuerySchema = Type.Object({ expiry: expiryQuery(), version: versionQuery() });
  const ChatQuerySchema = Type.Object({ expiry: expiryQuery() });

  const GetTokenRequestSchema = Type.Object(
    {
      tokenType: StringEnum(['rtc', 'rtm', 'chat'] as const, { description: 'Which token to mint', examples: ['rtc'] }),
      channel: Type.Optional(channelName()),
      role: Type.Optional(StringEnum(COMPAT_ROLES, { description: `rtc role (default ${DEFAULT_ROLE})` })),
      uid: Type.Optional(
        Type.String({
          maxLength: USER_ACCOUNT_MAX,
          pattern: `^[${AGORA_CHARSET}]*$`,
          description:
            `rtc: digits = integer uid (0 to ${UID_MAX}), otherwise ${ACCOUNT_TEXT}; rtm: RTM user id; ` +
            'chat: Chat user id, absent or empty = app token',
          examples: ['1234'],
        }),
      ),
      expire: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: l.ttlMax,
          description: `Lifetime in seconds from now (not a unix timestamp), at most ${l.ttlMax}; 0 or absent = ${DEFAULT_TTL_TEXT}`,
          examples: [3600],
        }),
      ),
    },
    {
      $id: 'CompatGetTokenRequest',
      description: 'Body of the Go token service POST /getToken. Tokens are version 007.',
      examples: [{ tokenType: 'rtc', channel: 'demo-room', role: 'publisher', uid: '1234', expire: 3600 }],
    },
  );

  return {
    SeedQuerySchema,
    RtcPathSchema,
    RtePathSchema,
    RteWithRtmPathSchema,
    RtmPathSchema,
    ChatPathSchema,
    CompatQuerySchema,
    ChatQuerySchema,
    GetTokenRequestSchema,
  };
}

export type CompatSchemas = ReturnType<typeof buildCompatSchemas>;

const tokenString = (description: string, example: string) => Type.String({ minLength: 1, description, examples: [example] });

// The $ids are public contract (generated clients name their types after them): "Compat…" as in code.
export const CompatTokenResponseSchema = Type.Object(
  { token: tokenString('The token', EXAMPLE_TOKENS.rtc) },
  { $id: 'CompatToken', additionalProperties: false, description: '`{token}`, as the tutorial server and POST /getToken answer' },
);
export const CompatRtcResponseSchema = Type.Object(
  { rtcToken: tokenString('The RTC token', EXAMPLE_TOKENS.rtc) },
  { $id: 'CompatRtcToken', additionalProperties: false, description: '`{rtcToken}`, as the community servers answer' },
);
export const CompatRtmResponseSchema = Type.Object(
  { rtmToken: tokenString('The RTM token', EXAMPLE_TOKENS.rtm) },
  { $id: 'CompatRtmToken', additionalProperties: false, description: '`{rtmToken}`, as the community servers answer' },
);
export const CompatRteResponseSchema = Type.Object(
  { rtcToken: tokenString('The RTC token', EXAMPLE_TOKENS.rtc), rtmToken: tokenString('The RTM token', EXAMPLE_TOKENS.rtmUid1234) },
  { $id: 'CompatRteTokens', additionalProperties: false, description: '`{rtcToken, rtmToken}`, as the community servers answer' },
);
export const CompatChatResponseSchema = Type.Object(
  { chatToken: tokenString('The Chat token', EXAMPLE_TOKENS.chat) },
  { $id: 'CompatChatToken', additionalProperties: false, description: '`{chatToken}`, as the Go service answers' },
);
export const PongSchema = Type.Object(
  { message: StringEnum(['pong'] as const, { description: 'Always "pong"' }) },
  { $id: 'Pong', additionalProperties: false, description: 'Answer of GET /ping' },
);

/** The components the app registers (`addSchema`): the request body and the answers. */
export const compatComponents = (s: CompatSchemas) => [
  s.GetTokenRequestSchema,
  CompatTokenResponseSchema,
  CompatRtcResponseSchema,
  CompatRtmResponseSchema,
  CompatRteResponseSchema,
  CompatChatResponseSchema,
  PongSchema,
];
