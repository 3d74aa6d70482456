/**
 * Request and response schemas of the token types beyond RTC, RTM and Chat:
 * Flexible Classroom (APaaS), the ConvoAI and STT agents, FPA. Field rules come
 * from the same constants as the checks in src/tokens/rules.ts.
 */
import { Type } from '@sinclair/typebox';
import { APAAS_ROLES, CHANNEL_NAME_MAX, CHANNEL_NAME_PATTERN } from '../tokens/rules.js';
import { EXAMPLE_TIMES, EXAMPLE_TOKENS, StringEnum } from './common.js';
import {
  channelName,
  expireSeconds,
  role,
  rtcPrivileges,
  rtmUserId,
  timestamps,
  token,
  uid,
  userAccount,
  type TtlLimits,
} from './tokens.js';

const APAAS_ROLE_NAMES = Object.keys(APAAS_ROLES) as (keyof typeof APAAS_ROLES)[];
const only007 = (description: string) => StringEnum(['007'] as const, { description });

export function buildFamilySchemas(l: TtlLimits) {
  const roomUuid = () =>
    Type.String({
      minLength: 1,
      maxLength: CHANNEL_NAME_MAX,
      pattern: CHANNEL_NAME_PATTERN,
      description:
        "Flexible Classroom room id (also the RTC/RTM channel of the class): channel-name rules, and within the caller's channels. Give it for a room-user token.",
      examples: ['class-101'],
    });
  const userUuid = () => rtmUserId('Flexible Classroom user id (also the RTM user id): give it alone for a user token, with roomUuid and role for a room-user token.');
  const apaasRole = () =>
    StringEnum(APAAS_ROLE_NAMES, {
      description:
        'Role in the room (Agora numbers them 0 invisible, 1 teacher, 2 student, 3 assistant, 4 observer). Room-user tokens only. ' +
        'teacher, assistant and invisible need the publisher grant; student and observer the subscriber grant.',
    });

  const ApaasTokenRequestSchema = Type.Object(
    {
      roomUuid: Type.Optional(roomUuid()),
      userUuid: Type.Optional(userUuid()),
      role: Type.Optional(apaasRole()),
      expireSeconds: Type.Optional(expireSeconds(l)),
    },
    {
      $id: 'ApaasTokenRequest',
      additionalProperties: false,
      description:
        'A Flexible Classroom (APaaS) token. roomUuid + userUuid + role: a room-user token (also RTM login for userUuid and ' +
        'Chat for md5(userUuid)); userUuid alone: a user token; neither: an app token (app-level: only for callers granted it).',
      examples: [
        { roomUuid: 'class-101', userUuid: 'alice', role: 'student', expireSeconds: 3600 },
        { userUuid: 'alice', expireSeconds: 3600 },
        { expireSeconds: 3600 },
      ],
    },
  );

  const ApaasTokenResponseSchema = Type.Object(
    {
      token: token('The Flexible Classroom token', EXAMPLE_TOKENS.apaas),
      version: only007('APaaS tokens exist only in version 007'),
      kind: StringEnum(['roomUser', 'user', 'app'] as const, { description: 'Which of the three APaaS tokens this is' }),
      roomUuid: Type.Optional(roomUuid()),
      userUuid: Type.Optional(userUuid()),
      role: Type.Optional(apaasRole()),
      chatUserId: Type.Optional(
        Type.String({ description: 'Room-user tokens: the Chat user id inside, md5(userUuid) in hex as Agora derives it', examples: ['6384e2b2184bcbf58eccf10ca7a6563c'] }),
      ),
      ...timestamps(),
    },
    {
      $id: 'ApaasTokenResponse',
      additionalProperties: false,
      description: 'A minted Flexible Classroom token.',
      examples: [
        {
          token: EXAMPLE_TOKENS.apaas,
          version: '007',
          kind: 'roomUser',
          roomUuid: 'class-101',
          userUuid: 'alice',
          role: 'student',
          chatUserId: '6384e2b2184bcbf58eccf10ca7a6563c',
          ...EXAMPLE_TIMES,
        },
      ],
    },
  );

  const agentFields = () => ({
    channelName: channelName(),
    uid: Type.Optional(uid()),
    userAccount: Type.Optional(userAccount()),
    rtmUserId: Type.Optional(rtmUserId("The agent's RTM user id; defaults to userAccount, or to the uid in decimal (required when uid is 0).")),
    // An agent speaks (ConvoAI) or publishes transcripts (STT): publisher unless asked otherwise.
    role: Type.Optional(role('publisher')),
  });

  const AgentTokenRequestSchema = Type.Object(
    {
      ...agentFields(),
      expireSeconds: Type.Optional(expireSeconds(l)),
      privilegeExpireSeconds: Type.Optional(
        Type.Integer({ minimum: 1, maximum: l.ttlMax, description: 'Seconds from now until the RTC privileges expire, at most expireSeconds; see RtcTokenRequest.', examples: [3600] }),
      ),
      privileges: Type.Optional(rtcPrivileges(l)),
      rtmExpireSeconds: Type.Optional(
        Type.Integer({ minimum: 1, maximum: l.ttlMax, description: 'How long RTM login lasts, in seconds from now, at most expireSeconds (default: expireSeconds).', examples: [1800] }),
      ),
    },
    {
      $id: 'AgentTokenRequest',
      additionalProperties: false,
      description:
        'A token for a Conversational AI agent or a real-time speech-to-text bot: ONE version 007 token with the RTC ' +
        'service (channel and the agent\'s uid or account), RTM login and the ConvoAI or STT service, as Agora\'s builders make it.',
      examples: [{ channelName: 'demo-room', uid: 1001, rtmUserId: 'agent-1001', expireSeconds: 3600 }],
    },
  );

  const AgentTokenResponseSchema = Type.Object(
    {
      token: token('The agent token (pass it to the ConvoAI or STT REST API with the agent uid)', EXAMPLE_TOKENS.convoai),
      version: only007('Agent tokens exist only in version 007'),
      ...agentFields(),
      rtmUserId: rtmUserId('The RTM user id inside the token.'),
      role: role('publisher'),
      privileges: Type.Optional(rtcPrivileges(l)),
      rtmExpireSeconds: Type.Optional(
        Type.Integer({ minimum: 1, maximum: l.ttlMax, description: 'How long RTM login lasts, when it was asked to differ from expireSeconds', examples: [1800] }),
      ),
      ...timestamps(),
    },
    {
      $id: 'AgentTokenResponse',
      additionalProperties: false,
      description: 'A minted ConvoAI or STT agent token and what it grants.',
      examples: [
        { token: EXAMPLE_TOKENS.convoai, version: '007', channelName: 'demo-room', uid: 1001, rtmUserId: 'agent-1001', role: 'publisher', ...EXAMPLE_TIMES },
      ],
    },
  );

  const FpaTokenRequestSchema = Type.Object(
    { expireSeconds: Type.Optional(expireSeconds(l)) },
    {
      $id: 'FpaTokenRequest',
      additionalProperties: false,
      description: 'An FPA (Fast Path Acceleration) token. App-level: only for callers granted it.',
      examples: [{ expireSeconds: 3600 }],
    },
  );

  const FpaTokenResponseSchema = Type.Object(
    {
      token: token('The FPA token', EXAMPLE_TOKENS.fpa),
      version: only007('FPA tokens exist only in version 007'),
      ...timestamps(),
    },
    {
      $id: 'FpaTokenResponse',
      additionalProperties: false,
      description: 'A minted FPA token: login privilege, valid for the token lifetime.',
      examples: [{ token: EXAMPLE_TOKENS.fpa, version: '007', ...EXAMPLE_TIMES }],
    },
  );

  return {
    ApaasTokenRequestSchema,
    ApaasTokenResponseSchema,
    AgentTokenRequestSchema,
    AgentTokenResponseSchema,
    FpaTokenRequestSchema,
    FpaTokenResponseSchema,
  };
}

export type FamilySchemas = ReturnType<typeof buildFamilySchemas>;
