/** The requests both generated clients make, and what they hand back to the test. */

export const RTC = { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 600 } as const;
export const RTM = { userId: 'alice', expireSeconds: 600 } as const;
export const CHAT = { userId: 'alice', expireSeconds: 600 } as const;
/** The token family: per-privilege lifetimes, RTM 2 permissions, buildTokenWithRtm2, APaaS, agents, FPA. */
export const RTC_PRIVILEGES = { channelName: 'demo-room', uid: 1234, expireSeconds: 600, privileges: { joinChannel: 600, publishAudio: 300 } } as const;
export const RTM2 = { userId: 'alice', expireSeconds: 600, permissions: { messageChannels: { read: ['lobby'], write: ['lobby'] } } };
export const RTC_RTM2 = {
  channelName: 'demo-room',
  userAccount: 'alice',
  rtmUserId: 'alice-rtm',
  expireSeconds: 600,
  rtmExpireSeconds: 300,
  privileges: { joinChannel: 600 },
  combined: true,
} as const;
export const APAAS = { roomUuid: 'class-101', userUuid: 'alice', role: 'student', expireSeconds: 600 } as const;
export const AGENT = { channelName: 'demo-room', uid: 1001, rtmUserId: 'agent-1001', role: 'publisher', expireSeconds: 600 } as const;
export const FPA = { expireSeconds: 600 } as const;

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
  rtcPrivileges: { token: string; role: string };
  rtm2: { token: string };
  rtcRtm2: { token: string; rtmUserId: string };
  apaas: { token: string; kind: string; chatUserId: string | undefined };
  convoai: { token: string; rtmUserId: string };
  stt: { token: string };
  fpa: { token: string };
  error: { status: number; body: { statusCode: number; code: string; field?: string | undefined; message: string; requestId: string } };
}
