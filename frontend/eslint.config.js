// ESLint for the web app and its tests (`npm run lint`, run by scripts/test). The page renders
// other people's chat, names and code, so no-unsanitized refuses every way of turning a string
// into markup or script (innerHTML, outerHTML, insertAdjacentHTML, document.write, ...); the app
// builds the DOM from nodes (src/dom.js h()) and sets text only.
import js from '@eslint/js';
import globals from 'globals';
import nounsanitized from 'eslint-plugin-no-unsanitized';

export default [
  { ignores: ['dist/', 'node_modules/', 'test-results/'] },
  js.configs.recommended,
  nounsanitized.configs.recommended,
  {
    files: ['src/**/*.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.browser } },
  },
  {
    files: ['test/**/*.{js,mjs}', 'test-support/**/*.js', 'scripts/**/*.js', '*.config.js'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
  },
  {
    rules: {
      'no-unused-vars': ['error', { args: 'none', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
];
