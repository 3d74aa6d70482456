/**
 * What a client team writes with the @hey-api/openapi-ts SDK. Compiled by
 * test/system/clients/hey-api.test.ts against the SDK generated from the committed spec
 * (strict, NodeNext), then run against a loopback server.
 */
import { createClient } from '../../../.generated/hey-api/client/index.js';
import {
  createApaasToken,
  createChatToken,
  createConvoAiToken,
  createFpaToken,
  createRtcRtmTokens,
  createRtcToken,
  createRtmToken,
  createSttToken,
  inspectToken,
  type ErrorResponse,
  type TokenProblem,
} from '../../../.generated/hey-api/index.js';
import { type Assert, type IsSpecific, type ClientResults, AGENT, APAAS, BAD_RTC, CHAT, FPA, INSPECT_AS, RTC, RTC_PRIVILEGES, RTC_RTM2, RTM, RTM2 } from './requests.js';

export async function run(baseUrl: string): Promise<ClientResults> {
  const client = createClient({ baseUrl });
  const rtc = await createRtcToken({ client, body: RTC });
  const rtm = await createRtmToken({ client, body: RTM });
  const chat = await createChatToken({ client, body: CHAT });
  const bad = await createRtcToken({ client, body: BAD_RTC });
  if (!rtc.data || !rtm.data || !chat.data || !bad.error || !bad.response) throw new Error('unexpected outcome');
  const inspected = await inspectToken({ client, body: { token: rtc.data.token, ...INSPECT_AS } });
  if (!inspected.data) throw new Error('inspection failed');
  const problemCodes: TokenProblem['code'][] = inspected.data.problems.map((p) => p.code);
  const rtcPrivileges = (await createRtcToken({ client, body: RTC_PRIVILEGES })).data;
  const rtm2 = (await createRtmToken({ client, body: RTM2 })).data;
  const rtcRtm2 = (await createRtcRtmTokens({ client, body: RTC_RTM2 })).data;
  const apaas = (await createApaasToken({ client, body: APAAS })).data;
  const convoai = (await createConvoAiToken({ client, body: AGENT })).data;
  const stt = (await createSttToken({ client, body: AGENT })).data;
  const fpa = (await createFpaToken({ client, body: FPA })).data;
  if (!rtcPrivileges || !rtm2 || !rtcRtm2 || !apaas || !convoai || !stt || !fpa) throw new Error('a family token was refused');
  const apaasKind: 'roomUser' | 'user' | 'app' = apaas.kind;

  // Compile-time proof that the generated types are precise, not `any`.
  type _ = [Assert<IsSpecific<typeof rtc.data.token>>, Assert<IsSpecific<typeof bad.error>>];
  const role: 'publisher' | 'subscriber' = rtc.data.role;
  const error: ErrorResponse = bad.error;
  // @ts-expect-error the roles are an enum: a typo does not compile (never called)
  const _typo = () => createRtcToken({ client, body: { channelName: 'demo-room', uid: 1, role: 'host' } });

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
