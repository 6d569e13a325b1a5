// Flat config: typescript-eslint's type-aware rules (no-floating-promises matters in socket code)
// and the layer rules of design.md: imports point down only, and only src/store knows SQL.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const sqlPackages = ['kysely', 'better-sqlite3', 'pg'].map((name) => ({
  name,
  message: 'Only src/store knows SQL (design.md).',
}));
const layer = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'dist/**', 'web/dist/**', 'bin/**', 'scripts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': 'off',
      // Protocol code matches control characters on purpose (NUL, CR, LF in names and lines).
      'no-control-regex': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      // node:test's test()/describe() return promises the runner awaits itself.
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sqlPackages,
        patterns: [layer(['../mime/*', '../auth/*', '../store/*', '../protocols/*', '../delivery/*', '../http/*', '../server/*', '../cli/*'], 'src/core is the bottom layer: it imports nothing of ours.')],
      }],
    },
  },
  {
    files: ['src/mime/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sqlPackages,
        patterns: [layer(['../auth/*', '../store/*', '../protocols/*', '../delivery/*', '../http/*', '../server/*', '../cli/*'], 'src/mime imports only src/core.')],
      }],
    },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [layer(['**/protocols/*', '**/delivery/*', '**/http/*', '**/server/*', '**/cli/*', '**/auth/*'], 'src/store never imports the layers above it.')],
      }],
    },
  },
  {
    files: ['src/protocols/**/*.ts', 'src/delivery/**/*.ts', 'src/http/**/*.ts', 'src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: sqlPackages,
        patterns: [layer(['**/store/sql/*', '**/store/sql/**'], 'Protocol code calls store ports, never SQL (design.md).')],
      }],
    },
  },
);
