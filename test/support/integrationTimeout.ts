// Jest reads `testTimeout` only from the root configuration, not from a project, so the integration project sets
// its longer timeout here (jest.config.js `setupFilesAfterEnv`): these tests start Azurite, the emulator and the host.
jest.setTimeout(120_000);
