import { STATUS_CODES } from 'node:http';
import { ErrorSchema, ref, type ErrorBody } from '../schemas/common.js';

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

/** Error statuses every token route can return, all in the one error shape. */
export const tokenErrorResponses = {
  400: error('Invalid input; the message and `field` name what is wrong', {
    statusCode: 400,
    code: 'VALIDATION_ERROR',
    message: 'body/expireSeconds must be <= 86400',
    field: 'expireSeconds',
  }),
  413: error('Body larger than the limit', { statusCode: 413, code: 'BODY_TOO_LARGE', message: 'Request body is too large' }),
  415: error('Content-Type is not application/json', { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Unsupported Media Type' }),
  500: error('Unexpected failure (message masked)', { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal Server Error' }),
  503: error('Overloaded or shutting down: retry after `Retry-After` seconds (another replica may answer at once)', {
    statusCode: 503,
    code: 'OVERLOADED',
    message: 'server overloaded (event loop delay); retry later or elsewhere',
  }),
};

/** Error statuses of GET routes whose input is all in the path or query. */
export const getErrorResponses = {
  400: tokenErrorResponses[400],
  500: tokenErrorResponses[500],
  503: tokenErrorResponses[503],
};

export { error as errorResponse };
