// The composition root: the one place that turns configuration into SDK clients and adapters, once per process and
// lazily (a function that never runs never needs its settings). Function entry points ask it for what they need;
// tests build the same adapters around Azurite and the Microsoft 365 emulator.

import { getConfig } from './config';
import { createStorageClients, type StorageClients } from './storage/storageClients';

let storageClients: StorageClients | undefined;

export function getStorageClients(): StorageClients {
  storageClients ??= createStorageClients(getConfig().storage);
  return storageClients;
}
