// The status page's directory search over Graph: one person by object id, UPN or employee id, several by the start
// of their name. Uncached on purpose (unlike GraphDirectory for ingest): HR looking someone up wants the directory
// as it is now, and a page view is one or two requests.

import type { PeopleSearchPort, StatusPerson } from '../pipeline/status/StatusPorts';
import type { GraphClient, GraphUser } from './GraphClient';

function toPerson(user: GraphUser): StatusPerson {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    ...(user.displayName !== undefined ? { displayName: user.displayName } : {}),
    ...(user.employeeId !== undefined ? { employeeId: user.employeeId } : {}),
    ...(user.mail !== undefined ? { mail: user.mail } : {}),
  };
}

export class GraphPeopleSearch implements PeopleSearchPort {
  constructor(private readonly graph: Pick<GraphClient, 'getUser' | 'findUsersByEmployeeId' | 'searchUsersByName'>) {}

  async findUserById(id: string): Promise<StatusPerson | undefined> {
    const user = await this.graph.getUser(id);
    return user ? toPerson(user) : undefined;
  }

  async findUserByPrincipalName(userPrincipalName: string): Promise<StatusPerson | undefined> {
    const user = await this.graph.getUser(userPrincipalName);
    return user && user.userPrincipalName.toLowerCase() === userPrincipalName.toLowerCase()
      ? toPerson(user)
      : undefined;
  }

  async findUsersByEmployeeId(employeeId: string): Promise<StatusPerson[]> {
    return (await this.graph.findUsersByEmployeeId(employeeId)).map(toPerson);
  }

  async searchByName(text: string, limit: number): Promise<StatusPerson[]> {
    return (await this.graph.searchUsersByName(text, limit)).map(toPerson);
  }
}
