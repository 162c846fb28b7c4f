// A timer trigger `schedule`: an NCRONTAB expression with seconds (`{second} {minute} {hour} {day} {month}
// {day-of-week}`, evaluated in UTC like the host without WEBSITE_TIME_ZONE) or a TimeSpan `hh:mm:ss` interval.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-expressions

import { CronExpressionParser } from 'cron-parser';
import { LocalRuntimeError } from './LocalRuntimeError';
import { parseTimeSpan } from './parseTimeSpan';

export class TimerSchedule {
  readonly #intervalMs: number | undefined;
  readonly #cron: string | undefined;

  constructor(readonly expression: string) {
    const interval = parseTimeSpan(expression);
    if (interval !== undefined) {
      if (interval <= 0)
        throw new LocalRuntimeError('invalid-binding', `Timer interval "${expression}" must be positive.`);
      this.#intervalMs = interval;
      return;
    }
    if (expression.trim().split(/\s+/).length !== 6) {
      throw new LocalRuntimeError(
        'invalid-binding',
        `Timer schedule "${expression}" must have six fields (seconds first) or be hh:mm:ss.`,
      );
    }
    try {
      CronExpressionParser.parse(expression, { tz: 'UTC' });
    } catch (error) {
      throw new LocalRuntimeError('invalid-binding', `Timer schedule "${expression}": ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#cron = expression;
  }

  next(after: Date): Date {
    if (this.#intervalMs !== undefined) return new Date(after.getTime() + this.#intervalMs);
    return CronExpressionParser.parse(this.#cron ?? '', { currentDate: after, tz: 'UTC' })
      .next()
      .toDate();
  }

  /** The host persists schedule status (for past-due detection) only for schedules at least a minute apart. */
  get isMinuteOrLonger(): boolean {
    const first = this.next(new Date());
    return this.next(first).getTime() - first.getTime() >= 60_000;
  }
}
