// ESLint with type-checked rules. The import boundaries of STYLE.md are enforced here:
// only main/electron imports electron; services never import main or renderer;
// the renderer imports the console contract as types only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const electronOnlyInMainElectron = {
  paths: [{ name: 'electron', message: 'Only main/electron/ may import electron (STYLE.md).' }],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'release/**',
      '.cache/**',
      'test-results/**',
      'playwright-report/**',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', electronOnlyInMainElectron],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['main/electron/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The console core knows no lab: only main/console/labs/ imports a lab's services (ARCHITECTURE.md).
    files: ['main/console/**'],
    ignores: ['main/console/labs/**', 'main/console/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInMainElectron,
          patterns: [
            {
              group: ['**/services/lab-*', '**/services/lab-*/**'],
              message: "Only main/console/labs/ imports a lab's services: ask the lab's module (ARCHITECTURE.md).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['services/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInMainElectron,
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**'],
              message: 'services/ never import main/ or renderer/ (STYLE.md).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...electronOnlyInMainElectron,
          patterns: [
            { group: ['**/services/**'], message: 'The renderer never imports services/.' },
            {
              // a regex: gitignore-style negations cannot re-include a file below an excluded folder
              regex: '(^|/)main/(?!console/contract(/|$))',
              message: 'The renderer imports only the console contract from main/ (STYLE.md).',
            },
            {
              group: ['**/main/console/contract', '**/main/console/contract/**'],
              allowTypeImports: true,
              message: 'The renderer imports the console contract as types only (use `import type`).',
            },
          ],
        },
      ],
    },
  },
);
