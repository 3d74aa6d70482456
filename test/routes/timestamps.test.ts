import t from 'tap';
import { RECENT_ISO_MAX, timestamps } from '../../src/routes/timestamps.js';

t.test('timestamps are the ISO strings of the unix seconds, however many distinct seconds are asked', async (t) => {
  const start = 1_790_000_000;
  const wrong: number[] = [];
  // More distinct seconds than are remembered, each asked twice (the second answer may come from memory).
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < RECENT_ISO_MAX * 2 + 3; i++) {
      const issuedAt = start + i;
      const expiresAt = issuedAt + 3600;
      const got = timestamps({ issuedAt, expiresAt });
      const ok =
        got.issuedAt === new Date(issuedAt * 1000).toISOString() &&
        got.expiresAt === new Date(expiresAt * 1000).toISOString() &&
        got.issuedAtUnix === issuedAt &&
        got.expiresAtUnix === expiresAt;
      if (!ok) wrong.push(issuedAt);
    }
  }
  t.same(wrong, [], 'every answer matches Date');
  t.same(timestamps({ issuedAt: 0, expiresAt: 86_400 }), { issuedAt: '1970-01-01T00:00:00.000Z', expiresAt: '1970-01-02T00:00:00.000Z', issuedAtUnix: 0, expiresAtUnix: 86_400 });
});
