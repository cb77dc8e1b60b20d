// Lint: typescript-eslint's recommended rules, no `any`, and the layer import direction of
// DESIGN.md (each layer imports only the layers below it).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// `allowed` re-admits sub-folders of a forbidden layer (e.g. the provider spec's types).
const layer = (files, forbidden, allowed = []) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden.map((name) => ({
          group: [`**/${name}/*`, `**/${name}/**`, ...allowed.filter((path) => path.startsWith(`${name}/`)).flatMap((path) => [`!**/${path}`, `!**/${path}/**`])],
          message: `This layer must not import src/${name} (see DESIGN.md, layers).`,
        })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', '.switchboard/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', structuredClone: 'readonly', setImmediate: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(['src/db/**/*.ts'], ['crypto', 'credentials', 'providers', 'registry', 'service', 'server', 'cli']),
  layer(['src/crypto/**/*.ts'], ['db', 'credentials', 'providers', 'registry', 'service', 'server', 'cli']),
  layer(['src/credentials/**/*.ts'], ['providers', 'registry', 'service', 'server', 'cli'], ['providers/spec']),
  layer(['src/providers/**/*.ts'], ['db', 'crypto', 'credentials', 'registry', 'service', 'server', 'cli']),
  layer(['src/registry/**/*.ts'], ['service', 'server', 'cli']),
  layer(['src/usage/**/*.ts'], ['service', 'server', 'cli']),
  layer(['src/routing/**/*.ts'], ['service', 'server', 'cli']),
  layer(['src/tracing/**/*.ts'], ['crypto', 'credentials', 'providers', 'service', 'server', 'cli']),
  layer(['src/service/**/*.ts'], ['server', 'cli']),
  layer(['src/server/**/*.ts'], ['db', 'cli']),
);
