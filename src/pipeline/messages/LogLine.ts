// A structured log line a use case decided on; the entry point writes it with `context.info` / `context.warn` as
// one JSON object, so the keys (event, outcome, code...) are the same wherever the line is read.

export interface LogLine {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
}
