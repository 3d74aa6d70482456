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
  app.decorate('tokens', {
    ...minter,
    ttlDefault: opts.ttlDefault,
    inspect: (token, expect) => inspectToken(token, { now: now(), appId: opts.appId, appCertificate: opts.appCertificate.reveal(), expect }),
    rtc(input) {
      const m = minter.rtc(input);
      minted.inc({ type: 'rtc', version: m.version });
      return m;
    },
    rtm(input) {
      const m = minter.rtm(input);
      minted.inc({ type: 'rtm', version: m.version });
      return m;
    },
    rtcRtm(input) {
      const m = minter.rtcRtm(input);
      if (m.combined) {
        minted.inc({ type: 'rtc_rtm', version: m.version });
      } else {
        minted.inc({ type: 'rtc', version: m.version });
        minted.inc({ type: 'rtm', version: m.version });
      }
      return m;
    },
    chat(input) {
      const m = minter.chat(input);
      minted.inc({ type: input.userId === undefined ? 'chat_app' : 'chat_user', version: m.version });
      return m;
    },
  });
}

export default fp(agoraPlugin, { name: 'agora', fastify: '5.x', dependencies: ['metrics'] });
