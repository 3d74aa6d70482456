/**
 * The mint command's option table, in process: how options are derived from a
 * request schema and turned back into a typed body. The built CLI itself is
 * test/system/cli.test.ts; this covers field kinds no current token type has yet
 * (structured fields, given as JSON).
 */
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { asOptions, bodyOf, fieldsOf } from '../../src/cli/mint.js';

const usage = (message: string) => new Error(message);

t.test('options follow the schema: kebab-case names, kinds from types', async (t) => {
  const fields = fieldsOf(
    Type.Object({
      channelName: Type.String(),
      uid: Type.Integer(),
      combined: Type.Boolean(),
      privileges: Type.Object({ joinChannel: Type.Integer() }),
      permissions: Type.Array(Type.String()),
      either: Type.Union([Type.String(), Type.Integer()]),
    }),
  );
  t.same(
    fields.map(({ field, option, kind }) => [field, option, kind]),
    [
      ['channelName', 'channel-name', 'string'],
      ['uid', 'uid', 'integer'],
      ['combined', 'combined', 'boolean'],
      ['privileges', 'privileges', 'json'],
      ['permissions', 'permissions', 'json'],
      ['either', 'either', 'json'],
    ],
  );
  const body = bodyOf(fields, { 'channel-name': 'room', uid: '-5', combined: true, privileges: '{"joinChannel":60}', permissions: '["a"]' }, usage);
  t.same(body, { channelName: 'room', uid: -5, combined: true, privileges: { joinChannel: 60 }, permissions: ['a'] }, 'typed, absent options left out');
  t.throws(() => bodyOf(fields, { privileges: '{joinChannel:60}' }, usage), { message: '--privileges must be JSON' });
  t.throws(() => bodyOf(fields, { uid: '1e3' }, usage), { message: '--uid must be a whole number' });
});

t.test("the API's field names become option names, and only whole names", async (t) => {
  const fields = ['channelName', 'uid', 'userAccount', 'rtmUserId'];
  t.equal(asOptions('body/channelName must match pattern', fields), '--channel-name must match pattern');
  t.equal(asOptions('uid or userAccount: give exactly one of the two', fields), '--uid or --user-account: give exactly one of the two');
  t.equal(asOptions('rtmUserId must not start with a space', fields), '--rtm-user-id must not start with a space', 'not "rtm--user-id"');
  t.equal(asOptions('uidless text stays', fields), 'uidless text stays');
});
