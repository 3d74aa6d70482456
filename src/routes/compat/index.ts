/**
 * Drop-in routes for clients written against the token servers already in the
 * wild: the tutorial server (006), Agora-Node-TokenServer v2 and the Go
 * agora-token-service (007 by default here). Same URLs, same response keys, but
 * Agora's input rules are enforced and failures use the one error shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ref } from '../../schemas/common.js';
import {
  ChatPathSchema,
  ChatQuerySchema,
  CompatQuerySchema,
  GetTokenRequestSchema,
  LegacyChatResponseSchema,
  LegacyRtcResponseSchema,
  LegacyRteResponseSchema,
  LegacyRtmResponseSchema,
  LegacyTokenResponseSchema,
  PongSchema,
  RtcPathSchema,
  RtePathSchema,
  RteWithRtmPathSchema,
  RtmPathSchema,
  SeedQuerySchema,
} from '../../schemas/compat.js';
import type { Role } from '../../tokens/mint.js';
import {
  AGORA_TTL_CAP,
  TokenInputError,
  checkChannelName,
  checkChatUserId,
  checkLifetime,
  checkRtmUserId,
  checkUserAccount,
  parseLifetime,
  parseUid,
  type FieldNames,
} from '../../tokens/rules.js';
import { getErrorResponses, mintSecurity, tokenErrorResponses, withRuleExample } from '../responses.js';
import { noSecurity } from '../../schemas/security.js';

const toRole = (role: string | undefined): Role => (role === 'publisher' ? 'publisher' : 'subscriber');

/** `uid` routes take an integer (0 = wildcard); `userAccount` routes take the text as an account. */
function identity(tokenType: 'uid' | 'userAccount', text: string) {
  return tokenType === 'uid' ? { uid: parseUid(text) } : { userAccount: text };
}

/**
 * Each route's spelling of the fields Agora's rules check (unlisted = the v1 name,
 * which these routes share). Routes declare it as `config.fieldNames`; the error
 * handler names 400s from it and `names()` hands the same map to the policy for 403s.
 */
export const COMPAT_FIELD_NAMES = {
  accessToken: { expireSeconds: 'expireTime' },
  rtc: { userAccount: 'uid', expireSeconds: 'expiry' },
  rtm: { userId: 'uid', expireSeconds: 'expiry' },
  rte: { uid: 'rtcuid', userAccount: 'rtcuid', userId: 'rtmuid', rtmUserId: 'rtmuid', expireSeconds: 'expiry' },
  chatApp: { expireSeconds: 'expiry' },
  chat: { userId: 'chatid', expireSeconds: 'expiry' },
  getToken: { channelName: 'channel', uid: 'uid', userAccount: 'uid', userId: 'uid', expireSeconds: 'expire' },
} as const satisfies Record<string, FieldNames>;

const mintConfig = (fieldNames: FieldNames) => ({ noStore: true, fieldNames });
const names = (request: FastifyRequest): FieldNames | undefined => request.routeOptions.config.fieldNames;

const compat = (operationId: string, summary: string, description: string) => ({
  operationId,
  tags: ['compat'],
  deprecated: true,
  summary,
  description,
});

export default async function compatRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const tokens = app.tokens;
  // Absent: the guarded minter applies TOKEN_TTL_DEFAULT within the caller's cap.
  const lifetime = (text: string | undefined) => (text === undefined ? undefined : parseLifetime(text, tokens.maxTtl, 'expireSeconds'));

  app.get(
    '/access_token',
    {
      config: mintConfig(COMPAT_FIELD_NAMES.accessToken),
      schema: {
        ...compat(
          'legacyAccessToken',
          'Tutorial server: RTC token (006)',
          'Drop-in for the classic Express tutorial. Mints a version 006 RTC token; `uid` absent or 0 is the wildcard. Superseded by POST /v1/tokens/rtc.',
        ),
        querystring: SeedQuerySchema,
        security: mintSecurity,
        response: { 200: ref(LegacyTokenResponseSchema), ...withRuleExample(getErrorResponses, COMPAT_FIELD_NAMES.accessToken, () => parseLifetime('0', AGORA_TTL_CAP, 'expireSeconds')) },
      },
    },
    async (request) => {
      const q = request.query;
      const minted = request.mint.rtc({
        channelName: q.channelName,
        uid: q.uid === undefined || q.uid === '' ? 0 : parseUid(q.uid),
        role: toRole(q.role),
        expireSeconds: lifetime(q.expireTime || undefined),
        version: '006',
      }, names(request));
      return { token: minted.token };
    },
  );

  app.get(
    '/ping',
    {
      schema: {
        ...compat('legacyPing', 'Community servers: ping', 'Answers {"message":"pong"}. Superseded by GET /healthz.'),
        security: noSecurity,
        response: { 200: ref(PongSchema) },
      },
    },
    async () => ({ message: 'pong' as const }),
  );

  app.get(
    '/rtc/:channelName/:role/:tokenType/:uid',
    {
      config: mintConfig(COMPAT_FIELD_NAMES.rtc),
      schema: {
        ...compat(
          'legacyRtcToken',
          'Community servers: RTC token',
          'Drop-in for Agora-Node-TokenServer and agora-token-service. Version 007 unless `?version=006`. Superseded by POST /v1/tokens/rtc.',
        ),
        params: RtcPathSchema,
        querystring: CompatQuerySchema,
        security: mintSecurity,
        response: { 200: ref(LegacyRtcResponseSchema), ...withRuleExample(getErrorResponses, COMPAT_FIELD_NAMES.rtc, () => checkUserAccount('bad*')) },
      },
    },
    async (request) => {
      const p = request.params;
      const minted = request.mint.rtc({
        channelName: p.channelName,
        ...identity(p.tokenType, p.uid),
        role: toRole(p.role),
        expireSeconds: lifetime(request.query.expiry),
        version: request.query.version ?? '007',
      }, names(request));
      return { rtcToken: minted.token };
    },
  );

  app.get(
    '/rtm/:uid',
    {
      config: mintConfig(COMPAT_FIELD_NAMES.rtm),
      schema: {
        ...compat(
          'legacyRtmToken',
          'Community servers: RTM token',
          'Version 007 unless `?version=006`. Superseded by POST /v1/tokens/rtm.',
        ),
        params: RtmPathSchema,
        querystring: CompatQuerySchema,
        security: mintSecurity,
        response: { 200: ref(LegacyRtmResponseSchema), ...withRuleExample(getErrorResponses, COMPAT_FIELD_NAMES.rtm, () => checkRtmUserId(' alice')) },
      },
    },
    async (request) => {
      // "0" is the RTC wildcard, never an RTM user (as the Go service decides too).
      if (request.params.uid === '0') throw new TokenInputError('userId', 'must be an RTM user id, not the RTC wildcard 0');
      const minted = request.mint.rtm({
        userId: request.params.uid,
        expireSeconds: lifetime(request.query.expiry),
        version: request.query.version ?? '007',
      }, names(request));
      return { rtmToken: minted.token };
    },
  );

  const rteSchema = {
    ...compat(
      'legacyRteTokens',
      'Community servers: RTC + RTM tokens',
      'Two tokens for one user; the RTM user id is `rtmuid`, or `rtcuid` when absent. Version 007 unless `?version=006`. Superseded by POST /v1/tokens/rtc-rtm.',
    ),
    params: RtePathSchema,
    querystring: CompatQuerySchema,
    security: mintSecurity,
    response: { 200: ref(LegacyRteResponseSchema), ...withRuleExample(getErrorResponses, COMPAT_FIELD_NAMES.rte, () => checkUserAccount('bad*')) },
  };
  const rteHandler = async (request: {
    mint: FastifyRequest['mint'];
    routeOptions: FastifyRequest['routeOptions'];
    params: { channelName: string; role: string; tokenType: 'uid' | 'userAccount'; rtcuid: string; rtmuid?: string | undefined };
    query: { expiry?: string | undefined; version?: '006' | '007' | undefined };
  }) => {
    const p = request.params;
    const minted = request.mint.rtcRtm({
      channelName: p.channelName,
      ...identity(p.tokenType, p.rtcuid),
      rtmUserId: p.rtmuid,
      role: toRole(p.role),
      expireSeconds: lifetime(request.query.expiry),
      version: request.query.version ?? '007',
    }, names(request as FastifyRequest));
    return { rtcToken: minted.rtcToken, rtmToken: minted.rtmToken };
  };
  app.get('/rte/:channelName/:role/:tokenType/:rtcuid', { config: mintConfig(COMPAT_FIELD_NAMES.rte), schema: rteSchema }, rteHandler);
  app.get(
    '/rte/:channelName/:role/:tokenType/:rtcuid/:rtmuid',
    { config: mintConfig(COMPAT_FIELD_NAMES.rte), schema: { ...rteSchema, operationId: 'legacyRteTokensWithRtmUid', params: RteWithRtmPathSchema } },
    rteHandler,
  );

  app.get(
    '/chat/app',
    {
      config: mintConfig(COMPAT_FIELD_NAMES.chatApp),
      schema: {
        ...compat('legacyChatAppToken', 'Go service: Chat app token', 'Version 007. Superseded by POST /v1/tokens/chat.'),
        querystring: ChatQuerySchema,
        security: mintSecurity,
        response: { 200: ref(LegacyChatResponseSchema), ...withRuleExample(getErrorResponses, COMPAT_FIELD_NAMES.chatApp, () => parseLifetime('0', AGORA_TTL_CAP, 'expireSeconds')) },
      },
    },
    async (request) => {
      const minted = request.mint.chat({ expireSeconds: lifetime(request.query.expiry) }, names(request));
      return { chatToken: minted.token };
    },
  );

  app.get(
    '/chat/account/:chatid',
    {
      config: mintConfig(COMPAT_FIELD_NAMES.chat),
      schema: {
        ...compat('legacyChatUserToken', 'Go service: Chat user token', 'Version 007. Superseded by POST /v1/tokens/chat.'),
        params: ChatPathSchema,
        querystring: ChatQuerySchema,
        security: mintSecurity,
        response: { 200: ref(LegacyChatResponseSchema), ...withRuleExample(getErrorResponses, COMPAT_FIELD_NAMES.chat, () => checkChatUserId('bad!id')) },
      },
    },
    async (request) => {
      const minted = request.mint.chat(
        { userId: request.params.chatid, expireSeconds: lifetime(request.query.expiry) },
        names(request),
      );
      return { chatToken: minted.token };
    },
  );

  app.post(
    '/getToken',
    {
      config: mintConfig(COMPAT_FIELD_NAMES.getToken),
      schema: {
        ...compat(
          'legacyGetToken',
          'Go service: any token by body',
          'Drop-in for the Go service POST /getToken. Version 007. Superseded by the POST /v1/tokens/* operations.',
        ),
        body: ref(GetTokenRequestSchema),
        security: mintSecurity,
        response: { 200: ref(LegacyTokenResponseSchema), ...withRuleExample(tokenErrorResponses, COMPAT_FIELD_NAMES.getToken, () => checkChannelName('demo/room')) },
      },
    },
    async (request) => {
      const b = request.body;
      const expireSeconds = b.expire === undefined || b.expire === 0 ? undefined : b.expire;
      // Checked before the policy, as on the other routes: a bad lifetime is a 400, not a 403.
      if (expireSeconds !== undefined) checkLifetime(expireSeconds, tokens.maxTtl, 'expireSeconds');
      const version = '007' as const;
      const fields = names(request);
      if (b.tokenType === 'chat') {
        return { token: request.mint.chat({ userId: b.uid || undefined, expireSeconds }, fields).token };
      }
      if (!b.uid) throw new TokenInputError('uid', 'is required');
      if (b.tokenType === 'rtm') return { token: request.mint.rtm({ userId: b.uid, expireSeconds, version }, fields).token };
      if (b.channel === undefined) throw new TokenInputError('channelName', 'is required');
      checkChannelName(b.channel);
      // As the Go service: a decimal uid is an integer uid, anything else an account.
      const id = /^[0-9]+$/.test(b.uid) ? { uid: parseUid(b.uid) } : { userAccount: b.uid };
      return { token: request.mint.rtc({ channelName: b.channel, ...id, role: toRole(b.role), expireSeconds, version }, fields).token };
    },
  );
}
