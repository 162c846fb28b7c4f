// What the host reports about each invocation (events on LocalFunctionsHost, used by tests and `npm start`).

export type TriggerInfo =
  | { kind: 'blob'; container: string; blobName: string; etag: string; attempt: number }
  | { kind: 'queue'; queueName: string; messageId: string; dequeueCount: number }
  | { kind: 'http'; method: string; path: string }
  | { kind: 'timer'; isPastDue: boolean; manual: boolean };

export interface InvocationStartedEvent {
  functionName: string;
  invocationId: string;
  trigger: TriggerInfo;
  startedAt: Date;
}

export interface InvocationCompletedEvent extends InvocationStartedEvent {
  outcome: 'succeeded' | 'failed';
  error?: Error;
  durationMs: number;
}

export interface LocalFunctionsHostEvents {
  invocationStarted: [InvocationStartedEvent];
  invocationCompleted: [InvocationCompletedEvent];
}

/** One-line description of a trigger for logs: names and ids only, never payloads. */
export function describeTrigger(trigger: TriggerInfo): string {
  switch (trigger.kind) {
    case 'blob':
      return `blob:${trigger.container}/${trigger.blobName}#${trigger.attempt}`;
    case 'queue':
      return `queue:${trigger.queueName}/${trigger.messageId}#${trigger.dequeueCount}`;
    case 'http':
      return `http:${trigger.method} ${trigger.path}`;
    case 'timer':
      return `timer:${trigger.manual ? 'manual' : trigger.isPastDue ? 'past-due' : 'schedule'}`;
  }
}
