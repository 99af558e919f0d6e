// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const electronOnlyInGlue = {
  paths: [
    { name: 'electron', message: 'Only the Electron glue (src/main/electron) and the preload import electron: under plain Node, require("electron") tries to download it.' },
  ],
};

export default tseslint.config(
  { ignores: ['out/**', '.cache/**', 'dist/**', 'node_modules/**', 'test/artifacts/**', 'coverage/**', 'src/main/hosts/simulated/iis-schema.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.node.json', './tsconfig.web.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      // Host and service methods are async by contract even when an implementation is synchronous.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-imports': ['error', electronOnlyInGlue],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='exec'][arguments.length=1]", message: 'No shell strings: run programs as an argv.' },
        { selector: "Property[key.name='shell'][value.value=true]", message: 'No shell: every process is an argv.' },
      ],
    },
  },
  {
    // One room per job: a file that grows past these is the place where everything else goes.
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The glue and the preload may import electron; ipcMain/ipcRenderer only in their wrappers.
    files: ['src/main/electron/**/*.ts', 'src/preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/main/electron/main.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: 'Use the typed wrapper in ipc-main.ts.' }] }],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronOnlyInGlue.paths[0]],
          patterns: [{ group: ['**/main/**', 'node:*', 'execa', 'winston'], message: 'The renderer talks only to the bridge (window.djangoIIS): no main-process code, no Node.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { project: false, projectService: false },
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
);
