/**
 * What a client team writes with openapi-typescript + openapi-fetch. Compiled by
 * test/system/clients/openapi-fetch.test.ts against the types generated from the
 * committed spec (strict, NodeNext), then run against a loopback server.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from '../../../.generated/openapi-fetch/schema.js';
import { type Assert, type IsSpecific, type ClientResults, AGENT, APAAS, BAD_RTC, CHAT, FPA, INSPECT_AS, RTC, RTC_PRIVILEGES, RTC_RTM2, RTM, RTM2 } from './requests.js';

type ErrorResponse = components['schemas']['ErrorResponse'];

export async function run(baseUrl: string): Promise<ClientResults> {
  const client = createClient<paths>({ baseUrl });
  const rtc = await client.POST('/v1/tokens/rtc', { body: RTC });
  const rtm = await client.POST('/v1/tokens/rtm', { body: RTM });
  const chat = await client.POST('/v1/tokens/chat', { body: CHAT });
  const bad = await client.POST('/v1/tokens/rtc', { body: BAD_RTC });
  if (!rtc.data || !rtm.data || !chat.data || !bad.error) throw new Error('unexpected outcome');
  const inspected = await client.POST('/v1/tokens/inspect', { body: { token: rtc.data.token, ...INSPECT_AS } });
  if (!inspected.data) throw new Error('inspection failed');
  const problemCodes: components['schemas']['TokenProblem']['code'][] = inspected.data.problems.map((p) => p.code);
  const rtcPrivileges = (await client.POST('/v1/tokens/rtc', { body: RTC_PRIVILEGES })).data;
  const rtm2 = (await client.POST('/v1/tokens/rtm', { body: RTM2 })).data;
  const rtcRtm2 = (await client.POST('/v1/tokens/rtc-rtm', { body: RTC_RTM2 })).data;
  const apaas = (await client.POST('/v1/tokens/apaas', { body: APAAS })).data;
  const convoai = (await client.POST('/v1/tokens/convoai', { body: AGENT })).data;
  const stt = (await client.POST('/v1/tokens/stt', { body: AGENT })).data;
  const fpa = (await client.POST('/v1/tokens/fpa', { body: FPA })).data;
  if (!rtcPrivileges || !rtm2 || !rtcRtm2 || !apaas || !convoai || !stt || !fpa) throw new Error('a family token was refused');
  const apaasKind: 'roomUser' | 'user' | 'app' = apaas.kind;

  // Compile-time proof that the generated types are precise, not `any`.
  type _ = [Assert<IsSpecific<typeof rtc.data.token>>, Assert<IsSpecific<typeof bad.error>>];
  const role: 'publisher' | 'subscriber' = rtc.data.role;
  const error: ErrorResponse = bad.error;
  // @ts-expect-error the roles are an enum: a typo does not compile (never called)
  const _typo = () => client.POST('/v1/tokens/rtc', { body: { channelName: 'demo-room', uid: 1, role: 'host' } });

  return {
    rtc: { token: rtc.data.token, role, uid: rtc.data.uid, expiresAtUnix: rtc.data.expiresAtUnix, issuedAtUnix: rtc.data.issuedAtUnix },
    rtm: { token: rtm.data.token, userId: rtm.data.userId },
    chat: { token: chat.data.token, kind: chat.data.kind },
    inspect: { valid: inspected.data.valid, signatureValid: inspected.data.signatureValid, uid: inspected.data.services[0]?.uid, problems: problemCodes },
    rtcPrivileges: { token: rtcPrivileges.token, role: rtcPrivileges.role },
    rtm2: { token: rtm2.token },
    rtcRtm2: { token: rtcRtm2.rtcToken, rtmUserId: rtcRtm2.rtmUserId },
    apaas: { token: apaas.token, kind: apaasKind, chatUserId: apaas.chatUserId },
    convoai: { token: convoai.token, rtmUserId: convoai.rtmUserId },
    stt: { token: stt.token },
    fpa: { token: fpa.token },
    error: { status: bad.response.status, body: error },
  };
}
