import { Type, type Static, type TSchema, type SchemaOptions } from '@sinclair/typebox';

/** A string enum as `{ type: 'string', enum: [...] }`, which every client generator maps to an enum. */
export function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}) {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A `$ref` to a schema registered with `addSchema`, typed as that schema. */
export function ref<T extends TSchema>(schema: T) {
  if (!schema.$id) throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id));
}

/**
 * Real 007 tokens for the documentation's examples, minted for the example requests (channel demo-room,
 * uid 1234 as publisher; user alice; 3600 s) at 2026-11-28T10:00:00Z with the test suite's credentials,
 * which belong to no Agora project. test/openapi/spec.test.ts decodes and verifies each one.
 */
export const EXAMPLE_TOKENS = {
  rtc: '007eJxTYNg+9605l9q94O7DKz/PM7veuZO3qFXbLdmvRvRsr5TF20YFBgNDI2MTUzNzC8vEpOSU1DR0vsIyrmwBPgYGv8Q9DIwMjAwsDIwMID4TmGQGkyxgkpMhJTU3X7coPz+XhQFkCgAjCCA4',
  rtm: '007eJxTYPDebN6k5fgnbqKNiO3dbWsPvzDTaGG/tP5XvpmE6ZlPJjMVGAwMjYxNTM3MLSwTk5JTUtPQ+QrLuLIF+BgY/BL3MDAyMDEwMjAygPisDIk5mcmpANWOHVU=',
  /** The RTM half of the example RTC + RTM request: user id "1234", the uid in decimal. */
  rtmUid1234: '007eJxTYIjvb0tfuupp7vEnRyefyHE9xvuGLWS7jPEZ8dsL2RMufUtWYDAwNDI2MTUzt7BMTEpOSU1D5yss48oW4GNg8Evcw8DIwMTAyMDIAOKzMIAUAgBM3B3C',
  chat: '007eJxTYJDlCF91qDlur6ZzVJ6FiXxd1t9Dd9ys5n/Z8+y8gGKNwjIFBgNDI2MTUzNzC8vEpOSU1DR0vsIyrmwBPgYGv8Q9DIwMrAyMDIwMID4rQ2JOZnIqAJiwHLE=',
  /** RTM 2 for alice: read lobby and news, write lobby; read user bob. */
  rtm2: '007eJxTYJCf5jNX+T/H47K/sX9fPp4wRzE0+0rTZua5UfpS9rNtuxQUGAwMjYxNTM3MLSwTk5JTUtPQ+QrLuLIF+BgY/BL3MDAycDAwMjAygPisDIk5mcmpTAwMDBDMypCTn5RUycKQl1peDFIFF2BkYGBgZGBmSMpPAgDtOySS',
  /** Flexible Classroom room-user token: room class-101, user alice, student. */
  apaas: '007eJxTYHgx2Ubhzq6a6O+7Tj3/KsovOGeZw53WhYzPvQVXJTledl+qwGBgaGRsYmpmbmGZmJSckpqGzldYxpUtwMfA4Je4h4GZgYmBkYGRAcRnZUjMyUxOZYULKDCYGVuYpBolGRlamCQlJ6WZWqQmJ6cZGiQnmieamZoZJ7PD1XIyJOckFhfrGhoYQs1hYgAAGdAtAA==',
  /** ConvoAI agent in demo-room: uid 1001 as publisher, RTM user agent-1001. */
  convoai: '007eJxTYDCNXXNg1oyNGtU/rXLNdrWdDGI/uOrrHo/wj9f/cBuXREUqMBgYGhmbmJqZW1gmJiWnpKah8xWWcWUL8DEw+CXuYWBmYGRgYWBkAPGZwCQzmGQBk5wMKam5+bpF+fm5LAyGBgaGTAyMUMVcDInpqXkluiBRTgYGBgAXAySE',
  /** Speech-to-text bot in demo-room: uid 1002 as publisher, RTM user stt-1002. */
  stt: '007eJxTYPCpnvlVcaeOYcqtJLGtx0XmL/69ck6PwbvqiuVLzIrfHfZUYDAwNDI2MTUzt7BMTEpOSU1D5yss48oW4GNg8Evcw8DMwMjAwsDIAOIzgUlmMMkCJjkZUlJz83WL8vNzWRgMDQyMmBgYoYo5GIpLSnRBYlwMDAwA3YkkEA==',
  fpa: '007eJxTYNiyyWf1K8uy2smnmm7eUXxgrHtOhDdToFnp5MF5H+ZvFVVQYDAwNDI2MTUzt7BMTEpOSU1D5yss48oW4GNg8Evcw8DIwMLAyMDIAAIAW80b5g==',
} as const;

/** The issue and expiry times of the example tokens. */
export const EXAMPLE_TIMES = {
  issuedAt: '2026-11-28T10:00:00.000Z',
  expiresAt: '2026-11-28T11:00:00.000Z',
  issuedAtUnix: 1_795_860_000,
  expiresAtUnix: 1_795_863_600,
} as const;

export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer({ minimum: 400, maximum: 599, description: 'HTTP status, repeated for clients that lose it', examples: [400] }),
    error: Type.String({ description: 'HTTP reason phrase', examples: ['Bad Request'] }),
    code: Type.String({
      description: 'Stable machine-readable error code',
      examples: ['VALIDATION_ERROR'],
    }),
    message: Type.String({
      description: 'What went wrong, naming the field where one is at fault. 5xx messages are always generic.',
      examples: ['body/channelName must match pattern "^[a-zA-Z0-9 …]+$"'],
    }),
    field: Type.Optional(Type.String({ description: 'The request field at fault, when there is one', examples: ['channelName'] })),
    requestId: Type.String({ description: 'Request id, also sent as the X-Request-Id header', examples: ['req-1'] }),
  },
  { $id: 'ErrorResponse', additionalProperties: false, description: 'The single error shape of every 4xx and 5xx response.' },
);
export type ErrorBody = Static<typeof ErrorSchema>;
