/**
 * The only way to a token: `request.mint`, the minter seen through the caller's
 * grants. The agora plugin registers this plugin and hands it the minter as an
 * option; no decoration holds a minting function, so a route (or any plugin)
 * cannot mint without authentication, the policy and the audit line.
 *
 * Every call checks the policy (403 on denial), applies the default
 * lifetime within the caller's cap, and writes ONE audit line — caller, service,
 * version, channel, identity, lifetime, decision; never the token.
 *
 * An authenticated request refused before it reaches the minter (schema or
 * input rules: a 4xx) is a decision too, and gets its one `rejected` line here.
 */
import type { FastifyInstance, FastifyRequest, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { APAAS_ROLE_GRANT, checkPolicy, defaultTtl, rtm2Scope, type Caller, type FieldNames, type MintRequest, type Named } from '../auth/policy.js';
import type { TokenMinter } from '../tokens/mint.js';
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
  RtcPrivilegeSeconds,
  RtmInput,
} from '../tokens/mint.js';
import type { TokenVersion } from '../tokens/rules.js';
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

export interface MintGuardOptions {
  /** The (metric-counting) minter: reachable through this plugin only. */
  minter: TokenMinter;
  /** TOKEN_TTL_DEFAULT: the lifetime of a request that names none (see defaultTtl). */
  ttlDefault: number;
}

/** Every lifetime of a token besides expireSeconds, by its v1 field: each is capped by the caller's maxTtl. */
function lifetimesOf(i: { privilegeExpireSeconds?: number | undefined; privileges?: RtcPrivilegeSeconds | undefined; rtmExpireSeconds?: number | undefined }) {
  const lifetimes: Named<number>[] = [];
  if (i.privilegeExpireSeconds !== undefined) lifetimes.push({ value: i.privilegeExpireSeconds, field: 'privilegeExpireSeconds' });
  // Parsed JSON: a privilege listed has a number.
  for (const [name, value] of Object.entries(i.privileges ?? {}) as [string, number][]) lifetimes.push({ value, field: `privileges.${name}` });
  if (i.rtmExpireSeconds !== undefined) lifetimes.push({ value: i.rtmExpireSeconds, field: 'rtmExpireSeconds' });
  return lifetimes;
}

interface SchemaLike {
  $ref?: string;
  properties?: Record<string, unknown>;
}

/**
 * The top-level inputs a route has (body, query and path fields), from its schemas:
 * a 403 names only a field the caller could change. Computed once per route.
 */
const routeInputs = new WeakMap<object, ReadonlySet<string>>();
function inputsOf(request: FastifyRequest): ReadonlySet<string> {
  // Only routes that declare `security` (hence a schema) reach request.mint.
  const schema = request.routeOptions.schema as FastifySchema;
  let inputs = routeInputs.get(schema);
  if (inputs === undefined) {
    const parts = [schema.body, schema.querystring, schema.params] as (SchemaLike | undefined)[];
    const resolved = parts.map((part) => (part?.$ref === undefined ? part : (request.server.getSchema(part.$ref) as SchemaLike)));
    inputs = new Set(resolved.flatMap((part) => Object.keys(part?.properties ?? {})));
    routeInputs.set(schema, inputs);
  }
  return inputs;
}

async function mintGuardPlugin(app: FastifyInstance, { minter: tokens, ttlDefault }: MintGuardOptions) {
  const audited = new WeakSet<FastifyRequest>();
  /** What a request asked to mint, once the minter saw it: the `rejected` line repeats it. */
  const asked = new WeakMap<FastifyRequest, Record<string, unknown>>();

  function writeAudit(request: FastifyRequest, caller: Caller, decision: Decision, fields: Record<string, unknown>) {
    audited.add(request);
    request.log.info(
      { audit: { caller: caller.id, auth: caller.method, route: request.routeOptions.url, ...fields, decision } },
      `token mint ${decision}`,
    );
  }

  // Callback style, not async: it runs on every response and almost always does nothing.
  app.addHook('onSend', (request, reply, payload, done) => {
    const caller = request.caller;
    // 429 is the rate limiter's answer, not a decision on this request.
    if (caller && !audited.has(request) && reply.statusCode >= 400 && reply.statusCode !== 429) {
      // The error body's code and field (src/plugins/errors.ts), so the audit line and the answer agree.
      const text = String(payload);
      const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
      const field = /"field":"([^"]*)"/.exec(text)?.[1];
      writeAudit(request, caller, 'rejected', { ...asked.get(request), code, field });
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
    const expireSeconds = requested ?? defaultTtl(ttlDefault, caller.grants);
    const fields = {
      service: req.service,
      version,
      channelName: req.channelName,
      uid: req.uid,
      userAccount: req.userAccount,
      userId: req.userId,
      roomUuid: req.roomUuid,
      role: req.roleName ?? req.role,
      ttl: expireSeconds,
    };
    const inputs = inputsOf(request);
    const denial = checkPolicy(caller.grants, { ...req, expireSeconds }, names, (field) => inputs.has(field.split('.')[0] as string));
    if (denial) {
      writeAudit(request, caller, 'denied', { ...fields, code: denial.code });
      throw new HttpError(403, denial.code, denial.message, { field: denial.field });
    }
    // A mint refused by Agora's rules (or failing) is audited by onSend, with the response's code.
    asked.set(request, fields);
    const result = mint(expireSeconds);
    writeAudit(request, caller, 'allowed', fields);
    return result;
  }

  /** The RTM user id an rtc-rtm request ends up with (see mint.ts), for the identity check. */
  const rtmUserIdOf = (i: Lifetime<AgentInput>) => i.rtmUserId ?? i.userAccount ?? (i.uid ? String(i.uid) : undefined);

  app.decorateRequest('mint', {
    getter(this: FastifyRequest): GuardedMinter {
      return {
        rtc: (i, names = {}) =>
          guarded(
            this,
            { service: 'rtc', channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, role: i.role, lifetimes: lifetimesOf(i) },
            i.expireSeconds,
            i.version,
            names,
            (expireSeconds) => tokens.rtc({ ...i, expireSeconds }),
          ),
        rtm: (i, names = {}) =>
          guarded(this, { service: 'rtm', userId: i.userId, ...rtm2Scope(i.permissions) }, i.expireSeconds, i.version, names, (expireSeconds) =>
            tokens.rtm({ ...i, expireSeconds }),
          ),
        rtcRtm: (i, names = {}) =>
          guarded(
            this,
            {
              service: 'rtc-rtm',
              channelName: i.channelName,
              uid: i.uid,
              userAccount: i.userAccount,
              userId: rtmUserIdOf(i),
              role: i.role,
              lifetimes: lifetimesOf(i),
            },
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
          guarded(
            this,
            {
              service: 'apaas',
              userId: i.userUuid,
              roomUuid: i.roomUuid,
              // The room is the class's channel; a role needs the grant its powers amount to.
              channels: i.roomUuid === undefined ? [] : [{ value: i.roomUuid, field: 'roomUuid' }],
              role: i.role === undefined || i.roomUuid === undefined ? undefined : APAAS_ROLE_GRANT[i.role],
              roleName: i.role,
            },
            i.expireSeconds,
            '007',
            { userId: 'userUuid' },
            (expireSeconds) => tokens.apaas({ ...i, expireSeconds }),
          ),
        ...Object.fromEntries(
          (['convoai', 'stt'] as const).map((service) => [
            service,
            (i: Lifetime<AgentInput>, names: FieldNames = {}) =>
              guarded(
                this,
                { service, channelName: i.channelName, uid: i.uid, userAccount: i.userAccount, userId: rtmUserIdOf(i), role: i.role, lifetimes: lifetimesOf(i) },
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

export default fp(mintGuardPlugin, { name: 'mint-guard', fastify: '5.x', dependencies: ['auth'] });
