// ESLint (flat config): typescript-eslint's type-aware recommended rules plus neostandard without its
// style rules, so the linter judges code and leaves layout alone. `npm run lint`; .ci/run runs it.
import globals from 'globals';
import neostandard from 'neostandard';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build output, coverage and what the tests generate (clients, log dumps) are not our sources.
    // bench/tutorial/server.cjs is the tutorial's server as the tutorial wrote it (the benchmark's peer):
    // making it lint-clean would change the code it stands for.
    ignores: ['dist/', 'coverage/', '.tap/', 'test/.generated/', 'test/system/container/.cache/', 'bench/results/', 'bench/tutorial/'],
  },
  ...neostandard({ noStyle: true, noJsx: true, ts: true }),
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Fastify's contract for plugins, hooks and handlers is "an async function (or a callback)": an async
      // function without `await` is how a plugin says it is done and how a handler returns its reply. Removing
      // `async` there changes behaviour (Fastify would wait for a callback), so this rule only reports the idiom.
      '@typescript-eslint/require-await': 'off',
      // A leading underscore names a binding kept only for the compiler (compile-time type assertions,
      // a call kept to prove it does not type-check).
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_' }],
      // `void promise;` as a statement is how a deliberately unawaited promise is marked (the convention
      // no-floating-promises asks for); neostandard's no-void would forbid that marker too.
      'no-void': ['error', { allowAsStatement: true }],
      '@typescript-eslint/no-floating-promises': ['error', {
        // tap runs the subtests a file declares and awaits them itself; `await` on each would serialise
        // nothing and only add noise. Every other floating promise is still reported.
        allowForKnownSafeCalls: [{ from: 'package', package: '@tapjs/test', name: ['test', 'todo', 'skip', 'only'] }],
      }],
    },
  },
  {
    // Tests read what the server sent, what a manifest says, what a tool printed: JSON and YAML parsed at run time
    // (`res.json()`, `YAML.parse`, `JSON.parse` are `any` by design) and checked by tap's assertions, which is the
    // point of the test. Declaring a type for each would claim the shape the assertions are there to verify.
    // src/ is held to these rules; the tests are not.
    files: ['test/**'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript: the build and test scripts (Node) and the inspector page's script (browser).
    // They are outside tsconfig.json's program, so they get the rules that need no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['scripts/**', 'bench/**', 'test/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/pages/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // The generated-client usage files import code that only exists once the client tests have generated
    // it (test/.generated); those tests type-check them against it. Here: the rules that need no types.
    files: ['test/system/clients/usage/**'],
    ...tseslint.configs.disableTypeChecked,
  },
);
