import fc from 'fast-check';
import t from 'tap';
import {
  AGORA_TTL_CAP,
  TokenInputError,
  checkChannelName,
  checkLifetime,
  checkRtmUserId,
  parseLifetime,
  parseUid,
} from '../../src/tokens/rules.js';

// Agora's documented set, spelled out independently of src/tokens/rules.ts.
const ALLOWED = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$%&()+-:;<=.>?@[]^_{}|~,';

t.test('parseUid accepts only canonical decimal integers in range', async (t) => {
  t.equal(parseUid('0'), 0);
  t.equal(parseUid('4294967295'), 4_294_967_295);
  for (const bad of ['', '-1', '01', '1e3', '0x10', ' 1', '1.0', '4294967296', '99999999999', 'abc']) {
    t.throws(() => parseUid(bad), TokenInputError, `rejects ${JSON.stringify(bad)}`);
  }
});

t.test('parseLifetime: digits only, 1…max, timestamps called out', async (t) => {
  t.equal(parseLifetime('3600', AGORA_TTL_CAP, 'expireSeconds'), 3600);
  t.throws(() => parseLifetime('abc', AGORA_TTL_CAP, 'expireSeconds'), { message: 'expireSeconds must be a whole number of seconds' });
  t.throws(() => parseLifetime('0', AGORA_TTL_CAP, 'expireSeconds'), { message: /from 1 to 86400/ });
  t.throws(() => parseLifetime('1795850353', AGORA_TTL_CAP, 'expireSeconds'), { message: /absolute unix timestamp/ });
  t.throws(() => checkLifetime(1.5, AGORA_TTL_CAP, 'expireSeconds'), { message: 'expireSeconds must be a whole number of seconds' });
});

t.test('a rule error is renamed as a route spells the field, detail unchanged', async (t) => {
  const err = new TokenInputError('userId', 'must not be empty');
  t.same(err.named({ userId: 'chatid' }), { field: 'chatid', message: 'chatid must not be empty' });
  t.same(err.named({ uid: 'rtcuid' }), { field: 'userId', message: 'userId must not be empty' }, 'unmapped: the v1 name');
  t.same(err.named(), { field: 'userId', message: 'userId must not be empty' });
});

t.test('property: every string of allowed characters under 64 bytes is a valid channel', async () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...ALLOWED), minLength: 1, maxLength: 63 }), (name) => {
      checkChannelName(name);
    }),
  );
});

t.test('property: any other string is rejected with a TokenInputError naming the field', async () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.string({ unit: fc.constantFrom(...ALLOWED, '/', '\\', '"', "'", '*', '`', 'é'), maxLength: 70 })), (name) => {
      const ok = name.length >= 1 && name.length <= 63 && [...name].every((c) => ALLOWED.includes(c));
      try {
        checkChannelName(name);
        return ok;
      } catch (err) {
        return !ok && err instanceof TokenInputError && err.field === 'channelName';
      }
    }),
  );
});

t.test('property: RTM ids never start with a space', async () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...ALLOWED), minLength: 1, maxLength: 62 }), (rest) => {
      try {
        checkRtmUserId(` ${rest}`);
        return false;
      } catch (err) {
        return err instanceof TokenInputError;
      }
    }),
  );
});
