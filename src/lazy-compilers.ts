/**
 * Fastify's own schema compilers (Ajv for validation, fast-json-stringify for responses),
 * made lazy: a route's validator or serializer is compiled on its first use, not at start-up.
 * Sixteen routes times their request and error-response schemas cost most of the start-up
 * before the first token could be served; a route that is never called now costs nothing.
 * What runs once compiled is exactly Fastify's default, with the same options.
 */
import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** A function that builds `compile()` on its first call, then is that function. */
function lazyFunction(compile: () => Fn): Fn {
  let fn: Fn | undefined;
  const get = () => (fn ??= compile());
  const wrapper = function (this: unknown, ...args: unknown[]) {
    const real = get();
    const result = real.apply(this, args);
    // Ajv reports a failed validation on the function itself.
    (wrapper as unknown as { errors: unknown }).errors = (real as unknown as { errors: unknown }).errors;
    return result;
  };
  // Fastify reads `schemaEnv` before validating, to let Ajv write to the root of the data.
  Object.defineProperty(wrapper, 'schemaEnv', { get: () => (get() as unknown as { schemaEnv: unknown }).schemaEnv });
  return wrapper;
}

type Factory = (externalSchemas: unknown, options: unknown) => (route: unknown) => Fn;

function lazyFactory(factory: Factory): Factory {
  return (externalSchemas, options) => {
    let compiler: ((route: unknown) => Fn) | undefined;
    return (route) => lazyFunction(() => (compiler ??= factory(externalSchemas, options))(route));
  };
}

export function lazySchemaController(): FastifyServerOptions['schemaController'] {
  return {
    compilersFactory: {
      buildValidator: lazyFactory(ValidatorSelector() as unknown as Factory),
      buildSerializer: lazyFactory(SerializerSelector() as unknown as Factory),
    } as unknown as NonNullable<FastifyServerOptions['schemaController']>['compilersFactory'],
  };
}
