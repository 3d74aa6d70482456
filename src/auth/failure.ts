/**
 * Why a credential was refused, apart from the verifier (jwt.ts), so that the auth
 * plugin can recognise it without loading `jose` on servers that accept no JWT.
 */

/** Why a credential was refused: 401 (bad credential), 403 (unusable claims) or 503 (keys unreachable). */
export class AuthFailure extends Error {
  readonly status: 401 | 403 | 503;
  readonly code: string;
  constructor(status: 401 | 403 | 503, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.name = 'AuthFailure';
  }
}
