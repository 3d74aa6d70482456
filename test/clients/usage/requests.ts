/** The requests both generated clients make, and what they hand back to the test. */

export const RTC = { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 600 } as const;
export const RTM = { userId: 'alice', expireSeconds: 600 } as const;
export const CHAT = { userId: 'alice', expireSeconds: 600 } as const;
/** '/' is not a channel-name character: a documented 400. */
export const BAD_RTC = { channelName: 'bad/name', uid: 1 } as const;

/** The RTC token above, inspected as if the app joined with another uid: one problem. */
export const INSPECT_AS = { channelName: RTC.channelName, uid: 4321 } as const;

export type IsSpecific<T> = 0 extends 1 & T ? false : unknown extends T ? false : true;
export type Assert<T extends true> = T;

export interface ClientResults {
  rtc: { token: string; role: string; uid: number | undefined; issuedAtUnix: number; expiresAtUnix: number };
  rtm: { token: string; userId: string };
  chat: { token: string; kind: string };
  inspect: { valid: boolean; signatureValid: boolean; uid: number | undefined; problems: string[] };
  error: { status: number; body: { statusCode: number; code: string; field?: string | undefined; message: string; requestId: string } };
}
