/**
 * The only holder of the App Certificate: it unwraps the secret once, hands it to
 * the minter and the inspector, and exposes nothing but the minting functions
 * (each counted in the tokens-minted metric) and `inspect`, which verifies with it.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Secret } from '../config.js';
import { inspectToken, type Expectation, type InspectResult } from '../tokens/inspect.js';
import { createTokenMinter, type MinterOptions, type TokenMinter } from '../tokens/mint.js';

export interface AgoraPluginOptions {
  appId: string;
  appCertificate: Secret;
  ttlDefault: number;
  ttlMax: number;
  /** Test seams for known-answer tests: fixed clock and salt. */
  now?: MinterOptions['now'] | undefined;
  salt?: MinterOptions['salt'] | undefined;
}

export interface Tokens extends TokenMinter {
  ttlDefault: number;
  /** Explains a token against this server's App ID and certificate, at the minter's clock. */
  inspect(token: string, expect: Expectation): InspectResult;
}

declare module 'fastify' {
  interface FastifyInstance {
    tokens: Tokens;
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
  function counted<I, M extends { version: string }>(mint: (input: I) => M, types: (input: I, m: M) => string[]) {
    return (input: I): M => {
      const m = mint(input);
      for (const type of types(input, m)) minted.inc({ type, version: m.version });
      return m;
    };
  }
  app.decorate('tokens', {
    ...minter,
    ttlDefault: opts.ttlDefault,
    inspect: (token, expect) => inspectToken(token, { now: now(), appId: opts.appId, appCertificate: opts.appCertificate.reveal(), expect }),
    rtc: counted(minter.rtc, () => ['rtc']),
    rtm: counted(minter.rtm, (input) => [input.permissions === undefined ? 'rtm' : 'rtm2']),
    rtcRtm: counted(minter.rtcRtm, (_, m) => (m.combined ? ['rtc_rtm'] : ['rtc', 'rtm'])),
    chat: counted(minter.chat, (input) => [input.userId === undefined ? 'chat_app' : 'chat_user']),
    apaas: counted(minter.apaas, (_, m) => [{ roomUser: 'apaas_room_user', user: 'apaas_user', app: 'apaas_app' }[m.kind]]),
    convoai: counted(minter.convoai, () => ['convoai']),
    stt: counted(minter.stt, () => ['stt']),
    fpa: counted(minter.fpa, () => ['fpa']),
  });
}

export default fp(agoraPlugin, { name: 'agora', fastify: '5.x', dependencies: ['metrics'] });
