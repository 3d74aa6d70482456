import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { TSchema } from '@sinclair/typebox';
import { ref } from '../../schemas/common.js';
import type { RtcTokenRequest, TokenSchemas } from '../../schemas/tokens.js';
import { roleOfPrivileges } from '../../tokens/mint.js';
import { DEFAULT_ROLE, DEFAULT_VERSION, TokenInputError, type Role } from '../../tokens/rules.js';
import { mintingRoute } from '../minting.js';
import { timestamps } from '../timestamps.js';
import v1FamilyRoutes from './family.js';

export interface V1TokenRoutesOptions {
  schemas: TokenSchemas;
}

const EXPIRY_NOTE =
  'Lifetimes are seconds from now (never unix timestamps), capped by the server and by the caller\'s own limit. ' +
  'Renew before `expiresAt`: the SDKs fire token-privilege-will-expire 30 s ahead.';

type RtcFields = Pick<RtcTokenRequest, 'channelName' | 'uid' | 'userAccount' | 'role' | 'expireSeconds' | 'privilegeExpireSeconds' | 'privileges' | 'version'>;

/**
 * The RTC fields of a v1 body, with the documented defaults applied (the schemas only describe them).
 * With `privileges`, the privileges listed decide the role, so a role given too is refused.
 */
export function rtcInput(b: RtcFields, defaultRole: Role = DEFAULT_ROLE) {
  if (b.privileges !== undefined && b.role !== undefined) {
    throw new TokenInputError('role', 'cannot be combined with privileges: the privileges listed decide what the token may do');
  }
  return {
    channelName: b.channelName,
    uid: b.uid,
    userAccount: b.userAccount,
    role: b.privileges ? roleOfPrivileges(b.privileges) : (b.role ?? defaultRole),
    expireSeconds: b.expireSeconds,
    privilegeExpireSeconds: b.privilegeExpireSeconds,
    privileges: b.privileges,
    version: b.version ?? DEFAULT_VERSION,
  };
}

/** A v1 minting operation: tag `tokens`, the lifetime note, a request and a response component. */
export function v1Route<B extends TSchema, R extends TSchema>(operationId: string, summary: string, description: string, body: B, ok: R) {
  return mintingRoute({ operationId, tags: ['tokens'], summary, description: `${description} ${EXPIRY_NOTE}`, body: ref(body), response: { 200: ref(ok) } });
}

/** With `privileges`, what makes a token a publisher's is the privileges field: a refusal names it. */
export const rtcNames = (input: ReturnType<typeof rtcInput>) => (input.privileges ? { role: 'privileges' } : {});

/** What an RTC response repeats of the request: channel, the one identity given, role, per-privilege lifetimes. */
export function rtcEcho(input: ReturnType<typeof rtcInput>) {
  return {
    channelName: input.channelName,
    ...(input.uid !== undefined ? { uid: input.uid } : { userAccount: input.userAccount }),
    role: input.role,
    ...(input.privileges && { privileges: input.privileges }),
  };
}

/** What an RTC + RTM response repeats: the RTC echo, the RTM user id it was minted for, its own lifetime when given. */
export function rtcRtmEcho(
  input: ReturnType<typeof rtcInput> & { rtmExpireSeconds?: number | undefined },
  minted: { rtmUserId: string; issuedAt: number; expiresAt: number },
) {
  return {
    ...rtcEcho(input),
    rtmUserId: minted.rtmUserId,
    ...(input.rtmExpireSeconds !== undefined && { rtmExpireSeconds: input.rtmExpireSeconds }),
    ...timestamps(minted),
  };
}

export default async function v1TokenRoutes(fastify: FastifyInstance, { schemas: s }: V1TokenRoutesOptions) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/rtc',
    v1Route(
      'createRtcToken',
      'Mint an RTC token',
      'An RTC (video/voice) token for one channel and one user (uid or userAccount). `privileges` gives each privilege ' +
        'its own lifetime (co-host authentication, version 007).',
      s.RtcTokenRequestSchema,
      s.RtcTokenResponseSchema,
    ),
    async (request) => {
      const input = rtcInput(request.body);
      const minted = request.mint.rtc(input, rtcNames(input));
      return { token: minted.token, version: minted.version, ...rtcEcho(input), ...timestamps(minted) };
    },
  );

  app.post(
    '/rtm',
    v1Route(
      'createRtmToken',
      'Mint an RTM token',
      'An RTM (signaling) login token for one user id. With `permissions` (version 007), an RTM 2 token limited to the ' +
        'message, stream and group channels, server groups and users listed; Agora must enable this for the project.',
      s.RtmTokenRequestSchema,
      s.RtmTokenResponseSchema,
    ),
    async (request) => {
      const b = request.body;
      const minted = request.mint.rtm({
        userId: b.userId,
        expireSeconds: b.expireSeconds,
        version: b.version ?? DEFAULT_VERSION,
        permissions: b.permissions,
      });
      return {
        token: minted.token,
        version: minted.version,
        userId: b.userId,
        ...(b.permissions && { permissions: b.permissions }),
        ...timestamps(minted),
      };
    },
  );

  app.post(
    '/rtc-rtm',
    v1Route(
      'createRtcRtmTokens',
      'Mint RTC and RTM tokens for one user',
      'Both tokens a typical app needs, in one call. By default two tokens; with `combined: true` (007 only) ONE token ' +
        'carrying both services, returned in both fields (buildTokenWithRtm2: the RTM user id, its lifetime ' +
        "`rtmExpireSeconds` and each RTC privilege's lifetime may all differ).",
      s.RtcRtmTokenRequestSchema,
      s.RtcRtmTokenResponseSchema,
    ),
    async (request) => {
      const b = request.body;
      const input = { ...rtcInput(b), rtmUserId: b.rtmUserId, rtmExpireSeconds: b.rtmExpireSeconds, combined: b.combined ?? false };
      const minted = request.mint.rtcRtm(input, rtcNames(input));
      return { rtcToken: minted.rtcToken, rtmToken: minted.rtmToken, combined: minted.combined, version: minted.version, ...rtcRtmEcho(input, minted) };
    },
  );

  app.post(
    '/chat',
    v1Route(
      'createChatToken',
      'Mint an Agora Chat token',
      'A Chat user token (with userId) or app token (without). Always version 007.',
      s.ChatTokenRequestSchema,
      s.ChatTokenResponseSchema,
    ),
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

  await app.register(v1FamilyRoutes, { schemas: s });
}
