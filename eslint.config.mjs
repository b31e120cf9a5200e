// ESLint (flat config): typescript-eslint's recommended rules, Prettier owns the layout,
// and the layer rule of docs/ARCHITECTURE.md: what each folder may import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';

/** A `no-restricted-imports` rule that forbids importing the named top-level folders. */
const layer = (folder, forbidden, why, allowed = [], exempt = []) => ({
  files: [`${folder}/**/*.ts`],
  // Tests may reach across layers (the program's mocked suites live in test/program/, which has no rule).
  ignores: ['**/*.test.ts', ...exempt],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [
              // A bare folder pattern would exclude the folder, and gitignore syntax cannot then re-include a file in it.
              ...forbidden.flatMap((f) => [
                ...(allowed.length ? [] : [`../${f}`, `../../${f}`]),
                `../${f}/*`,
                `../../${f}/*`,
              ]),
              ...allowed.map((a) => `!../${a}`),
            ],
            message: why,
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { process: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.twin/', 'test-artifacts/', 'policy/node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  comments.recommended,
  {
    // A disabled rule says why, after `--`, where it is disabled.
    rules: { '@eslint-community/eslint-comments/require-description': ['error', { ignore: ['eslint-enable'] }] },
  },
  {
    // A function reads at once: about 80 lines at most. A longer one says why above it, in its
    // `eslint-disable-next-line max-lines-per-function -- <reason>`. Tests and their suites are exempt.
    files: ['**/*.ts'],
    ignores: ['**/*.test.ts', '**/*Suite.ts', 'test/**'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // The twin dashboard's page script runs in the browser, as a classic script after ECharts.
    files: ['local/dashboard/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        ResizeObserver: 'readonly',
        Intl: 'readonly',
        echarts: 'readonly',
      },
    },
  },
  {
    // The mocked resource graph is untyped JSON by nature: Pulumi hands mocks and policies `any` inputs.
    files: [
      'tools/mockGraph.ts',
      'tools/plan.ts',
      'tools/plan.test.ts',
      'tools/workflow.test.ts',
      'test/program/*.ts',
      'policy/runLocal.ts',
      'policy/*.test.ts',
    ],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  layer(
    'kernel',
    ['functions', 'infra', 'tools', 'local', 'bench', 'policy', 'warehouse', 'test'],
    'kernel/ is the domain model: it imports nothing else of ours.',
  ),
  layer(
    'warehouse',
    ['functions', 'infra', 'tools', 'local', 'bench', 'policy', 'test'],
    'warehouse/ depends on kernel/ only.',
  ),
  layer(
    'functions',
    ['infra', 'tools', 'local', 'bench', 'policy', 'test'],
    'functions/ are the Lambda entry points: they depend on kernel/ and warehouse/ only.',
  ),
  layer(
    'infra',
    ['local', 'bench', 'policy', 'functions', 'test', 'tools'],
    'infra/ is the program: it depends on kernel/ and warehouse/, never on the handlers (only the packaging names them), the tools, the twin, the bench or the policy pack.',
    [],
    ['infra/lambdaPackaging.ts'],
  ),
  layer(
    'policy',
    ['infra', 'tools', 'local', 'bench', 'functions', 'warehouse', 'test'],
    'policy/ is the policy pack: it reads resources, and imports kernel/ only (the CLI compiles it from its own directory).',
  ),
  layer(
    'tools',
    ['local', 'bench', 'functions', 'test'],
    'tools/ run the program under mocks and the policy pack: they import the layers and policy/, never the twin, the bench, the handlers or the tests.',
  ),
  layer(
    'local',
    ['infra', 'tools', 'bench', 'policy', 'test'],
    'local/ (the twin) depends on kernel/, warehouse/ and functions/, on infra/ only for the packaging and on tools/ only for the shipped archives.',
    ['infra/lambdaPackaging', 'tools/shippedArchives'],
  ),
);
