import { ErrorSchema, ref } from '../schemas/common.js';

const error = (description: string) => ({ ...ref(ErrorSchema), description });

/** Statuses of every minting route, whatever carries its input. */
const mintErrorResponses = {
  400: error('Invalid input; the message and `field` name what is wrong'),
  401: error('Missing or invalid credentials (with a WWW-Authenticate header)'),
  403: error("Authenticated, but this caller may not mint this token (identity, channel, role, wildcard uid or lifetime above the caller's cap); `code` says which"),
  429: error('Rate limit exceeded; see Retry-After and the RateLimit-* headers'),
  500: error('Unexpected failure (message masked)'),
  503: error('Signing keys or the shared rate-limit store are unreachable; retry after Retry-After'),
};

/** Error statuses every token route with a JSON body can return, all in the one error shape. */
export const tokenErrorResponses = {
  ...mintErrorResponses,
  413: error('Body larger than the limit'),
  415: error('Content-Type is not application/json'),
};

/** Error statuses of GET routes whose input is all in the path or query. */
export const getErrorResponses = mintErrorResponses;

export { mintSecurity } from '../schemas/security.js';

export { error as errorResponse };
