// The directory has no user with the message's object id (deleted since, or never ours). Shaped as the Graph 404 it
// stands for, so the writers' failure rules record it as the permanent `user-not-found`.

import type { M365Failure } from './writeDecisions';

export class UserNotInDirectoryError extends Error implements M365Failure {
  readonly service = 'graph';
  readonly status = 404;
  readonly code = 'Request_ResourceNotFound';
  readonly retryable = false;

  constructor(public readonly userId: string) {
    super(`The directory has no user with object id ${userId}.`);
    this.name = 'UserNotInDirectoryError';
  }
}
