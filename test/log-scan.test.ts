/**
 * The leak detector itself. The suite-wide scan (test/log-scan.ts, run after all
 * test files) uses findLeaks; this proves it finds what it must.
 */
import t from 'tap';
import { APP_CERTIFICATE, build, logLines, secrets } from './helper.js';
import { findLeaks } from './support/leaks.js';

t.test('findLeaks finds a secret from any dump in any line', async (t) => {
  const dumps = [
    { file: 'a.test.ts', secrets: ['certificate-value-1'], lines: ['{"msg":"fine"}'] },
    { file: 'b.test.ts', secrets: ['api-key-value-22'], lines: ['{"msg":"has certificate-value-1 inside"}', '{"msg":"ok"}'] },
  ];
  const { lines, hits } = findLeaks(dumps);
  t.equal(lines, 3);
  t.same(hits, [{ file: 'b.test.ts', line: '{"msg":"has certificate-value-1 inside"}' }]);
  t.same(findLeaks([{ file: 'c', secrets: ['short'], lines: ['short'] }]).hits, [], 'values under 8 characters are not scanned (too many false hits)');
});

t.test('this process captures its log lines and secrets for the scan', async (t) => {
  t.ok(secrets.has(APP_CERTIFICATE));
  const before = logLines.length;
  const app = await build(t);
  await app.inject({ method: 'GET', url: '/readyz', headers: { authorization: `Bearer ${APP_CERTIFICATE}` } });
  await app.inject({ method: 'POST', url: '/v1/tokens/rtc', payload: { channelName: 'c', uid: 1 } });
  t.ok(logLines.length > before, 'debug lines are captured');
  t.same(findLeaks([{ file: 'self', secrets: [...secrets], lines: logLines }]).hits, [], 'none holds a secret');
});
