// The directory as ingest sees it: a tiny port, so identity resolution stays pure and testable, and the Graph
// adapter (src/m365) plugs in behind it.

export interface DirectoryUser {
  /** Entra object id. */
  id: string;
  userPrincipalName: string;
  employeeId?: string | null;
  /** Mailbox address; absent for users without an Exchange Online mailbox. */
  mail?: string | null;
}

export interface DirectoryPort {
  /** The user with this object id, or undefined when there is none. */
  findUserById(id: string): Promise<DirectoryUser | undefined>;
  /** The user with this UPN (case-insensitive), or undefined when there is none. */
  findUserByPrincipalName(userPrincipalName: string): Promise<DirectoryUser | undefined>;
  /** Every user whose employeeId equals this value: zero, one, or (a data problem HR must fix) several. */
  findUsersByEmployeeId(employeeId: string): Promise<DirectoryUser[]>;
}
