/**
 * POST /v1/tokens/inspect: request and response. The response mirrors
 * `Inspection` (src/tokens/inspect.ts); the `Static` check at the bottom keeps
 * the two from drifting apart.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MAX_TOKEN_LENGTH, SERVICE_TYPES } from '../tokens/codec.js';
import { PROBLEM_CODES, type Inspection } from '../tokens/inspect.js';
import { CHANNEL_NAME_MAX, CHANNEL_NAME_PATTERN, UID_MAX, USER_ACCOUNT_MAX, USER_ACCOUNT_PATTERN, VERSIONS } from '../tokens/rules.js';
import { EXAMPLE_TIMES, EXAMPLE_TOKENS, StringEnum, ref } from './common.js';

const unix = (description: string, example: number) => Type.Integer({ description, examples: [example] });
const isoTime = (description: string, example: string) => Type.String({ format: 'date-time', description, examples: [example] });
const seconds = (description: string) => Type.Integer({ description, examples: [1800] });
const expiredFlag = (description: string) => Type.Boolean({ description, examples: [false] });

// The example times of every token example: EXAMPLE_TOKENS.rtc was minted at them.
const { issuedAtUnix: ISSUED, expiresAtUnix: EXPIRES } = EXAMPLE_TIMES;
const isoOf = (unix: number) => new Date(unix * 1000).toISOString();

const PRIVILEGE_EXAMPLE = { privilege: 1, name: 'joinChannel', expiresAt: isoOf(EXPIRES), expiresAtUnix: EXPIRES, expiresInSeconds: 1800, expired: false };

/** The documented example: the example RTC token (uid 1234) joined as uid 4321, half an hour after minting. */
const RESPONSE_EXAMPLE = {
  valid: false,
  version: '007',
  appId: '0123456789abcdef0123456789abcdef',
  appIdMatches: true,
  issuedAt: isoOf(ISSUED),
  issuedAtUnix: ISSUED,
  expiresAt: isoOf(EXPIRES),
  expiresAtUnix: EXPIRES,
  expiresInSeconds: 1800,
  expired: false,
  salt: 12_345_678,
  signature: 'valid',
  signatureValid: true,
  services: [
    {
      type: 1,
      name: 'rtc',
      channelName: 'demo-room',
      uid: 1234,
      privileges: [1, 2, 3, 4].map((privilege) => ({
        privilege,
        name: ['joinChannel', 'publishAudioStream', 'publishVideoStream', 'publishDataStream'][privilege - 1],
        expiresAt: isoOf(EXPIRES),
        expiresAtUnix: EXPIRES,
        expiresInSeconds: 1800,
        expired: false,
      })),
    },
  ],
  problems: [
    {
      code: 'UID_MISMATCH',
      severity: 'error',
      message: 'The token was minted for uid 1234, but the app joins with uid 4321: Agora rejects it (error 110, invalid token).',
      service: 'rtc',
    },
  ],
};

export const InspectTokenRequestSchema = Type.Object(
  {
    token: Type.String({
      minLength: 1,
      maxLength: MAX_TOKEN_LENGTH,
      description: `The token to inspect (006 or 007), at most ${MAX_TOKEN_LENGTH} characters.`,
      examples: [EXAMPLE_TOKENS.rtc],
    }),
    channelName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: CHANNEL_NAME_MAX,
        pattern: CHANNEL_NAME_PATTERN,
        description: 'The channel the app joins with this token; checked against the token (and needed to verify a 006 token).',
        examples: ['demo-room'],
      }),
    ),
    uid: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: UID_MAX,
        description: 'The integer uid the app joins with (joinChannel). Give uid or userAccount, not both.',
        examples: [4321],
      }),
    ),
    userAccount: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: USER_ACCOUNT_MAX,
        pattern: USER_ACCOUNT_PATTERN,
        description: 'The user account the app joins with (joinChannelWithUserAccount); for a 006 RTM token, its user id.',
        examples: ['alice'],
      }),
    ),
  },
  {
    $id: 'InspectTokenRequest',
    additionalProperties: false,
    description: 'A token, and optionally what the app joins with, so that mismatches can be explained.',
    examples: [{ token: EXAMPLE_TOKENS.rtc, channelName: 'demo-room', uid: 4321 }],
  },
);

export const TokenProblemSchema = Type.Object(
  {
    code: StringEnum(PROBLEM_CODES, { description: 'Stable code' }),
    severity: StringEnum(['error', 'warning'] as const, {
      description: 'error: Agora rejects the token (or that privilege) as used; warning: it works, but is risky or was not verified',
    }),
    message: Type.String({
      description: 'What is wrong and what to do, in plain words',
      examples: ['The token was minted for uid 1234, but the app joins with uid 4321: Agora rejects it (error 110, invalid token).'],
    }),
    service: Type.Optional(StringEnum(Object.keys(SERVICE_TYPES) as (keyof typeof SERVICE_TYPES)[], { description: 'The service concerned' })),
    privilege: Type.Optional(Type.String({ description: 'The privilege concerned', examples: ['joinChannel'] })),
  },
  { $id: 'TokenProblem', additionalProperties: false, description: 'One reason Agora would reject the token, or a risk in using it.' },
);

export const InspectedPrivilegeSchema = Type.Object(
  {
    privilege: Type.Integer({ description: 'Privilege number, as in the token', examples: [1] }),
    name: Type.String({ description: 'Its name in agora-token (joinChannel, publishAudioStream, login, …)', examples: ['joinChannel'] }),
    expiresAt: isoTime("When the privilege stops working: its own expiry or the token's, whichever is first", isoOf(EXPIRES)),
    expiresAtUnix: unix('expiresAt in unix seconds', EXPIRES),
    expiresInSeconds: seconds('Seconds left; negative once expired'),
    expired: expiredFlag('Whether the privilege has stopped working'),
  },
  { $id: 'InspectedPrivilege', additionalProperties: false, description: 'One privilege of a service, and until when it works.' },
);

export const Rtm2PermissionSchema = Type.Object(
  {
    resourceType: Type.Integer({ description: 'Resource type number', examples: [0] }),
    resource: Type.String({ description: 'messageChannels, streamChannels, groupChannels, serverGroups, users (type-N if unknown)', examples: ['messageChannels'] }),
    permissionType: Type.Integer({ description: 'Access type number', examples: [0] }),
    permission: Type.String({ description: 'read or write (type-N if unknown)', examples: ['read'] }),
    resources: Type.Array(Type.String(), { description: 'Resource names', examples: [['lobby', 'news']] }),
  },
  { $id: 'Rtm2Permission', additionalProperties: false, description: 'One RTM 2 permission list.' },
);

export const InspectedServiceSchema = Type.Object(
  {
    type: Type.Integer({ description: 'Service type: RTC 1, RTM 2, streaming 3, FPA 4, Chat 5, FCDN 6, APaaS 7, RTM2 8, ConvoAI 9, STT 10', examples: [1] }),
    name: StringEnum(Object.keys(SERVICE_TYPES) as (keyof typeof SERVICE_TYPES)[], { description: 'Service name' }),
    channelName: Type.Optional(
      Type.String({ description: 'RTC, streaming, FCDN (006: only when the channel given matches the token)', examples: ['demo-room'] }),
    ),
    uid: Type.Optional(
      Type.Integer({
        description: 'The uid slot read as an integer (0 = wildcard). A token cannot tell uid 1234 from the user account "1234".',
        examples: [1234],
      }),
    ),
    userAccount: Type.Optional(Type.String({ description: 'The uid slot when it is not an integer uid', examples: ['alice'] })),
    userId: Type.Optional(Type.String({ description: 'RTM, RTM 2 and Chat user id ("" for a Chat app token)', examples: ['alice'] })),
    roomUuid: Type.Optional(Type.String({ description: 'APaaS room', examples: ['class-101'] })),
    userUuid: Type.Optional(Type.String({ description: 'APaaS user', examples: ['alice'] })),
    role: Type.Optional(Type.Integer({ description: 'APaaS role (-1: none)', examples: [2] })),
    permissions: Type.Optional(
      Type.Array(ref(Rtm2PermissionSchema), {
        description: 'RTM 2 permission lists',
        examples: [[{ resourceType: 0, resource: 'messageChannels', permissionType: 0, permission: 'read', resources: ['lobby'] }]],
      }),
    ),
    channelCrc32: Type.Optional(Type.Integer({ description: '006: CRC-32 of the channel name (RTM: of the user id)', examples: [113_549_121] })),
    uidCrc32: Type.Optional(Type.Integer({ description: '006: CRC-32 of the uid string (0: the empty uid, i.e. the wildcard or RTM)', examples: [0] })),
    privileges: Type.Array(ref(InspectedPrivilegeSchema), { description: 'Each privilege and until when it works', examples: [[PRIVILEGE_EXAMPLE]] }),
  },
  { $id: 'InspectedService', additionalProperties: false, description: 'One service in the token, with its identity and privileges.' },
);

export const InspectTokenResponseSchema = Type.Object(
  {
    valid: Type.Boolean({ description: 'No problem of severity error: as far as the token shows, Agora accepts it', examples: [false] }),
    version: StringEnum(VERSIONS, { description: 'Token format' }),
    appId: Type.String({ description: "The token's App ID", examples: ['0123456789abcdef0123456789abcdef'] }),
    appIdMatches: Type.Optional(Type.Boolean({ description: "Whether it is this server's App ID", examples: [true] })),
    issuedAt: Type.Optional(isoTime('When the token was signed (007 only: 006 tokens carry no issue time)', isoOf(ISSUED))),
    issuedAtUnix: Type.Optional(unix('issuedAt in unix seconds', ISSUED)),
    expiresAt: isoTime("The token's own expiry (006: its ts field, which Agora's libraries set 24 h after minting; see each privilege)", isoOf(EXPIRES)),
    expiresAtUnix: unix('expiresAt in unix seconds', EXPIRES),
    expiresInSeconds: seconds('Seconds left; negative once expired'),
    expired: expiredFlag('Whether the token has expired'),
    salt: Type.Integer({ description: 'The random salt signed into the token', examples: [12_345_678] }),
    signature: StringEnum(['valid', 'invalid', 'unchecked'] as const, {
      description: "Against this server's App Certificate. unchecked: a 006 token whose channel and uid were not given (or did not match)",
    }),
    signatureValid: Type.Boolean({ description: 'signature is valid', examples: [true] }),
    services: Type.Array(ref(InspectedServiceSchema), { description: 'Each service in the token, in token order', examples: [RESPONSE_EXAMPLE.services] }),
    problems: Type.Array(ref(TokenProblemSchema), {
      description: 'Why Agora would reject the token as used, and risks; empty when none',
      examples: [RESPONSE_EXAMPLE.problems],
    }),
  },
  {
    $id: 'InspectTokenResponse',
    additionalProperties: false,
    description: 'What a token grants, until when, and what would make Agora reject it.',
    examples: [RESPONSE_EXAMPLE],
  },
);

export const inspectSchemas = [TokenProblemSchema, InspectedPrivilegeSchema, Rtm2PermissionSchema, InspectedServiceSchema, InspectTokenRequestSchema, InspectTokenResponseSchema];

export type InspectTokenRequest = Static<typeof InspectTokenRequestSchema>;

// Compile-time: what inspectToken returns must fit the published response.
type Assert<T extends true> = T;
export type InspectionFitsResponse = Assert<Inspection extends Static<typeof InspectTokenResponseSchema> ? true : false>;
