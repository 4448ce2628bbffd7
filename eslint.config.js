import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'data/**', 'test-results/**', 'playwright-report/**', 'packages/*/.*'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // TypeScript itself checks names; no-undef only misfires on type-only globals.
  { files: ['**/*.ts'], rules: { 'no-undef': 'off' } },
  { files: ['packages/softphone/**', 'e2e/**'], languageOptions: { globals: { ...globals.browser } } },
);
