/**
 * The proof a generated client gives: generated from the COMMITTED spec into
 * test/.generated (git-ignored), type-checked with the project's strict NodeNext
 * settings together with the code a client team would write (usage/), then run
 * against a server on a loopback port, and every token it got decoded.
 */
import { rm, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { Test } from 'tap';
import { decode007, verify007 } from '../../../src/tokens/codec.js';
import { APP_CERTIFICATE } from '../../helper.js';
import { listen, ROOT, runTool } from '../../tools.js';
import { AGENT, APAAS, CHAT, INSPECT_AS, RTC, RTC_RTM2, RTM, RTM2, type ClientResults } from './usage/requests.js';

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
      include: [`${name}/**/*.ts`, `../system/clients/usage/${name}.ts`],
      exclude: [],
    }),
  );
  const tsc = await runTool('tsc', ['-p', tsconfig]);
  t.equal(tsc.code, 0, `${name}: generated code and its use type-check (strict, NodeNext)\n${tsc.stdout}`);

  const usage = (await import(pathToFileURL(`${ROOT}test/system/clients/usage/${name}.ts`).href)) as { run: (baseUrl: string) => Promise<ClientResults> };
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

  const family = (token: string) => {
    const d = decode007(token);
    t.ok(verify007(d, APP_CERTIFICATE), 'family token verifies');
    t.equal(d.expire, 600, 'family token lives for what was asked');
    return d.services;
  };
  t.same(family(results.rtcPrivileges.token), [{ type: 1, name: 'rtc', channelName: RTC.channelName, uid: String(RTC.uid), privileges: { 1: 600, 2: 300 } }], 'RTC with per-privilege lifetimes');
  t.equal(results.rtcPrivileges.role, 'publisher', 'publishAudio makes a publisher');
  t.match(family(results.rtm2.token), [{ name: 'rtm2', userId: RTM2.userId, privileges: { 1: 600 }, permissions: [{ resource: 'messageChannels', permission: 'read', resources: ['lobby'] }, { permission: 'write', resources: ['lobby'] }] }], 'RTM 2 with permissions');
  t.same(family(results.rtcRtm2.token), [
    { type: 1, name: 'rtc', channelName: RTC_RTM2.channelName, uid: RTC_RTM2.userAccount, privileges: { 1: 600 } },
    { type: 2, name: 'rtm', userId: RTC_RTM2.rtmUserId, privileges: { 1: 300 } },
  ], 'RTC + RTM with their own identities and lifetimes');
  t.equal(results.rtcRtm2.rtmUserId, RTC_RTM2.rtmUserId);
  t.match(family(results.apaas.token), [{ name: 'rtm', userId: APAAS.userUuid }, { name: 'chat', userId: results.apaas.chatUserId }, { name: 'apaas', roomUuid: APAAS.roomUuid, userUuid: APAAS.userUuid, role: 2 }], 'APaaS room-user token');
  t.equal(results.apaas.kind, 'roomUser');
  for (const [name, token] of [['convoai', results.convoai.token], ['stt', results.stt.token]] as const) {
    t.match(family(token), [{ name: 'rtc', channelName: AGENT.channelName, uid: String(AGENT.uid), privileges: { 1: 600, 2: 600, 3: 600, 4: 600 } }, { name: 'rtm', userId: AGENT.rtmUserId }, { name }], `${name} agent token`);
  }
  t.equal(results.convoai.rtmUserId, AGENT.rtmUserId);
  t.same(family(results.fpa.token), [{ type: 4, name: 'fpa', privileges: { 1: 0 } }], 'FPA token');

  t.equal(results.error.status, 400, 'the bad request fails with 400');
  t.match(results.error.body, { statusCode: 400, error: 'Bad Request', code: 'VALIDATION_ERROR', field: 'channelName', message: /channelName/ }, 'typed ErrorResponse');
}
