// A real directory in memory for unit tests: it answers from its own data with Graph's matching rules (UPN
// case-insensitive, object id exact, employeeId equality), so it can disagree with the code under test.

import type { DirectoryPort, DirectoryUser } from '../../src/pipeline/ingest/DirectoryPort';

export class DirectoryUnavailableError extends Error {
  readonly code = 'directory-unavailable';
  readonly retryable = true;
  constructor() {
    super('The directory is unavailable (injected fault).');
    this.name = 'DirectoryUnavailableError';
  }
}

export class InMemoryDirectory implements DirectoryPort {
  readonly users: DirectoryUser[] = [];
  /** Lookups that fail before answering, as Graph does when throttled or down. */
  failuresToInject = 0;

  add(user: DirectoryUser): DirectoryUser {
    this.users.push(user);
    return user;
  }

  #answer<T>(value: T): Promise<T> {
    if (this.failuresToInject > 0) {
      this.failuresToInject -= 1;
      return Promise.reject(new DirectoryUnavailableError());
    }
    return Promise.resolve(value);
  }

  findUserById(id: string): Promise<DirectoryUser | undefined> {
    return this.#answer(this.users.find((u) => u.id.toLowerCase() === id.toLowerCase()));
  }

  findUserByPrincipalName(userPrincipalName: string): Promise<DirectoryUser | undefined> {
    return this.#answer(this.users.find((u) => u.userPrincipalName.toLowerCase() === userPrincipalName.toLowerCase()));
  }

  findUsersByEmployeeId(employeeId: string): Promise<DirectoryUser[]> {
    return this.#answer(this.users.filter((u) => u.employeeId === employeeId));
  }
}
