// Projects so the fast unit tests can run alone (`npm run test:unit`) and the
// deploy cycle against the local emulator (`npm run test:deploy`, about a
// minute and a half) can too; `npm test` runs them all, integration and deploy in one run on two
// workers (docs/testing.md says why). @swc/jest strips types without type-checking, so the
// huge @cdktf/provider-aws typings are never checked per file: `tsc --noEmit`
// (a step of `npm test`) is the one type check.
const swcTransform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
};

const shared = {
  testEnvironment: 'node',
  transform: swcTransform,
  setupFilesAfterEnv: ['<rootDir>/__tests__/setup.ts'],
  // The package's own name, as examples/ and consumers import it (tsconfig.json "paths" too).
  moduleNameMapper: { '^guarded-serverless-stack$': '<rootDir>/constructs/index.ts' },
};

/**
 * Tests that start the TypeScript compiler, type-aware ESLint or a dynalite server. They live beside
 * the code they test (tests mirror the source path), but their cost is the integration tier's: the
 * unit tier stays pure, and `__tests__/ci/test-tiers.test.ts` fails when a unit test starts one.
 */
const NOT_UNIT = [
  '__tests__/lambdas/seed-fixtures.test.ts',
  '__tests__/lambdas/api.test.ts',
  '__tests__/lambdas/table-client.test.ts',
  '__tests__/lambdas/workflow-steps.test.ts',
];

module.exports = {
  // Temp folders of the whole run live in one folder, removed at the end (__tests__/global-setup.cjs).
  globalSetup: '<rootDir>/__tests__/global-setup.cjs',
  globalTeardown: '<rootDir>/__tests__/global-teardown.cjs',
  reporters: ['default', '<rootDir>/scripts/summary-reporter.js'],
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: [
        '<rootDir>/__tests__/constructs/**/*.test.ts',
        '<rootDir>/__tests__/lambdas/**/*.test.ts',
        '<rootDir>/__tests__/config/**/*.test.ts',
        '<rootDir>/__tests__/stacks/**/*.test.ts',
        '<rootDir>/__tests__/scripts/**/*.test.ts',
        '<rootDir>/__tests__/ci/**/*.test.ts',
        '<rootDir>/__tests__/docs/**/*.test.ts',
        '<rootDir>/__tests__/bench/**/*.test.ts',
      ],
      testPathIgnorePatterns: ['/node_modules/', ...NOT_UNIT.map((file) => `<rootDir>/${file.replaceAll('.', '\\.')}$`)],
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/integration/**/*.test.ts', ...NOT_UNIT.map((file) => `<rootDir>/${file}`)],
    },
    {
      ...shared,
      displayName: 'deploy',
      testMatch: ['<rootDir>/__tests__/deploy/**/*.test.ts'],
    },
  ],
};
