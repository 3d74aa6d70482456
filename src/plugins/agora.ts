/**
 * The only holder of the App Certificate: it unwraps the secret once and hands it
 * to the minter, whose functions (each counted in the tokens-minted metric) go to
 * the mint guard and nowhere else, and to the inspector. The app sees `tokenLimits`
 * (a read-only number) and `inspectToken`, which verifies with the certificate and mints nothing.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Secret } from '../config.js';
import { inspectToken, type Expectation, type InspectResult } from '../tokens/inspect.js';
import { createTokenMinter, type MinterOptions, type TokenMinter } from '../tokens/mint.js';
import mintGuard from './mint-guard.js';
import type { MintedType } from './metrics.js';

export interface AgoraPluginOptions {
  appId: string;
  appCertificate: Secret;
  ttlDefault: number;
  ttlMax: number;
  /** Test seams for known-answer tests: fixed clock and salt. */
  now?: MinterOptions['now'] | undefined;
  salt?: MinterOptions['salt'] | undefined;
}

/** What non-minting code may know of the minter (a route checks a lifetime before the policy does). Frozen. */
export interface TokenLimits {
  /** The highest lifetime the minter accepts: TOKEN_TTL_MAX, within Agora's 24 h. */
  readonly maxTtl: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokenLimits: TokenLimits;
    /** Explains a token against this server's App ID and certificate, at the minter's clock. */
    inspectToken(token: string, expect: Expectation): InspectResult;
  }
}

async function agoraPlugin(app: FastifyInstance, opts: AgoraPluginOptions) {
  const minter = createTokenMinter(
    { appId: opts.appId, appCertificate: opts.appCertificate.reveal() },
    { maxTtl: opts.ttlMax, now: opts.now, salt: opts.salt },
  );
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const minted = app.metrics.tokensMinted;
  /** A minting function that also counts what it minted, by the metric's token types. */
  function counted<I, M extends { version: string }>(mint: (input: I) => M, types: (input: I, m: M) => MintedType[]) {
    return (input: I): M => {
      const m = mint(input);
      for (const type of types(input, m)) minted.inc({ type, version: m.version });
      return m;
    };
  }
  const counting: TokenMinter = {
    maxTtl: minter.maxTtl,
    rtc: counted(minter.rtc, () => ['rtc']),
    rtm: counted(minter.rtm, (input) => [input.permissions === undefined ? 'rtm' : 'rtm2']),
    rtcRtm: counted(minter.rtcRtm, (_, m) => (m.combined ? ['rtc_rtm'] : ['rtc', 'rtm'])),
    chat: counted(minter.chat, (input) => [input.userId === undefined ? 'chat_app' : 'chat_user']),
    apaas: counted(minter.apaas, (_, m) => [({ roomUser: 'apaas_room_user', user: 'apaas_user', app: 'apaas_app' } as const)[m.kind]]),
    convoai: counted(minter.convoai, () => ['convoai']),
    stt: counted(minter.stt, () => ['stt']),
    fpa: counted(minter.fpa, () => ['fpa']),
  };
  app.decorate('tokenLimits', Object.freeze({ maxTtl: minter.maxTtl }));
  app.decorate('inspectToken', (token: string, expect: Expectation) =>
    inspectToken(token, { now: now(), appId: opts.appId, appCertificate: opts.appCertificate.reveal(), expect }),
  );
  // Options, never decorations: request.mint (policy, audit) is the one way to these functions,
  // and the guard alone applies the default lifetime.
  await app.register(mintGuard, { minter: counting, ttlDefault: opts.ttlDefault });
}

export default fp(agoraPlugin, { name: 'agora', fastify: '5.x', dependencies: ['metrics', 'auth'] });
