/**
 * Property test over random bodies for the token family's routes and fields:
 * near-valid bodies (so that many mint) mixed with hostile values. Whatever
 * arrives, the answer is a 4xx in the one error shape, or a 200 whose tokens
 * decode, verify and never hold a privilege outliving the token. Never a 5xx.
 */
import fc from 'fast-check';
import t from 'tap';
import { decodeToken, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, build } from '../helper.js';

const RUNS = 600;
const ERROR_KEYS = ['code', 'error', 'message', 'requestId', 'statusCode'];

const agoraText = fc.string({ unit: fc.constantFrom(...'abcXYZ019 !#$%&()+-:;<=.>?@[]^_{}|~,/*'), minLength: 0, maxLength: 66 });
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('60', '0x10', 1_795_850_353, -1, 0, 86_401, 2 ** 32, [], {}, [1], { read: 'x' }),
);
const seconds = fc.oneof(fc.integer({ min: 1, max: 4000 }), hostile);
const names = fc.oneof(fc.array(fc.oneof(agoraText, hostile), { maxLength: 18 }), hostile);
const access = fc.oneof(fc.record({ read: names, write: names }, { requiredKeys: [] }), hostile);

const fields = {
  channelName: fc.oneof(agoraText, hostile),
  uid: fc.oneof(fc.integer({ min: 0, max: 2 ** 32 + 5 }), hostile),
  userAccount: fc.oneof(agoraText, hostile),
  rtmUserId: fc.oneof(agoraText, hostile),
  userId: fc.oneof(agoraText, hostile),
  role: fc.oneof(fc.constantFrom('publisher', 'subscriber', 'teacher', 'student', 'invisible', 'observer', 'assistant'), hostile),
  expireSeconds: seconds,
  privilegeExpireSeconds: seconds,
  rtmExpireSeconds: seconds,
  privileges: fc.oneof(
    fc.record({ joinChannel: seconds, publishAudio: seconds, publishVideo: seconds, publishData: seconds, other: hostile }, { requiredKeys: [] }),
    hostile,
  ),
  permissions: fc.oneof(
    fc.record({ messageChannels: access, streamChannels: access, groupChannels: access, serverGroups: access, users: access, other: access }, { requiredKeys: [] }),
    hostile,
  ),
  roomUuid: fc.oneof(agoraText, hostile),
  userUuid: fc.oneof(agoraText, hostile),
  version: fc.oneof(fc.constantFrom('006', '007'), hostile),
  combined: fc.oneof(fc.boolean(), hostile),
};
const bodyArb = fc.record(fields, { requiredKeys: [] });

function sane(status: number, text: string): boolean {
  if (status >= 500) return false;
  const json = JSON.parse(text) as Record<string, unknown>;
  if (status >= 400) return Object.keys(json).filter((k) => k !== 'field').sort().join() === ERROR_KEYS.join() && json.statusCode === status;
  for (const key of ['token', 'rtcToken', 'rtmToken']) {
    if (typeof json[key] !== 'string') continue;
    const d = decodeToken(json[key]);
    if (!d.ok) return false;
    if (d.token.version === '007') {
      if (!verify007(d.token, APP_CERTIFICATE)) return false;
      const expire = d.token.expire;
      if (d.token.services.some((s) => Object.values(s.privileges).some((p) => p > expire))) return false;
    }
  }
  return status === 200;
}

t.test('random bodies on the token family routes: no 5xx, every token sound', async (t) => {
  const app = await build(t);
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('/v1/tokens/rtc', '/v1/tokens/rtm', '/v1/tokens/rtc-rtm', '/v1/tokens/apaas', '/v1/tokens/convoai', '/v1/tokens/stt', '/v1/tokens/fpa'),
      bodyArb,
      fc.shuffledSubarray(Object.keys(fields), { maxLength: 5 }),
      async (url, full, keep) => {
        // Few fields at a time, so that some bodies are valid and mint.
        const body = Object.fromEntries(Object.entries(full).filter(([k]) => keep.includes(k)));
        const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        return sane(res.statusCode, res.body);
      },
    ),
    { numRuns: RUNS },
  );
  t.ok((statuses.get(200) ?? 0) > 0, `some random bodies minted (${JSON.stringify(Object.fromEntries(statuses))})`);
  t.pass(`${RUNS} random bodies, no 5xx`);
});
