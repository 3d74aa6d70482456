/**
 * The only holder of the App Certificate: it unwraps the secret once, hands it to
 * the minter and exposes nothing but the minting functions, each counted in the
 * tokens-minted metric.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Secret } from '../config.js';
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
  const minted = app.metrics.tokensMinted;
  app.decorate('tokens', {
    ...minter,
    ttlDefault: opts.ttlDefault,
    rtc(input) {
      const m = minter.rtc(input);
      minted.inc({ type: 'rtc', version: m.version });
      return m;
    },
    rtm(input) {
      const m = minter.rtm(input);
      minted.inc({ type: input.permissions === undefined ? 'rtm' : 'rtm2', version: m.version });
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
    apaas(input) {
      const m = minter.apaas(input);
      minted.inc({ type: `apaas_${m.kind === 'roomUser' ? 'room_user' : m.kind}`, version: m.version });
      return m;
    },
    convoai(input) {
      const m = minter.convoai(input);
      minted.inc({ type: 'convoai', version: m.version });
      return m;
    },
    stt(input) {
      const m = minter.stt(input);
      minted.inc({ type: 'stt', version: m.version });
      return m;
    },
    fpa(input) {
      const m = minter.fpa(input);
      minted.inc({ type: 'fpa', version: m.version });
      return m;
    },
  });
}

export default fp(agoraPlugin, { name: 'agora', fastify: '5.x', dependencies: ['metrics'] });
