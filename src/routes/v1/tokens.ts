import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ref } from '../../schemas/common.js';
import type { RtcTokenRequest, TokenSchemas } from '../../schemas/tokens.js';
import { mintSecurity, tokenErrorResponses } from '../responses.js';
import { timestamps } from '../timestamps.js';

export interface V1TokenRoutesOptions {
  schemas: TokenSchemas;
}

const EXPIRY_NOTE =
  'Lifetimes are seconds from now (never unix timestamps), capped by the server and by the caller\'s own limit. ' +
  'Renew before `expiresAt`: the SDKs fire token-privilege-will-expire 30 s ahead.';

/** The RTC fields of a v1 body, with the documented defaults applied (the schemas only describe them). */
function rtcInput(b: RtcTokenRequest) {
  return {
    channelName: b.channelName,
    uid: b.uid,
    userAccount: b.userAccount,
    role: b.role ?? ('subscriber' as const),
    expireSeconds: b.expireSeconds,
    privilegeExpireSeconds: b.privilegeExpireSeconds,
    version: b.version ?? '007',
  };
}

/** What an RTC response repeats of the request: channel, the one identity given, role. */
function rtcEcho(input: ReturnType<typeof rtcInput>) {
  return {
    channelName: input.channelName,
    ...(input.uid !== undefined ? { uid: input.uid } : { userAccount: input.userAccount }),
    role: input.role,
  };
}

export default async function v1TokenRoutes(fastify: FastifyInstance, { schemas: s }: V1TokenRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/rtc',
    {
      config: { noStore: true },
      schema: {
        operationId: 'createRtcToken',
        tags: ['tokens'],
        summary: 'Mint an RTC token',
        description: `An RTC (video/voice) token for one channel and one user (uid or userAccount). ${EXPIRY_NOTE}`,
        body: ref(s.RtcTokenRequestSchema),
        security: mintSecurity,
        response: { 200: ref(s.RtcTokenResponseSchema), ...tokenErrorResponses },
      },
    },
    async (request) => {
      const input = rtcInput(request.body);
      const minted = request.mint.rtc(input);
      return { token: minted.token, version: minted.version, ...rtcEcho(input), ...timestamps(minted) };
    },
  );

  app.post(
    '/rtm',
    {
      config: { noStore: true },
      schema: {
        operationId: 'createRtmToken',
        tags: ['tokens'],
        summary: 'Mint an RTM token',
        description: `An RTM (signaling) login token for one user id. ${EXPIRY_NOTE}`,
        body: ref(s.RtmTokenRequestSchema),
        security: mintSecurity,
        response: { 200: ref(s.RtmTokenResponseSchema), ...tokenErrorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const minted = request.mint.rtm({
        userId: b.userId,
        expireSeconds: b.expireSeconds,
        version: b.version ?? '007',
      });
      return { token: minted.token, version: minted.version, userId: b.userId, ...timestamps(minted) };
    },
  );

  app.post(
    '/rtc-rtm',
    {
      config: { noStore: true },
      schema: {
        operationId: 'createRtcRtmTokens',
        tags: ['tokens'],
        summary: 'Mint RTC and RTM tokens for one user',
        description:
          'Both tokens a typical app needs, in one call. By default two tokens; with `combined: true` (007 only) ONE token ' +
          `carrying both services, returned in both fields. ${EXPIRY_NOTE}`,
        body: ref(s.RtcRtmTokenRequestSchema),
        security: mintSecurity,
        response: { 200: ref(s.RtcRtmTokenResponseSchema), ...tokenErrorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const input = { ...rtcInput(b), rtmUserId: b.rtmUserId, combined: b.combined ?? false };
      const minted = request.mint.rtcRtm(input);
      return {
        rtcToken: minted.rtcToken,
        rtmToken: minted.rtmToken,
        combined: minted.combined,
        version: minted.version,
        ...rtcEcho(input),
        rtmUserId: minted.rtmUserId,
        ...timestamps(minted),
      };
    },
  );

  app.post(
    '/chat',
    {
      config: { noStore: true },
      schema: {
        operationId: 'createChatToken',
        tags: ['tokens'],
        summary: 'Mint an Agora Chat token',
        description: `A Chat user token (with userId) or app token (without). Always version 007. ${EXPIRY_NOTE}`,
        body: ref(s.ChatTokenRequestSchema),
        security: mintSecurity,
        response: { 200: ref(s.ChatTokenResponseSchema), ...tokenErrorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const minted = request.mint.chat({ userId: b.userId, expireSeconds: b.expireSeconds });
      return {
        token: minted.token,
        version: '007' as const,
        kind: b.userId === undefined ? ('app' as const) : ('user' as const),
        ...(b.userId !== undefined && { userId: b.userId }),
        ...timestamps(minted),
      };
    },
  );
}
