import t from 'tap';
import { OPEN_GRANTS, channelAllowed, checkPolicy, defaultTtl, type Grants } from '../../src/auth/policy.js';

/** An end user as a JWT describes one: bound to its own identity, nothing else. */
const user: Grants = { anyIdentity: false, identity: 'alice', uid: 42, publisher: false, wildcardUid: false, chatApp: false };

t.test('channel patterns: literal names and * wildcards, regex characters taken literally', async (t) => {
  t.ok(channelAllowed(undefined, 'anything'), 'no list: any channel');
  t.ok(channelAllowed(['lobby'], 'lobby'));
  t.notOk(channelAllowed(['lobby'], 'lobby2'), 'a literal name is matched whole');
  t.ok(channelAllowed(['room-*'], 'room-7'));
  t.ok(channelAllowed(['room-*'], 'room-'), '* may match nothing');
  t.notOk(channelAllowed(['room-*'], 'xroom-7'), 'patterns are anchored');
  t.ok(channelAllowed(['a*b*c'], 'a1b2c'));
  t.notOk(channelAllowed(['a.c'], 'abc'), '. is not a regex wildcard');
  t.ok(channelAllowed(['(x)+[y]'], '(x)+[y]'), 'regex metacharacters are literal');
  t.notOk(channelAllowed([], 'lobby'), 'an empty list allows nothing');
});

t.test('default lifetime: the server default within the caller cap', async (t) => {
  t.equal(defaultTtl(3600, OPEN_GRANTS), 3600);
  t.equal(defaultTtl(3600, { ...user, maxTtl: 600 }), 600);
  t.equal(defaultTtl(300, { ...user, maxTtl: 600 }), 300);
});

t.test('open grants allow everything', async (t) => {
  t.equal(checkPolicy(OPEN_GRANTS, { service: 'rtc', channelName: 'x', uid: 0, role: 'publisher', expireSeconds: 86_400 }), undefined);
  t.equal(checkPolicy(OPEN_GRANTS, { service: 'chat', expireSeconds: 60 }), undefined, 'Chat app token');
  t.equal(checkPolicy(OPEN_GRANTS, { service: 'rtm', userId: 'bob', expireSeconds: 60 }), undefined);
});

t.test('identity binding', async (t) => {
  const rtc = { service: 'rtc' as const, channelName: 'c', role: 'subscriber' as const, expireSeconds: 60 };
  t.equal(checkPolicy(user, { ...rtc, uid: 42 }), undefined, 'own uid');
  t.match(checkPolicy(user, { ...rtc, uid: 43 }), { code: 'IDENTITY_NOT_ALLOWED', field: 'uid' }, 'other uid');
  t.equal(checkPolicy(user, { ...rtc, userAccount: 'alice' }), undefined, 'own account');
  t.equal(checkPolicy(user, { ...rtc, userAccount: '42' }), undefined, 'own uid as an account');
  t.match(checkPolicy(user, { ...rtc, userAccount: 'bob' }), { code: 'IDENTITY_NOT_ALLOWED', field: 'userAccount' });
  t.equal(checkPolicy(user, { service: 'rtm', userId: 'alice', expireSeconds: 60 }), undefined);
  t.match(checkPolicy(user, { service: 'rtm', userId: 'bob', expireSeconds: 60 }), { code: 'IDENTITY_NOT_ALLOWED', field: 'userId' });
  t.match(
    checkPolicy(user, { service: 'rtm', userId: 'bob', expireSeconds: 60 }, { userId: 'uid' }),
    { field: 'uid', message: /own user id/ },
    'compat routes name their own field',
  );
  t.equal(checkPolicy({ ...user, anyIdentity: true }, { ...rtc, uid: 7 }), undefined, 'anyUser: any uid');
  const noUid: Grants = { ...user, uid: undefined };
  t.match(checkPolicy(noUid, { ...rtc, uid: 42 }), { code: 'IDENTITY_NOT_ALLOWED' }, 'no uid claim: no integer uid');
  const nobody: Grants = { ...user, identity: undefined, uid: undefined };
  t.match(checkPolicy(nobody, { service: 'rtm', userId: 'alice', expireSeconds: 60 }), { code: 'IDENTITY_NOT_ALLOWED' });
});

t.test('wildcard uid, publisher, channels, Chat app tokens, lifetime cap', async (t) => {
  const rtc = { service: 'rtc' as const, channelName: 'room-1', uid: 42, role: 'subscriber' as const, expireSeconds: 60 };
  t.match(checkPolicy(user, { ...rtc, uid: 0 }), { code: 'WILDCARD_UID_NOT_ALLOWED', field: 'uid' });
  t.equal(checkPolicy({ ...user, wildcardUid: true }, { ...rtc, uid: 0 }), undefined, 'wildcard claim: uid 0 (whatever the own uid)');
  t.match(checkPolicy(user, { ...rtc, role: 'publisher' }), { code: 'ROLE_NOT_ALLOWED', field: 'role' });
  t.equal(checkPolicy({ ...user, publisher: true }, { ...rtc, role: 'publisher' }), undefined);
  const rooms: Grants = { ...user, channels: ['room-*'] };
  t.equal(checkPolicy(rooms, rtc), undefined);
  t.match(checkPolicy(rooms, { ...rtc, channelName: 'vip' }), { code: 'CHANNEL_NOT_ALLOWED', field: 'channelName', message: /"vip"/ });
  t.match(checkPolicy(user, { service: 'chat', expireSeconds: 60 }), { code: 'CHAT_APP_NOT_ALLOWED', field: 'userId' });
  t.equal(checkPolicy({ ...user, chatApp: true }, { service: 'chat', expireSeconds: 60 }), undefined);
  t.equal(checkPolicy(user, { service: 'chat', userId: 'alice', expireSeconds: 60 }), undefined, 'own Chat user token');
  const capped: Grants = { ...user, maxTtl: 600 };
  t.equal(checkPolicy(capped, { ...rtc, expireSeconds: 600 }), undefined, 'at the cap');
  t.match(
    checkPolicy(capped, { ...rtc, expireSeconds: 601 }),
    { code: 'TTL_ABOVE_CALLER_CAP', field: 'expireSeconds', message: 'expireSeconds 601 is above this caller\'s cap of 600 seconds' },
  );
  t.match(checkPolicy(capped, { ...rtc, expireSeconds: 601 }, { expireSeconds: 'expiry' }), { field: 'expiry', message: /^expiry 601/ });
});
