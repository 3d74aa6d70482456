/**
 * The OpenAPI security schemes, and the `security` requirement every minting
 * route declares. The auth plugin enforces credentials exactly on the routes
 * that declare it, so the published contract and the server cannot disagree.
 */
export const securitySchemes = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (AUTH_MODE=apiKey) or a JWT (AUTH_MODE=jwt): `Authorization: Bearer <credential>`.',
  },
  apiKeyHeader: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key (AUTH_MODE=apiKey), as an alternative to the Authorization header.',
  },
} as const;

/** Either scheme satisfies the requirement. Ignored when the server runs with AUTH_MODE=none. */
export const mintSecurity: Record<string, string[]>[] = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** Declared by the public operations (probes, ping): explicitly no credentials. */
export const noSecurity: Record<string, string[]>[] = [];
