/**
 * What a client team writes with the @hey-api/openapi-ts SDK. Compiled by
 * test/clients/hey-api.test.ts against the SDK generated from the committed spec
 * (strict, NodeNext), then run against a loopback server.
 */
import { createClient } from '../../.generated/hey-api/client/index.js';
import { createChatToken, createRtcToken, createRtmToken, inspectToken, type ErrorResponse, type TokenProblem } from '../../.generated/hey-api/index.js';
import { type Assert, type IsSpecific, type ClientResults, BAD_RTC, CHAT, INSPECT_AS, RTC, RTM } from './requests.js';

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
    error: { status: bad.response.status, body: error },
  };
}
