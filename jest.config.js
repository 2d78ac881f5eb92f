// Jest runs in native ESM mode (`node --experimental-vm-modules`): oidc-provider 9, jose 6 and
// openid-client 6 are ESM-only. @swc/jest strips types without the TypeScript compiler API.
const transform = {
  '^.+\\.ts$': ['@swc/jest', {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  }],
};
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  setupFilesAfterEach: undefined,
};
delete common.setupFilesAfterEach;

export default {
  testTimeout: 60_000,
  // Reporters are global in jest: the conformance reporter keeps only test/conformance/ results
  // (module → passed / failed / skipped table, reports/conformance.{json,md}).
  reporters: ['default', '<rootDir>/test/conformance/support/reporter.js'],
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/test/conformance/'] },
    { ...common, displayName: 'conformance', testMatch: ['<rootDir>/test/conformance/**/*.test.ts'] },
  ],
};
