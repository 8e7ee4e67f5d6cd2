// One lint configuration for every workspace: type-aware promise rules, no import cycles, and the
// layer boundaries of apps/api (see ARCHITECTURE.md) enforced rather than hoped for.
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const apiLayers = [
  // The domain is pure: no adapters, no engine, no HTTP, no I/O libraries.
  { target: './apps/api/src/domain', from: './apps/api/src/adapters' },
  { target: './apps/api/src/domain', from: './apps/api/src/engine' },
  { target: './apps/api/src/domain', from: './apps/api/src/http' },
  { target: './apps/api/src/domain', from: './apps/api/src/store-types' },
  // The engine talks to the world only through the domain's ports.
  { target: './apps/api/src/engine', from: './apps/api/src/adapters' },
  { target: './apps/api/src/engine', from: './apps/api/src/http' },
  { target: './apps/api/src/store-types', from: './apps/api/src/adapters' },
  { target: './apps/api/src/store-types', from: './apps/api/src/http' },
  // Routes call use cases; they never reach adapters directly (app.ts wires them).
  { target: './apps/api/src/http', from: './apps/api/src/adapters' },
];

export default tseslint.config(
  {
    // images/medusa/app has its own dependencies (installed by the medusa-app test tier) and its own
    // tsconfig; `medusa build` compiles it.
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      'tools/cluster/go/**',
      'images/medusa/app/**',
      '**/.medusa/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-self-import': 'error',
      'import-x/no-restricted-paths': ['error', { zones: apiLayers }],
      // The domain stays free of I/O: these imports belong in adapters/.
      'no-restricted-imports': 'off',
    },
  },
  {
    files: ['apps/api/src/domain/**/*.ts', 'apps/api/src/engine/**/*.ts', 'apps/api/src/store-types/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@kubernetes/client-node',
                'drizzle-orm',
                'drizzle-orm/*',
                'pg',
                '@electric-sql/pglite',
              ],
              message: 'Only adapters/ talk to Kubernetes or the database; use a port from domain/ports.',
            },
          ],
          paths: [
            { name: 'node:child_process', message: 'Only adapters/ spawn processes.' },
            { name: 'fastify', message: 'Only http/ knows about Fastify.' },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/dashboard/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
