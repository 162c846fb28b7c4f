// Two projects: `unit` needs nothing but Node; `integration` starts Azurite, the Microsoft 365 emulator and the
// local Functions runtime itself (see test/support) and fails, never skips, when it cannot.
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
    // jose 6 is ESM-only and Jest on Node 20 cannot require(esm): compile it to CommonJS like our own code.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  // The Azure Functions worker supplies `@azure/functions-core` at run time; locally our runtime does.
  moduleNameMapper: { '^@azure/functions-core$': '<rootDir>/dev/runtime/functionsCore.ts' },
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  setupFiles: ['<rootDir>/test/support/noExporterSelfTelemetry.ts'],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      // A project-level `testTimeout` is ignored by Jest; this file sets it for the integration tests.
      setupFilesAfterEnv: ['<rootDir>/test/support/integrationTimeout.ts'],
    },
  ],
};
