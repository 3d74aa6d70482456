/**
 * The only way routes mint: `request.mint`, the minter seen through the caller's
 * grants. Every call checks the policy (403 on denial), applies the default
 * lifetime within the caller's cap, and writes ONE audit line — caller, service,
 * version, channel, identity, lifetime, decision; never the token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkPolicy, defaultTtl, type FieldNames, type MintRequest } from '../auth/policy.js';
import type {
  AgentInput,
  ApaasInput,
  ChatInput,
  FpaInput,
  Minted,
  MintedAgent,
  MintedApaas,
  MintedRtcRtm,
  RtcInput,
  RtcRtmInput,
  RtmInput,
  TokenVersion,
} from '../tokens/mint.js';
import { HttpError } from './errors.js';

/** Inputs as routes give them: `expireSeconds` absent means "the default for this caller". */
type Lifetime<T> = Omit<T, 'expireSeconds'> & { expireSeconds?: number | undefined };

export interface GuardedMinter {
  rtc(input: Lifetime<RtcInput>, names?: FieldNames): Minted;
  rtm(input: Lifetime<RtmInput>, names?: FieldNames): Minted;
  rtcRtm(input: Lifetime<RtcRtmInput>, names?: FieldNames): MintedRtcRtm;
  chat(input: Lifetime<ChatInput>, names?: FieldNames): Minted;
  apaas(input: Lifetime<ApaasInput>): MintedApaas;
  convoai(input: Lifetime<AgentInput>, names?: FieldNames): MintedAgent;
  stt(input: Lifetime<AgentInput>, names?: FieldNames): MintedAgent;
  fpa(input: Lifetime<FpaInput>): Minted;
}

declare module 'fastify' {
  interface FastifyRequest {
    mint: GuardedMinter;
  }
}

type Decision = 'allowed' | 'denied' | 'rejected';

async function policyPlugin(app: FastifyInstance) {
  const tokens = app.tokens;

  function guarded<T>(
    request: FastifyRequest,
    req: Omit<MintRequest, 'expireSeconds'>,
    requested: number | undefined,
    version: TokenVersion,
    names: FieldNames,
    mint: (expireSeconds: number) => T,
  ): T {
    const caller = request.caller;
    // A minting route without `security` would mint for nobody in particular: refuse loudly.
    if (!caller) throw new Error('request.mint used on a route that declares no security requirement');
    const expireSeconds = requested ?? defaultTtl(tokens.ttlDefault, caller.grants);
    const audit = (decision: Decision, code?: string) =>
      request.log.info(
        {
          audit: {
            caller: caller.id,
            auth: caller.method,
            service: req.service,
            version,
            channelName: req.channelName,
            uid: req.uid,
            userAccount: req.userAccount,
            userId: req.userId,
            role: req.role,
            ttl: expireSeconds,
            decision,
            code,
          },
        },
        `token mint ${decision}`,
      );
    const denial = checkPolicy(caller.grants, { ...req, expireSeconds }, names);
    if (denial) {
      audit('denied', denial.code);
      throw new HttpError(403, denial.code, denial.message, { field: denial.field });
    }
    let result: T;
    try {
      result = mint(expireSeconds);
    } catch (err) {
      audit('rejected', (err as Error).name);
      throw err;
    }
    audit('allowed');
    return result;
  }

  /** The RTM user id an rtc-rtm request ends up with (see mint.ts), for the identity check. */
  const rtmUserIdOf = (i: Lifetime<AgentInput>) => i.rtmUserId ?? i.userAccount ?? (i.uid ? String(i.uid) : undefined);

  app.decorateRequest('mint', {
    getter(this: FastifyRequest): GuardedMinter {
      return {
        rtc: (i, names = {}) =>
          guarded(this, { service: 'rtc', channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, role: i.role }, i.expireSeconds, i.version, names, (expireSeconds) =>
            tokens.rtc({ ...i, expireSeconds }),
          ),
        rtm: (i, names = {}) =>
          guarded(this, { service: 'rtm', userId: i.userId }, i.expireSeconds, i.version, names, (expireSeconds) =>
            tokens.rtm({ ...i, expireSeconds }),
          ),
        rtcRtm: (i, names = {}) =>
          guarded(
            this,
            { service: 'rtc-rtm', channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, userId: rtmUserIdOf(i), role: i.role },
            i.expireSeconds,
            i.version,
            { userId: 'rtmUserId', ...names },
            (expireSeconds) => tokens.rtcRtm({ ...i, expireSeconds }),
          ),
        chat: (i, names = {}) =>
          guarded(this, { service: 'chat', userId: i.userId }, i.expireSeconds, '007', names, (expireSeconds) =>
            tokens.chat({ ...i, expireSeconds }),
          ),
        apaas: (i) =>
          guarded(this, { service: 'apaas', userId: i.userUuid }, i.expireSeconds, '007', { userId: 'userUuid' }, (expireSeconds) =>
            tokens.apaas({ ...i, expireSeconds }),
          ),
        ...Object.fromEntries(
          (['convoai', 'stt'] as const).map((service) => [
            service,
            (i: Lifetime<AgentInput>, names: FieldNames = {}) =>
              guarded(
                this,
                { service, channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, userId: rtmUserIdOf(i), role: i.role },
                i.expireSeconds,
                '007',
                { userId: 'rtmUserId', ...names },
                (expireSeconds) => tokens[service]({ ...i, expireSeconds }),
              ),
          ]),
        ) as Pick<GuardedMinter, 'convoai' | 'stt'>,
        fpa: (i) => guarded(this, { service: 'fpa' }, i.expireSeconds, '007', {}, (expireSeconds) => tokens.fpa({ ...i, expireSeconds })),
      };
    },
  });
}

export default fp(policyPlugin, { name: 'policy', fastify: '5.x', dependencies: ['agora', 'auth'] });
