// Preloaded into the Azurite child process (`node --require`, see azurite.ts): makes the LokiJS that Azurite loads
// use its indexes for lookups and removals (lokiIndexUse.ts says why; nothing Azurite answers changes).

import path from 'node:path';
import { useLokiIndexes, type LokiModule } from './lokiIndexUse';

// The LokiJS that Azurite itself loads (resolved from Azurite's folder, not ours).
const azuriteDir = path.dirname(require.resolve('azurite/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
useLokiIndexes(require(require.resolve('lokijs', { paths: [azuriteDir] })) as LokiModule);
