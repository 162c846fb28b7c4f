// Answers `require('@azure/functions-core')`, the module the Azure Functions Node worker provides at run time.
// The `@azure/functions` library calls `setProgrammingModel`, `registerFunction(metadata, handler)` and
// `registerHook` on it while the app's files load, so recording those calls gives the local runtime the exact
// `app.*` registrations Azure runs: no second wiring of triggers to drift apart.
// Jest maps the module name here (jest.config.js); elsewhere `installFunctionsCoreResolver` does.

import type {
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  HookName,
  ProgrammingModel,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';

/** The worker version this module stands in for (the one that added `log` and HTTP streaming checks). */
export const version = '3.12.0-local';
export const hostVersion = '4.1040.0-local';

export interface RegisteredFunction {
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  /** Absolute path of the file whose `app.*` call registered the function (found from the call stack). */
  sourceFile: string | undefined;
}

export class Disposable {
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  static from(...items: { dispose: () => unknown }[]): Disposable {
    return new Disposable(() => items.forEach((item) => item.dispose()));
  }
  dispose(): void {
    this.#callOnDispose?.();
    this.#callOnDispose = undefined;
  }
}

export type SystemLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

// The worker's core API is process-wide by nature (the library caches the module it requires), so the registry is
// module state: each jest test file gets its own copy through jest's module registry.
const functions = new Map<string, RegisteredFunction>();
const hooks: { name: HookName; callback: HookCallback }[] = [];
let programmingModel: ProgrammingModel | undefined;
let systemLogSink: SystemLogSink = (level, _category, message) => {
  if (level === 'error' || level === 'critical' || level === 'warning') console.warn(`[functions] ${message}`);
};

function callerFile(): string | undefined {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back unchanged in `finally`
  const previous = Error.prepareStackTrace;
  const previousLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 30;
    Error.prepareStackTrace = (_error, frames) => frames;
    const frames = new Error().stack as unknown as NodeJS.CallSite[];
    // The first frame outside this file and outside the @azure/functions package is the app's `app.*` call.
    for (const frame of frames) {
      const file = frame.getFileName();
      if (!file || file === __filename || file.startsWith('node:')) continue;
      if (/[\\/]node_modules[\\/]@azure[\\/]functions[\\/]/.test(file)) continue;
      return file.startsWith('file://') ? new URL(file).pathname : file;
    }
    return undefined;
  } finally {
    Error.prepareStackTrace = previous;
    Error.stackTraceLimit = previousLimit;
  }
}

export function registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
  if (functions.has(metadata.name)) {
    // Same rule as the worker: function names are unique within an app.
    throw new Error(`A function with name "${metadata.name}" has already been registered.`);
  }
  functions.set(metadata.name, { metadata, callback, sourceFile: callerFile() });
  return new Disposable(() => functions.delete(metadata.name));
}

export function registerHook(name: HookName, callback: HookCallback): Disposable {
  const entry = { name, callback };
  hooks.push(entry);
  return new Disposable(() => {
    const index = hooks.indexOf(entry);
    if (index >= 0) hooks.splice(index, 1);
  });
}

export function setProgrammingModel(model: ProgrammingModel): void {
  programmingModel = model;
}

export function getProgrammingModel(): ProgrammingModel {
  if (!programmingModel) {
    throw new Error('No programming model: no file has called an `app.*` registration from "@azure/functions" yet.');
  }
  return programmingModel;
}

export function log(level: RpcLogLevel, category: RpcLogCategory, message: string): void {
  systemLogSink(level, category, message);
}

// ---- Used by the local host only (the library never calls these). ----

export function registeredFunctions(): RegisteredFunction[] {
  return [...functions.values()];
}

export function hooksNamed(name: HookName): HookCallback[] {
  return hooks.filter((h) => h.name === name).map((h) => h.callback);
}

export function setSystemLogSink(sink: SystemLogSink): void {
  systemLogSink = sink;
}
