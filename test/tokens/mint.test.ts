import { deflateSync } from 'node:zlib';
import t from 'tap';
import { decode007, decodeToken, TokenDecodeError } from '../../src/tokens/decode.js';
import { MintError, createTokenMinter } from '../../src/tokens/mint.js';
import { TokenInputError, checkUid } from '../../src/tokens/rules.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';

t.test('a library that returns an empty token or throws becomes a MintError', async (t) => {
  // A malformed App ID passes no HTTP schema, but the minter must still never return ''.
  const bad = createTokenMinter({ appId: 'not-hex', appCertificate: APP_CERTIFICATE });
  t.throws(() => bad.chat({ expireSeconds: 60 }), new MintError('token library returned an empty token'));
  // An issue time beyond u32 makes the 007 library throw.
  const future = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { now: () => 2 ** 33 });
  const err = t.throws(() => future.rtm({ userId: 'u', expireSeconds: 60, version: '007' })) as MintError;
  t.equal(err.name, 'MintError');
  t.ok(err.cause, 'the library error is kept as the cause');
});

t.test('the maximum lifetime never exceeds 24 h', async (t) => {
  t.equal(createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }, { maxTtl: 999_999 }).maxTtl, 86_400);
  t.equal(createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }).maxTtl, 86_400);
});

t.test('uids must be safe integers in range', async (t) => {
  t.throws(() => checkUid(1.5), TokenInputError);
  t.throws(() => checkUid(-1), TokenInputError);
  t.doesNotThrow(() => checkUid(0xffff_ffff));
});

t.test('decoding rejects damaged tokens', async (t) => {
  t.throws(() => decode007('007!!!'), new TokenDecodeError('malformed 007 token'));
  t.throws(() => decode007(`007${Buffer.from('not zlib').toString('base64')}`), new TokenDecodeError('007 token is not valid zlib data'));
  t.throws(() => decode007(`007${deflateSync(Buffer.from([1])).toString('base64')}`), new TokenDecodeError('token is truncated'));
  t.throws(() => decodeToken('008abc'), TokenDecodeError);
});
