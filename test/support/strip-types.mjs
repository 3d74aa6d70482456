// The fast tier (`npm run test:unit`, scripts/test-unit.mjs) runs the TypeScript tests on Node's own type stripping instead of
// tap's TypeScript loader, which compiles every imported file again in each test process (about half the
// tier's CPU time). Node strips types but resolves `./x.js` literally, while the sources import their
// siblings as `./x.js` (NodeNext): this hook resolves such a specifier to the `.ts` file beside it.
// The full run (`npm test`) keeps tap's loader: it is what measures coverage.
import { registerHooks } from 'node:module';

registerHooks({
  resolve (specifier, context, next) {
    try {
      return next(specifier, context);
    } catch (err) {
      if (specifier.startsWith('.') && specifier.endsWith('.js')) return next(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});
