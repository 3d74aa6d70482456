/**
 * The only holder of the App Certificate: it unwraps the secret once, hands it to
 * the minter and exposes nothing but the minting functions.
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
  app.decorate('tokens', { ...minter, ttlDefault: opts.ttlDefault });
}

export default fp(agoraPlugin, { name: 'agora', fastify: '5.x' });
