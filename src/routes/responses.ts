import { ErrorSchema, ref } from '../schemas/common.js';

const error = (description: string) => ({ ...ref(ErrorSchema), description });

/** Error statuses every token route can return, all in the one error shape. */
export const tokenErrorResponses = {
  400: error('Invalid input; the message and `field` name what is wrong'),
  413: error('Body larger than the limit'),
  415: error('Content-Type is not application/json'),
  500: error('Unexpected failure (message masked)'),
  503: error('Overloaded or shutting down: retry after `Retry-After` seconds (another replica may answer at once)'),
};

/** Error statuses of GET routes whose input is all in the path or query. */
export const getErrorResponses = {
  400: tokenErrorResponses[400],
  500: tokenErrorResponses[500],
  503: tokenErrorResponses[503],
};

export { error as errorResponse };
