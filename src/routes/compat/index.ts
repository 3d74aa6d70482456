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
  CompatChatResponseSchema,
  CompatRtcResponseSchema,
  CompatRteResponseSchema,
  CompatRtmResponseSchema,
  CompatTokenResponseSchema,
  PongSchema,
  type CompatSchemas,
} from '../../schemas/compat.js';
import { noSecurity } from '../../schemas/security.js';
import {
  AGORA_TTL_CAP,
  DEFAULT_ROLE,
  DEFAULT_VERSION,
  TokenInputError,
  parseLifetime,
  parseUid,
  type FieldNames,
  type Role,
} from '../../tokens/rules.js';
import { mintingRoute, type MintingSchema } from '../minting.js';

export interface CompatRoutesOptions {
  schemas: CompatSchemas;
}

/** publisher, or join-only (subscriber, audience, or the tutorial's empty/absent role). */
const toRole = (role: string | undefined): Role => (role === 'publisher' ? 'publisher' : DEFAULT_ROLE);

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

const names = (request: FastifyRequest): FieldNames | undefined => request.routeOptions.config.fieldNames;

/**
 * A compat minting route: tag `compat`, deprecated unless `supported` (the tutorial's
 * GET /access_token, which this service was built to serve), its own field names.
 */
function compatRoute<const S extends Omit<MintingSchema, 'tags' | 'deprecated'>>(
  schema: S,
  fieldNames: FieldNames & { expireSeconds: string },
  breakRule: () => unknown,
  supported = false,
) {
  return mintingRoute({ ...schema, tags: ['compat'], ...(!supported && { deprecated: true }) }, { fieldNames, breakRule });
}

/**
 * 400 examples are real errors of the handler's layer (what a schema cannot say): a lifetime 0,
 * a uid that is not a canonical integer in range.
 */
const zeroLifetime = () => parseLifetime('0', AGORA_TTL_CAP, 'expireSeconds');

export default async function compatRoutes(fastify: FastifyInstance, { schemas: s }: CompatRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { maxTtl } = app.tokenLimits;
  // Absent: the guarded minter applies TOKEN_TTL_DEFAULT within the caller's cap.
  const lifetime = (text: string | undefined) => (text === undefined ? undefined : parseLifetime(text, maxTtl, 'expireSeconds'));

  app.get(
    '/access_token',
    compatRoute(
      {
        operationId: 'legacyAccessToken',
        summary: 'Tutorial server: RTC token (006)',
        description:
          'The classic Express tutorial\'s API, served as it was: a version 006 RTC token for one channel; `uid` absent, ' +
          'empty or 0 is the wildcard. Every query value is checked by the rules documented on it. POST /v1/tokens/rtc ' +
          'answers more (007, expiry times, per-privilege lifetimes).',
        querystring: s.SeedQuerySchema,
        response: { 200: ref(CompatTokenResponseSchema) },
      },
      COMPAT_FIELD_NAMES.accessToken,
      zeroLifetime,
      true,
    ),
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
        operationId: 'legacyPing',
        tags: ['compat'],
        deprecated: true,
        summary: 'Community servers: ping',
        description: 'Answers {"message":"pong"}. Superseded by GET /healthz.',
        security: noSecurity,
        response: { 200: ref(PongSchema) },
      },
    },
    async () => ({ message: 'pong' as const }),
  );

  app.get(
    '/rtc/:channelName/:role/:tokenType/:uid',
    compatRoute(
      {
        operationId: 'legacyRtcToken',
        summary: 'Community servers: RTC token',
        description:
          `Drop-in for Agora-Node-TokenServer and agora-token-service. Version ${DEFAULT_VERSION} unless \`?version=006\`. Superseded by POST /v1/tokens/rtc.`,
        params: s.RtcPathSchema,
        querystring: s.CompatQuerySchema,
        response: { 200: ref(CompatRtcResponseSchema) },
      },
      COMPAT_FIELD_NAMES.rtc,
      () => parseUid('x'),
    ),
    async (request) => {
      const p = request.params;
      const minted = request.mint.rtc({
        channelName: p.channelName,
        ...identity(p.tokenType, p.uid),
        role: toRole(p.role),
        expireSeconds: lifetime(request.query.expiry),
        version: request.query.version ?? DEFAULT_VERSION,
      }, names(request));
      return { rtcToken: minted.token };
    },
  );

  app.get(
    '/rtm/:uid',
    compatRoute(
      {
        operationId: 'legacyRtmToken',
        summary: 'Community servers: RTM token',
        description: `Version ${DEFAULT_VERSION} unless \`?version=006\`. Superseded by POST /v1/tokens/rtm.`,
        params: s.RtmPathSchema,
        querystring: s.CompatQuerySchema,
        response: { 200: ref(CompatRtmResponseSchema) },
      },
      COMPAT_FIELD_NAMES.rtm,
      zeroLifetime,
    ),
    async (request) => {
      // "0" is the RTC wildcard, never an RTM user (as the Go service decides too).
      if (request.params.uid === '0') throw new TokenInputError('userId', 'must be an RTM user id, not the RTC wildcard 0');
      const minted = request.mint.rtm({
        userId: request.params.uid,
        expireSeconds: lifetime(request.query.expiry),
        version: request.query.version ?? DEFAULT_VERSION,
      }, names(request));
      return { rtmToken: minted.token };
    },
  );

  const rteSchema = {
    operationId: 'legacyRteTokens',
    summary: 'Community servers: RTC + RTM tokens',
    description:
      `Two tokens for one user; the RTM user id is \`rtmuid\`, or \`rtcuid\` when absent. Version ${DEFAULT_VERSION} unless \`?version=006\`. ` +
      'Superseded by POST /v1/tokens/rtc-rtm.',
    params: s.RtePathSchema,
    querystring: s.CompatQuerySchema,
    response: { 200: ref(CompatRteResponseSchema) },
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
      version: request.query.version ?? DEFAULT_VERSION,
    }, names(request as FastifyRequest));
    return { rtcToken: minted.rtcToken, rtmToken: minted.rtmToken };
  };
  const rteExample = () => parseUid('x');
  app.get('/rte/:channelName/:role/:tokenType/:rtcuid', compatRoute(rteSchema, COMPAT_FIELD_NAMES.rte, rteExample), rteHandler);
  app.get(
    '/rte/:channelName/:role/:tokenType/:rtcuid/:rtmuid',
    compatRoute({ ...rteSchema, operationId: 'legacyRteTokensWithRtmUid', params: s.RteWithRtmPathSchema }, COMPAT_FIELD_NAMES.rte, rteExample),
    rteHandler,
  );

  app.get(
    '/chat/app',
    compatRoute(
      {
        operationId: 'legacyChatAppToken',
        summary: 'Go service: Chat app token',
        description: 'Version 007. Superseded by POST /v1/tokens/chat.',
        querystring: s.ChatQuerySchema,
        response: { 200: ref(CompatChatResponseSchema) },
      },
      COMPAT_FIELD_NAMES.chatApp,
      zeroLifetime,
    ),
    async (request) => {
      const minted = request.mint.chat({ expireSeconds: lifetime(request.query.expiry) }, names(request));
      return { chatToken: minted.token };
    },
  );

  app.get(
    '/chat/account/:chatid',
    compatRoute(
      {
        operationId: 'legacyChatUserToken',
        summary: 'Go service: Chat user token',
        description: 'Version 007. Superseded by POST /v1/tokens/chat.',
        params: s.ChatPathSchema,
        querystring: s.ChatQuerySchema,
        response: { 200: ref(CompatChatResponseSchema) },
      },
      COMPAT_FIELD_NAMES.chat,
      zeroLifetime,
    ),
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
    compatRoute(
      {
        operationId: 'legacyGetToken',
        summary: 'Go service: any token by body',
        description: 'Drop-in for the Go service POST /getToken. Version 007. Superseded by the POST /v1/tokens/* operations.',
        body: ref(s.GetTokenRequestSchema),
        response: { 200: ref(CompatTokenResponseSchema) },
      },
      COMPAT_FIELD_NAMES.getToken,
      () => parseUid('4294967296'),
    ),
    async (request) => {
      const b = request.body;
      // The schema bounds the lifetime (0 = the default).
      const expireSeconds = b.expire === undefined || b.expire === 0 ? undefined : b.expire;
      const version = DEFAULT_VERSION;
      const fields = names(request);
      if (b.tokenType === 'chat') {
        return { token: request.mint.chat({ userId: b.uid || undefined, expireSeconds }, fields).token };
      }
      if (!b.uid) throw new TokenInputError('uid', 'is required');
      if (b.tokenType === 'rtm') return { token: request.mint.rtm({ userId: b.uid, expireSeconds, version }, fields).token };
      if (b.channel === undefined) throw new TokenInputError('channelName', 'is required');
      // As the Go service: a decimal uid is an integer uid, anything else an account.
      const id = /^[0-9]+$/.test(b.uid) ? { uid: parseUid(b.uid) } : { userAccount: b.uid };
      return { token: request.mint.rtc({ channelName: b.channel, ...id, role: toRole(b.role), expireSeconds, version }, fields).token };
    },
  );
}
