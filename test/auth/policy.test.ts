import t from 'tap';
import { OPEN_GRANTS, PATTERN_WILDCARDS_MAX, channelAllowed, checkInspect, checkPolicy, defaultTtl, globMatch, grantsOf, uidOf, validPattern, type Grants } from '../../src/auth/policy.js';

/** An end user as a JWT describes one: bound to its own identity, nothing else. */
const user: Grants = grantsOf({}, { anyIdentity: false, identity: 'alice', uid: 42 }, ['subscriber']);

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
  t.equal(checkPolicy(user, { ...rtc, userAccount: '042' })?.code, 'IDENTITY_NOT_ALLOWED', 'not canonical: an account, and not alice');
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
  t.equal(checkPolicy({ ...user, roles: ['publisher', 'subscriber'] }, { ...rtc, role: 'publisher' }), undefined);
  const rooms: Grants = { ...user, channels: ['room-*'] };
  t.equal(checkPolicy(rooms, rtc), undefined);
  t.match(checkPolicy(rooms, { ...rtc, channelName: 'vip' }), { code: 'CHANNEL_NOT_ALLOWED', field: 'channelName', message: /"vip"/ });
  t.match(checkPolicy(user, { service: 'chat', expireSeconds: 60 }), { code: 'SERVICE_NOT_ALLOWED', field: 'userId' });
  t.equal(checkPolicy({ ...user, services: ['chat-app'] }, { service: 'chat', expireSeconds: 60 }), undefined);
  t.equal(checkPolicy(user, { service: 'chat', userId: 'alice', expireSeconds: 60 }), undefined, 'own Chat user token');
  const capped: Grants = { ...user, maxTtl: 600 };
  t.equal(checkPolicy(capped, { ...rtc, expireSeconds: 600 }), undefined, 'at the cap');
  t.match(
    checkPolicy(capped, { ...rtc, expireSeconds: 601 }),
    { code: 'TTL_ABOVE_CALLER_CAP', field: 'expireSeconds', message: 'expireSeconds 601 is above this caller\'s cap of 600 seconds' },
  );
  t.match(checkPolicy(capped, { ...rtc, expireSeconds: 601 }, { expireSeconds: 'expiry' }), { field: 'expiry', message: /^expiry 601/ });
});

t.test('a refusal names a field only when the route has it', async (t) => {
  const rooms: Grants = { ...user, channels: ['room-*'] };
  const rtc = { service: 'rtc' as const, channelName: 'vip', uid: 42, role: 'subscriber' as const, expireSeconds: 60 };
  const none = () => false;
  const denial = checkPolicy(rooms, rtc, {}, none);
  t.match(denial, { code: 'CHANNEL_NOT_ALLOWED', message: /"vip"/ });
  t.notOk(denial && 'field' in denial && denial.field !== undefined, 'no field the route lacks');
  const app = checkPolicy(user, { service: 'chat', expireSeconds: 60 }, {}, none);
  t.match(app, { code: 'SERVICE_NOT_ALLOWED', message: 'this caller may not mint chat-app tokens (app-level)' });
  t.equal(app?.field, undefined);
  t.match(checkPolicy(user, { service: 'chat', expireSeconds: 60 }, { userId: 'uid' }), { field: 'uid', message: /\(app-level; give uid\)$/ });
});

t.test('a digit-only id is the uid it encodes, for every check', async (t) => {
  // A JWT whose identity claim is "42" but whose uid claim is 1234 (issue 9, item 1).
  const confused = grantsOf({}, { anyIdentity: false, identity: '42', uid: 1234 }, ['subscriber']);
  const rtc = { service: 'rtc' as const, channelName: 'c', role: 'subscriber' as const, expireSeconds: 60 };
  t.match(checkPolicy(confused, { ...rtc, userAccount: '42' }), { code: 'IDENTITY_NOT_ALLOWED', field: 'userAccount' }, 'account "42" is uid 42');
  t.match(checkPolicy(confused, { service: 'rtm', userId: '42', expireSeconds: 60 }), { code: 'IDENTITY_NOT_ALLOWED' });
  t.match(checkPolicy(confused, { service: 'chat', userId: '42', expireSeconds: 60 }), { code: 'IDENTITY_NOT_ALLOWED' });
  t.match(checkPolicy(confused, { ...rtc, service: 'rtc-rtm', uid: 1234, userId: '42' }), { code: 'IDENTITY_NOT_ALLOWED', field: 'userId' });
  t.equal(checkPolicy(confused, { ...rtc, userAccount: '1234' }), undefined, 'the own uid, as an account');
  t.match(checkPolicy(confused, { ...rtc, userAccount: '0' }), { code: 'WILDCARD_UID_NOT_ALLOWED', field: 'userAccount' });
  t.match(checkPolicy({ ...confused, anyIdentity: true }, { service: 'rtm', userId: '0', expireSeconds: 60 }), { code: 'WILDCARD_UID_NOT_ALLOWED' }, '"0" needs the wildcard grant even with anyUser');
  t.equal(checkPolicy({ ...confused, wildcardUid: true }, { ...rtc, userAccount: '0' }), undefined);
  t.same([uidOf('42'), uidOf('0'), uidOf('4294967295'), uidOf('4294967296'), uidOf('042'), uidOf('4e2'), uidOf(' 42')], [42, 0, 4294967295, undefined, undefined, undefined, undefined]);
});

t.test('grants: secure defaults, one list of services', async (t) => {
  const base = { anyIdentity: true };
  t.same(grantsOf({}, base, ['publisher', 'subscriber']).services, ['rtc', 'rtm', 'chat', 'apaas', 'convoai', 'stt', 'inspect'], 'no app-level types by default; the inspector');
  t.same(grantsOf({ channels: ['lobby'] }, base, []).services, ['rtc', 'inspect'], 'a channel list: channel-bound types only, and the inspector, which mints nothing');
  t.same(grantsOf({ services: ['rtc'] }, base, []).services, ['rtc'], 'a services list without inspect: no inspector');
  t.same(checkInspect(grantsOf({ services: ['rtc'] }, base, [])), { code: 'SERVICE_NOT_ALLOWED', message: 'this caller may not inspect tokens (not granted inspect)' });
  t.equal(checkInspect(grantsOf({ channels: ['lobby'] }, base, [])), undefined);
  t.equal(checkInspect(OPEN_GRANTS), undefined, 'AUTH_MODE=none: every grant');
  t.same(grantsOf({ channels: ['lobby'], services: ['rtm'] }, base, []).services, ['rtm'], 'unless listed');
  t.equal(grantsOf({}, base, ['publisher']).wildcardUid, false);
  t.same(grantsOf({ roles: ['publisher'] }, base, []).roles, ['publisher', 'subscriber'], 'publisher implies subscriber');
  t.same(grantsOf({ roles: ['subscriber'] }, base, []).roles, ['subscriber']);
  const rtcOnly = grantsOf({ services: ['rtc'] }, base, ['subscriber']);
  t.match(checkPolicy(rtcOnly, { service: 'rtc-rtm', channelName: 'c', uid: 5, expireSeconds: 60 }), { code: 'SERVICE_NOT_ALLOWED', message: /rtm tokens$/ });
});

t.test('channel patterns match without backtracking', async (t) => {
  const hostile = '*a*a*a*a*a*a*b';
  const channel = 'a'.repeat(63);
  const steps = { count: 0 };
  t.equal(globMatch(hostile, channel, steps), false);
  // A backtracking matcher needs millions of steps here; this one at most pattern × name.
  t.ok(steps.count <= hostile.length * channel.length, `${steps.count} comparisons`);
  t.equal(globMatch('*a*a*a*a*a*a*a', channel), true);
  t.equal(globMatch('a*b*c', 'abc'), true);
  t.equal(globMatch('a*b*c', 'ab'), false, 'prefix and suffix may not overlap');
  t.equal(globMatch('ab*ba', 'aba'), false);
  t.equal(globMatch('**', ''), true);
  t.equal(globMatch('x*y*z', 'xyyyz'), true);
  t.equal(globMatch('x*yz*z', 'xyz'), false, 'the middle piece may not overlap the suffix');
  t.equal(globMatch('x*yz*z', 'xyzyzz'), true);
  t.ok(validPattern('a*'.repeat(PATTERN_WILDCARDS_MAX)));
  t.notOk(validPattern(hostile), `more than ${PATTERN_WILDCARDS_MAX} * is refused`);
  t.notOk(validPattern(''));
});
