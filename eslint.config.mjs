// Lint config: typescript-eslint's recommended rules over every TypeScript source, the type-aware rules that
// catch lost promises and unhandled cases, and the import boundaries between the process targets.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** no-restricted-imports patterns: a folder may not reach into these. */
const forbid = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }],
});
const NODE = [
  ['node:*', 'fs', 'path', 'child_process', 'os'],
  'shared/ and webview/ do no I/O: Node modules belong to helper-native/ and extension/',
];
const VSCODE = [['vscode'], 'only extension/ talks to VS Code'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'out/**', '.cache/**', 'test-results/**', '**/*.js', '**/*.cjs'] },
  js.configs.recommended,
  { files: ['**/*.mjs'], languageOptions: { globals: globals.node } },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // node:test's test() returns a promise the runner itself awaits
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'no-constant-condition': ['error', { checkLoops: false }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // Process boundaries (README "Layout"): the pure core, the webview, the extension host and the helper.
  {
    files: ['shared/**/*.ts'],
    rules: forbid(NODE, VSCODE, [['**/helper-native/**', '**/extension/**', '**/webview/**'], 'shared/ depends on nothing of ours']),
  },
  {
    files: ['webview/**/*.ts'],
    rules: forbid(NODE, VSCODE, [
      ['**/helper-native/**', '**/extension/**'],
      'the webview talks to the extension only through shared/webviewProtocol.ts',
    ]),
  },
  {
    files: ['extension/**/*.ts'],
    rules: forbid([
      ['**/webview/**', '**/helper-native/src/{server,create,scan,identity,cli}/**'],
      'the extension talks to the helper through launch/ and shared/helperProtocol.ts',
    ]),
  },
  {
    files: ['helper-native/**/*.ts'],
    rules: forbid(VSCODE, [['**/extension/**', '**/webview/**'], 'the helper knows nothing of VS Code or the webview']),
  },
);
