/**
 * The one way to declare a route that mints. A minting route needs three markers,
 * and forgetting one is a defect no test of the handler would see:
 * - the security requirement: the auth plugin authenticates exactly the routes that
 *   declare it, and `request.mint` refuses to run without a caller;
 * - `config.noStore`: the answer carries a credential, no cache may keep it;
 * - the error responses, in the one error shape (with the route's own field names
 *   in the examples when it spells fields its own way).
 * `mintingRoute()` supplies all three; a route only states what is its own. POST
 * /v1/tokens/inspect declares itself with it too: it mints nothing, but it answers an
 * authenticated caller about a credential, so it needs the same three markers.
 */
import type { TSchema } from '@sinclair/typebox';
import { mintSecurity } from '../schemas/security.js';
import type { FieldNames } from '../tokens/rules.js';
import { getErrorResponses, tokenErrorResponses, withRuleExample } from './responses.js';

/** What a minting route states itself: its documentation, its input and its 200 answer. */
export interface MintingSchema {
  operationId: string;
  tags: string[];
  summary: string;
  description: string;
  deprecated?: boolean;
  body?: TSchema;
  params?: TSchema;
  querystring?: TSchema;
  response: { 200: TSchema };
}

/** A route that names fields its own way (the compat routes): its map, and an input that breaks a rule, for the 400 example. */
export interface OwnFieldNames {
  fieldNames: FieldNames & { expireSeconds: string };
  breakRule: () => unknown;
}

/**
 * Route options (`config` and `schema`) of a minting route. With a body, the body
 * statuses (413, 415) are documented too. `fieldNames` goes to the route config,
 * where the error handler (400s) and request.mint (403s) both read it.
 */
export function mintingRoute<const S extends MintingSchema>(schema: S, own?: OwnFieldNames) {
  const errors = schema.body ? tokenErrorResponses : getErrorResponses;
  return {
    config: { noStore: true, ...(own && { fieldNames: own.fieldNames }) },
    schema: {
      ...schema,
      security: mintSecurity,
      response: { ...schema.response, ...(own ? withRuleExample(errors, own.fieldNames, own.breakRule) : errors) } as S['response'] &
        typeof tokenErrorResponses,
    },
  };
}
