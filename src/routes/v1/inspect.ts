import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { checkInspect, type Caller } from '../../auth/policy.js';
import { HttpError } from '../../plugins/errors.js';
import { ref } from '../../schemas/common.js';
import { InspectTokenRequestSchema, InspectTokenResponseSchema } from '../../schemas/inspect.js';
import { TokenInputError } from '../../tokens/rules.js';
import { mintingRoute } from '../minting.js';

/**
 * POST /v1/tokens/inspect. A token that decodes is a 200 whatever is wrong with it
 * (the problems list says what); text that is no token is a 400.
 */
export default async function v1InspectRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/inspect',
    // It mints nothing, but it answers an authenticated caller about a credential someone holds
    // (no cache may keep that): the same markers as a minting route, declared the same way.
    mintingRoute({
      operationId: 'inspectToken',
      tags: ['tokens'],
      summary: 'Decode, verify and explain a token',
      description:
        'Decodes any 006 or 007 token (every service type: RTC, RTM, streaming, FPA, Chat, FCDN, APaaS, RTM 2, ConvoAI, STT), ' +
        "checks its signature against this server's App Certificate and lists what would make Agora reject it: expiry, " +
        'expired privileges, another App ID, a bad signature, and — given the channel and uid or user account the app joins ' +
        'with — mismatches, including an account used as an integer uid (error 110). The certificate is never returned. ' +
        'A token that decodes is a 200 however bad it is; text that is not a token is a 400. Needs the `inspect` grant, ' +
        'which every caller has unless its services list leaves it out (then 403 SERVICE_NOT_ALLOWED).',
      body: ref(InspectTokenRequestSchema),
      response: { 200: ref(InspectTokenResponseSchema) },
    }),
    async (request) => {
      // The route declares `security`, so the auth plugin has set the caller (AUTH_MODE=none: every grant).
      const denial = checkInspect((request.caller as Caller).grants);
      if (denial) throw new HttpError(403, denial.code, denial.message);
      const { token, channelName, uid, userAccount } = request.body;
      if (uid !== undefined && userAccount !== undefined) {
        throw new TokenInputError('uid', 'and userAccount: give at most one of the two');
      }
      const result = app.inspectToken(token, { channelName, uid, userAccount });
      if (!result.ok) {
        throw new HttpError(400, 'INVALID_TOKEN', `body/token is not an Agora token: ${result.error.message}`, { field: 'token' });
      }
      return result.inspection;
    },
  );
}
