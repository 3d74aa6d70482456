/**
 * The only way routes mint: `request.mint`, the minter seen through the caller's
 * grants. Every call checks the policy (403 on denial), applies the default
 * lifetime within the caller's cap, and leaves ONE audit record — caller, service,
 * version, channel, identity, lifetime, decision; never the token. The record is
 * written at info as the `audit` field of the request's one log line (request-log
 * plugin), when the response is done: one line per mint instead of two.
 *
 * An authenticated request refused before it reaches the minter (schema or
 * input rules: a 4xx) is a decision too, and gets its one `rejected` record here.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkPolicy, defaultTtl, type Caller, type FieldNames, type MintRequest } from '../auth/policy.js';
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
import type { AuditRecord } from './request-log.js';

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

type Decision = NonNullable<AuditRecord['decision']>;

async function policyPlugin(app: FastifyInstance) {
  const tokens = app.tokens;

  function audit(request: FastifyRequest, caller: Caller, fields: Record<string, unknown>, decision: Decision | undefined): AuditRecord {
    const record: AuditRecord = { caller: caller.id, auth: caller.method, route: request.routeOptions.url, ...fields, decision };
    request.audit = record;
    return record;
  }

  // Callback style, not async: it runs on every response and almost always does nothing.
  app.addHook('onSend', (request, reply, payload, done) => {
    const caller = request.caller;
    // Undecided: refused before the minter, or by Agora's rules inside it (the record holds what was asked).
    // 429 is the rate limiter's answer, not a decision on this request.
    if (caller && request.audit?.decision === undefined && reply.statusCode >= 400 && reply.statusCode !== 429) {
      // The error body's code and field (src/plugins/errors.ts), so the audit record and the answer agree.
      const text = String(payload);
      const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
      const field = /"field":"([^"]*)"/.exec(text)?.[1];
      const asked = request.audit;
      audit(request, caller, { ...asked, code, field }, 'rejected');
    }
    done(null, payload);
  });

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
    const fields = {
      service: req.service,
      version,
      channelName: req.channelName,
      uid: req.uid,
      userAccount: req.userAccount,
      userId: req.userId,
      roomUuid: req.roomUuid,
      role: req.role,
      ttl: expireSeconds,
    };
    const denial = checkPolicy(caller.grants, { ...req, expireSeconds }, names);
    if (denial) {
      audit(request, caller, { ...fields, code: denial.code }, 'denied');
      throw new HttpError(403, denial.code, denial.message, { field: denial.field });
    }
    // Undecided until the minter returns: a mint refused by Agora's rules (or failing) is
    // recorded by onSend as rejected, with the response's code.
    const record = audit(request, caller, fields, undefined);
    const result = mint(expireSeconds);
    record.decision = 'allowed';
    return result;
  }

  /** The RTM user id an rtc-rtm request ends up with (see mint.ts), for the identity check. */
  const rtmUserIdOf = (i: Lifetime<AgentInput>) => i.rtmUserId ?? i.userAccount ?? (i.uid ? String(i.uid) : undefined);

  /** A request's minter: the methods live on the prototype, so a mint allocates one object, not ten closures. */
  class RequestMinter implements GuardedMinter {
    readonly #request: FastifyRequest;
    constructor(request: FastifyRequest) {
      this.#request = request;
    }
    rtc(i: Lifetime<RtcInput>, names: FieldNames = {}): Minted {
      return guarded(this.#request, { service: 'rtc', channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, role: i.role }, i.expireSeconds, i.version, names, (expireSeconds) =>
        tokens.rtc({ ...i, expireSeconds }),
      );
    }
    rtm(i: Lifetime<RtmInput>, names: FieldNames = {}): Minted {
      return guarded(this.#request, { service: 'rtm', userId: i.userId }, i.expireSeconds, i.version, names, (expireSeconds) => tokens.rtm({ ...i, expireSeconds }));
    }
    rtcRtm(i: Lifetime<RtcRtmInput>, names: FieldNames = {}): MintedRtcRtm {
      return guarded(
        this.#request,
        { service: 'rtc-rtm', channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, userId: rtmUserIdOf(i), role: i.role },
        i.expireSeconds,
        i.version,
        { userId: 'rtmUserId', ...names },
        (expireSeconds) => tokens.rtcRtm({ ...i, expireSeconds }),
      );
    }
    chat(i: Lifetime<ChatInput>, names: FieldNames = {}): Minted {
      return guarded(this.#request, { service: 'chat', userId: i.userId }, i.expireSeconds, '007', names, (expireSeconds) => tokens.chat({ ...i, expireSeconds }));
    }
    apaas(i: Lifetime<ApaasInput>): MintedApaas {
      return guarded(this.#request, { service: 'apaas', userId: i.userUuid, roomUuid: i.roomUuid }, i.expireSeconds, '007', { userId: 'userUuid' }, (expireSeconds) =>
        tokens.apaas({ ...i, expireSeconds }),
      );
    }
    convoai(i: Lifetime<AgentInput>, names: FieldNames = {}): MintedAgent {
      return this.#agent('convoai', i, names);
    }
    stt(i: Lifetime<AgentInput>, names: FieldNames = {}): MintedAgent {
      return this.#agent('stt', i, names);
    }
    fpa(i: Lifetime<FpaInput>): Minted {
      return guarded(this.#request, { service: 'fpa' }, i.expireSeconds, '007', {}, (expireSeconds) => tokens.fpa({ ...i, expireSeconds }));
    }
    #agent(service: 'convoai' | 'stt', i: Lifetime<AgentInput>, names: FieldNames): MintedAgent {
      return guarded(
        this.#request,
        { service, channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, userId: rtmUserIdOf(i), role: i.role },
        i.expireSeconds,
        '007',
        { userId: 'rtmUserId', ...names },
        (expireSeconds) => tokens[service]({ ...i, expireSeconds }),
      );
    }
  }

  app.decorateRequest('mint', {
    getter(this: FastifyRequest): GuardedMinter {
      return new RequestMinter(this);
    },
  });
}

export default fp(policyPlugin, { name: 'policy', fastify: '5.x', dependencies: ['agora', 'auth', 'request-log'] });
