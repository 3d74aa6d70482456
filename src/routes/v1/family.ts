/**
 * The token types beyond RTC, RTM and Chat: Flexible Classroom (APaaS), the
 * ConvoAI and STT agents, FPA. Registered by the v1 token routes, under their
 * prefix; minted, like every token, through `request.mint` (policy and audit).
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AgentTokenRequest, TokenSchemas } from '../../schemas/tokens.js';
import { timestamps } from '../timestamps.js';
import { rtcInput, rtcNames, rtcRtmEcho, v1Route } from './tokens.js';

export interface V1FamilyRoutesOptions {
  schemas: TokenSchemas;
}

const AGENTS = {
  convoai: {
    operationId: 'createConvoAiToken',
    summary: 'Mint a Conversational AI agent token',
    builder: 'ConvoAITokenBuilder.buildToken',
    what: 'a Conversational AI agent (give it to the ConvoAI REST API with the agent uid)',
  },
  stt: {
    operationId: 'createSttToken',
    summary: 'Mint a real-time speech-to-text token',
    builder: 'SttTokenBuilder.buildToken',
    what: 'the real-time speech-to-text bot (give it to the STT REST API with the bot uid)',
  },
} as const;

export default async function v1FamilyRoutes(fastify: FastifyInstance, { schemas: s }: V1FamilyRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/apaas',
    v1Route(
      'createApaasToken',
      'Mint a Flexible Classroom (APaaS) token',
      'ApaasTokenBuilder: a room-user token (roomUuid, userUuid, role; it also carries RTM login for userUuid and Chat ' +
        'for md5(userUuid)), a user token (userUuid) or an app token (neither; app-level, only for callers granted it). ' +
        'Always version 007.',
      s.ApaasTokenRequestSchema,
      s.ApaasTokenResponseSchema,
    ),
    async (request) => {
      const b = request.body;
      const minted = request.mint.apaas({ roomUuid: b.roomUuid, userUuid: b.userUuid, role: b.role, expireSeconds: b.expireSeconds });
      return {
        token: minted.token,
        version: minted.version as '007',
        kind: minted.kind,
        ...(b.roomUuid !== undefined && { roomUuid: b.roomUuid }),
        ...(b.userUuid !== undefined && { userUuid: b.userUuid }),
        ...(b.role !== undefined && { role: b.role }),
        ...(minted.chatUserId !== undefined && { chatUserId: minted.chatUserId }),
        ...timestamps(minted),
      };
    },
  );

  for (const [service, doc] of Object.entries(AGENTS) as [keyof typeof AGENTS, (typeof AGENTS)[keyof typeof AGENTS]][]) {
    app.post(
      `/${service}`,
      v1Route(
        doc.operationId,
        doc.summary,
        `${doc.builder}: ONE version 007 token for ${doc.what}, holding the RTC service (channel, uid or account, role ` +
          'or per-privilege lifetimes; role defaults to publisher, as an agent publishes), RTM login (rtmUserId, ' +
          'rtmExpireSeconds) and the service itself.',
        s.AgentTokenRequestSchema,
        s.AgentTokenResponseSchema,
      ),
      async (request) => {
        const b: AgentTokenRequest = request.body;
        // An agent publishes (speech, transcripts): publisher is its default role.
        const input = { ...rtcInput(b, 'publisher'), rtmUserId: b.rtmUserId, rtmExpireSeconds: b.rtmExpireSeconds };
        const minted = request.mint[service](input, rtcNames(input));
        return { token: minted.token, version: '007' as const, ...rtcRtmEcho(input, minted) };
      },
    );
  }

  app.post(
    '/fpa',
    v1Route(
      'createFpaToken',
      'Mint an FPA (Fast Path Acceleration) token',
      "FpaTokenBuilder: a version 007 token with the FPA login privilege, valid for expireSeconds (Agora's builder fixes " +
        '24 h). App-level: only for callers granted it.',
      s.FpaTokenRequestSchema,
      s.FpaTokenResponseSchema,
    ),
    async (request) => {
      const minted = request.mint.fpa({ expireSeconds: request.body.expireSeconds });
      return { token: minted.token, version: minted.version as '007', ...timestamps(minted) };
    },
  );
}
