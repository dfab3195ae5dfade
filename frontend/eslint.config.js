// ESLint flat config: JavaScript and Vue rules, Prettier owns the formatting, and the layer
// boundaries of src/ are checked here rather than hoped for (see DESIGN.md, "modules import only
// shared layers").
import js from '@eslint/js'
import pluginVue from 'eslint-plugin-vue'
import prettier from 'eslint-config-prettier'
import globals from 'globals'

const MODULES = ['auth', 'common', 'evaluate', 'explain', 'explore', 'learn', 'lessons', 'models', 'share']

// Only src/api/endpoints/ knows URLs of the REST API: everything else calls an endpoint function.
const API_URL_LITERAL = {
  selector: 'Literal[value=/^\\/api\\//], TemplateElement[value.raw=/^\\/api\\//]',
  message: 'API URLs live in src/api/endpoints/<resource>.js; import the endpoint function instead.',
}

/** A feature module may import its own files and the shared layers, never another module's insides. */
function moduleBoundary(name) {
  // A relative path that climbs out of the module: one "../" more than the importing file is deep.
  return [0, 1, 2].map((depth) => ({
    files: [`src/modules/${name}/${'*/'.repeat(depth)}*.{js,vue}`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^@/modules/(?!${name}/)`,
              message: `Modules import only shared layers (src/components, composables, api, config, lib, stores); move what "${name}" needs there.`,
            },
            {
              regex: `^(\\.\\./){${depth + 1}}`,
              message: 'Do not climb out of the module with a relative import; use a shared layer through "@/…".',
            },
          ],
        },
      ],
    },
  }))
}

export default [
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['src/**/*.{js,vue}'],
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    rules: {
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-syntax': ['error', API_URL_LITERAL],
      // Route views and the app shell are single words by design (App, LoginView's children…).
      'vue/multi-word-component-names': 'off',
      // Optional props without a default are read as "not given" on purpose.
      'vue/require-default-prop': 'off',
      // Rendered HTML is our own markup (inline SVG icons, highlighted arithmetic), never user input.
      'vue/no-v-html': 'off',
    },
  },
  {
    files: ['src/api/endpoints/**/*.js', 'src/**/*.test.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['src/**/*.test.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  // Shared layers never import a feature module (the router's lazy import() is not an import declaration).
  {
    files: ['src/{api,components,composables,config,lib,stores}/**/*.{js,vue}', 'src/*.{js,vue}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^@/modules/', message: 'Shared layers must not depend on feature modules.' },
            { regex: '^(\\.\\./)+modules/|^\\./modules/', message: 'Shared layers must not depend on feature modules.' },
          ],
        },
      ],
    },
  },
  ...MODULES.flatMap(moduleBoundary),
  prettier,
]
