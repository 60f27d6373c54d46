// ESLint for Haven's browser JavaScript: `make lint-js` (also part of `make test`).
// Both files are plain scripts served as they are (no build step, no modules), each wrapped in one
// 'use strict' IIFE, in one style: the rules below.
import js from '@eslint/js';
import globals from 'globals';

const FILES = ['bot/gateway/widget/static/*.js', 'bot/gateway/console/static/*.js'];

// Likely bugs, then one layout: single quotes, const/let only, braces optional for a one-line body
// (`if (x) return;`), trailing commas in multi-line literals.
const rules = {
  // ES2017 has no `catch {}` without a binding (that is ES2019), so an unused `e` in a catch is unavoidable.
  'no-unused-vars': ['error', { caughtErrors: 'none' }],
  'no-shadow': 'error',
  // `x != null` (null or undefined) is the one loose comparison used, on purpose.
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  // No globals leak into the host page (the widget's only one is window.HavenWidget, set explicitly).
  strict: ['error', 'function'],
  'no-implicit-globals': 'error',
  // Nothing is ever written to the browser's console: it would stay on a survivor's device.
  'no-console': 'error',
  'no-alert': 'error',
  // Untrusted text is shown with textContent only (both files say so): no HTML sinks, no eval.
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
  'no-restricted-properties': ['error',
    { property: 'innerHTML', message: 'Use textContent (or build nodes): never parse text as HTML.' },
    { property: 'outerHTML', message: 'Use textContent (or build nodes): never parse text as HTML.' },
    { property: 'insertAdjacentHTML', message: 'Build nodes instead: never parse text as HTML.' },
    { object: 'document', property: 'write', message: 'Build nodes instead: never parse text as HTML.' },
  ],
  radix: 'error',
  // Layout.
  semi: ['error', 'always'],
  indent: ['error', 2, { SwitchCase: 1 }],
  'wrap-iife': ['error', 'inside'],
  'space-before-function-paren': ['error', { anonymous: 'always', named: 'never', asyncArrow: 'always' }],
  'keyword-spacing': 'error',
  'space-before-blocks': 'error',
  'space-infix-ops': 'error',
  'comma-spacing': 'error',
  'key-spacing': 'error',
  'object-curly-spacing': ['error', 'always'],
  'array-bracket-spacing': ['error', 'never'],
  'quote-props': ['error', 'as-needed'],
  'dot-notation': 'error',
  'no-multi-spaces': 'error',
  'no-trailing-spaces': 'error',
  'no-multiple-empty-lines': ['error', { max: 1 }],
  'eol-last': 'error',
  quotes: ['error', 'single', { avoidEscape: true }],
  'no-var': 'error',
  'prefer-const': 'error',
  curly: ['error', 'multi-line'],
  'comma-dangle': ['error', 'always-multiline'],
};

export default [
  {
    // Only the two static folders are linted (the Makefile names them); never the venv or local data.
    ignores: ['.venv/**', 'var/**', 'models/**', '.rasa/**', 'node_modules/**'],
  },
  {
    files: FILES,
    ...js.configs.recommended,
    languageOptions: {
      // The widget must run as it is in any browser a survivor might use: ES2017 syntax at most, so
      // no optional chaining, `??`, object spread or `catch {}`. The console keeps to the same limit.
      ecmaVersion: 2017,
      sourceType: 'script',
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: { ...js.configs.recommended.rules, ...rules },
  },
];
