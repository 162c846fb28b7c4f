// Console output of the local runtime: one structured line per invocation and per host event, plus the app's
// `context.log` lines tagged with function name and invocation id. Never message bodies or setting values.

export type HostLogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HostLogger {
  log(level: HostLogLevel, message: string, fields?: Record<string, string | number | boolean | undefined>): void;
}

const rank: Record<HostLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

function formatValue(value: string | number | boolean): string {
  const text = String(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

export function createConsoleHostLogger(options: { minLevel?: HostLogLevel } = {}): HostLogger {
  const min = rank[options.minLevel ?? 'info'];
  return {
    log(level, message, fields = {}) {
      if (rank[level] < min) return;
      const time = new Date().toISOString().slice(11, 23);
      const pairs = Object.entries(fields)
        .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
        .map(([key, value]) => `${key}=${formatValue(value)}`);
      const line = [time, level.toUpperCase().padEnd(5), message, ...pairs].join(' ');
      if (level === 'error') console.error(line);
      else if (level === 'warn') console.warn(line);
      else console.log(line);
    },
  };
}
