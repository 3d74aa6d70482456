/**
 * The proof a generated client gives: generated from the COMMITTED spec into
 * test/.generated (git-ignored), type-checked with the project's strict NodeNext
 * settings together with the code a client team would write (usage/), then run
 * against a server on a loopback port, and every token it got decoded.
 */
import { rm, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Test } from 'tap';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE } from '../helper.js';
import { listen, ROOT, runTool } from '../tools.js';
import { CHAT, INSPECT_AS, RTC, RTM, type ClientResults } from './usage/requests.js';

export type ClientName = 'openapi-fetch' | 'hey-api';

export async function proveClient(t: Test, name: ClientName, generate: (outDir: string) => Promise<{ code: number | null; stderr: string }>) {
  const outDir = `test/.generated/${name}`;
  await rm(`${ROOT}${outDir}`, { recursive: true, force: true });
  const generated = await generate(outDir);
  t.equal(generated.code, 0, `${name}: generated from the committed spec ${generated.stderr}`);

  const tsconfig = `${ROOT}test/.generated/tsconfig.${name}.json`;
  await writeFile(
    tsconfig,
    JSON.stringify({
      extends: '../../tsconfig.json',
      // DOM: fetch clients name the DOM's fetch types (BodyInit…), as in any browser or Node project using them.
      compilerOptions: { noEmit: true, lib: ['ES2024', 'DOM'] },
      include: [`${name}/**/*.ts`, `../clients/usage/${name}.ts`],
      exclude: [],
    }),
  );
  const tsc = await runTool('tsc', ['-p', tsconfig]);
  t.equal(tsc.code, 0, `${name}: generated code and its use type-check (strict, NodeNext)\n${tsc.stdout}`);

  const usage = (await import(pathToFileURL(`${ROOT}test/clients/usage/${name}.ts`).href)) as { run: (baseUrl: string) => Promise<ClientResults> };
  const results = await usage.run(await listen(t));

  const rtc = decode007(results.rtc.token);
  t.ok(verify007(rtc, APP_CERTIFICATE), 'RTC token verifies');
  t.match(rtc.services, [{ name: 'rtc', channelName: RTC.channelName, uid: String(RTC.uid), privileges: { 1: 600, 2: 600, 3: 600, 4: 600 } }], 'RTC token: channel, uid, publisher privileges');
  t.equal(rtc.expire, RTC.expireSeconds, 'RTC token lives for what was asked');
  t.match(results.rtc, { role: 'publisher', uid: RTC.uid }, 'typed RTC response');
  t.equal(results.rtc.expiresAtUnix - results.rtc.issuedAtUnix, RTC.expireSeconds);

  const rtm = decode007(results.rtm.token);
  t.ok(verify007(rtm, APP_CERTIFICATE), 'RTM token verifies');
  t.match(rtm, { expire: RTM.expireSeconds, services: [{ name: 'rtm', userId: RTM.userId, privileges: { 1: 600 } }] }, 'RTM token for alice');
  t.equal(results.rtm.userId, RTM.userId);

  const chat = decode007(results.chat.token);
  t.ok(verify007(chat, APP_CERTIFICATE), 'Chat token verifies');
  t.match(chat, { expire: CHAT.expireSeconds, services: [{ name: 'chat', userId: CHAT.userId, privileges: { 1: 600 } }] }, 'Chat user token');
  t.equal(results.chat.kind, 'user');

  t.same(
    results.inspect,
    { valid: false, signatureValid: true, uid: RTC.uid, problems: ['UID_MISMATCH'] },
    `inspect: the RTC token is signed by this server, for uid ${RTC.uid}, not the ${INSPECT_AS.uid} the app joins with`,
  );

  t.equal(results.error.status, 400, 'the bad request fails with 400');
  t.match(results.error.body, { statusCode: 400, error: 'Bad Request', code: 'VALIDATION_ERROR', field: 'channelName', message: /channelName/ }, 'typed ErrorResponse');
}
