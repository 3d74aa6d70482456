// The service as deployed, shared by bench/run.mjs and bench/profile.mjs: dummy credentials
// (never a real project's) and the settings every measurement runs with.
export const APP_ID = '0123456789abcdef0123456789abcdef';
export const APP_CERTIFICATE = 'fedcba9876543210fedcba9876543210';
export const API_KEY = 'bench-key-0123456789abcdef';

/** AUTH_MODE=apiKey, rate limit on (too high to trigger: its work stays on the path), info logs as JSON. */
export const DEPLOYED_ENV = {
  APP_ID,
  APP_CERTIFICATE,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  AUTH_MODE: 'apiKey',
  API_KEYS: `bench:${API_KEY}`,
  RATE_LIMIT_MAX: '999999999',
  SHUTDOWN_DRAIN_SECONDS: '0',
};

/** What every measurement asks for: the same channel, uid and role on every route. */
export const RTC007 = { channelName: 'bench-room', uid: 1234, role: 'publisher' };
export const RTC006 = { ...RTC007, version: '006' };
export const RTM = { userId: 'bench-user' };
/** The tutorial's route, as its clients call it. */
export const TUTORIAL_QUERY = '/access_token?channelName=bench-room&uid=1234&role=publisher';
