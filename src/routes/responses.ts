import { ErrorSchema, ref, type ErrorBody } from '../schemas/common.js';
import { STATUS_CODES, VALIDATION_ERROR } from '../plugins/errors.js';
import type { FieldNames, TokenInputError } from '../tokens/rules.js';

type Sample = Pick<ErrorBody, 'statusCode' | 'code' | 'message' | 'field'>;

/**
 * An error response in the one error shape, with an example of that very status
 * (otherwise every status would show the schema's generic 400 example).
 */
const error = (description: string, sample: Sample) => ({
  description,
  content: {
    'application/json': {
      schema: ref(ErrorSchema),
      example: { ...sample, error: STATUS_CODES[sample.statusCode], requestId: '5f0c6a0e-8d1b-4b7e-9a3c-2e41d7c9b612' },
    },
  },
});

/** Statuses of every minting route, whatever carries its input. */
const INVALID_INPUT = 'Invalid input; the message and `field` name what is wrong, as this operation spells it';

const FORBIDDEN = "Authenticated, but this caller may not mint this token (identity, channel, role, wildcard uid or lifetime above the caller's cap); `code` says which";

const mintErrorResponses = {
  400: error(INVALID_INPUT, {
    statusCode: 400,
    code: VALIDATION_ERROR,
    message: 'body/expireSeconds must be <= 86400',
    field: 'expireSeconds',
  }),
  401: error('Missing or invalid credentials (with a WWW-Authenticate header)', {
    statusCode: 401,
    code: 'MISSING_CREDENTIALS',
    message: 'credentials are required: Authorization: Bearer <credential>',
  }),
  403: error(FORBIDDEN, {
    statusCode: 403,
    code: 'CHANNEL_NOT_ALLOWED',
    message: 'this caller may not mint tokens for channel "vip"',
    field: 'channelName',
  }),
  429: error('Rate limit exceeded; see Retry-After and the RateLimit-* headers', {
    statusCode: 429,
    code: 'RATE_LIMITED',
    message: 'rate limit of 600 requests per window exceeded; retry in 42 seconds',
  }),
  500: error('Unexpected failure (message masked)', { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal Server Error' }),
  503: error(
    'Overloaded, shutting down, or signing keys / the shared rate-limit store unreachable (`code` says which): retry after `Retry-After` seconds (another replica may answer at once)',
    { statusCode: 503, code: 'OVERLOADED', message: 'server overloaded (event loop delay); retry later or elsewhere' },
  ),
};

/** Error statuses every token route with a JSON body can return, all in the one error shape. */
export const tokenErrorResponses = {
  ...mintErrorResponses,
  413: error('Body larger than the limit', { statusCode: 413, code: 'BODY_TOO_LARGE', message: 'Request body is too large' }),
  415: error('Content-Type is not application/json', { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Media Type' }),
};

/** POST /v1/tokens/inspect: its 400 is mostly text that is no token, its 403 a caller without the inspect grant. */
export const inspectErrorResponses = {
  400: error('Text that is not an Agora token (`code: INVALID_TOKEN`, `field: token`), or a bad `channelName`, `uid` or `userAccount` (`VALIDATION_ERROR`)', {
    statusCode: 400,
    code: 'INVALID_TOKEN',
    message: 'body/token is not an Agora token: an Agora token starts with 006 or 007 (no spaces or quotes around it)',
    field: 'token',
  }),
  403: error('Authenticated, but this caller may not inspect tokens (its services leave out `inspect`)', {
    statusCode: 403,
    code: 'SERVICE_NOT_ALLOWED',
    message: 'this caller may not inspect tokens (not granted inspect)',
  }),
};

/** Error statuses of GET routes whose input is all in the path or query. */
export const getErrorResponses = mintErrorResponses;

/**
 * The same statuses, with the 400 example taken from a real rule error and the 403
 * example's field as this route names its fields, so an example never shows another route's name.
 */
export function withRuleExample<T extends object>(responses: T, names: FieldNames & { expireSeconds: string }, breakRule: () => unknown) {
  let example: TokenInputError | undefined;
  try {
    breakRule();
  } catch (err) {
    example = err as TokenInputError;
  }
  /* c8 ignore next */
  if (!example) throw new Error('the example input passes the rule');
  const { field, message } = example.named(names);
  // Every minting route has a lifetime, not every one a channel: the 403 example is the lifetime cap.
  const ttl = names.expireSeconds;
  return {
    ...responses,
    400: error(INVALID_INPUT, { statusCode: 400, code: VALIDATION_ERROR, message, field }),
    403: error(FORBIDDEN, {
      statusCode: 403,
      code: 'TTL_ABOVE_CALLER_CAP',
      message: `${ttl} 3600 is above this caller's cap of 600 seconds`,
      field: ttl,
    }),
  };
}

export { error as errorResponse };
