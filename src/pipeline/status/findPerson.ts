// HR types a name, a UPN, an Entra object id or an employee id; the page needs exactly one person. Nobody and
// several people are answers too, each with a sentence HR can act on, and never a guess (the same rule as ingest).

import type { PeopleSearchPort, StatusPerson } from './StatusPorts';

export type FindPersonResult =
  | { kind: 'found'; person: StatusPerson }
  | { kind: 'none'; message: string }
  | { kind: 'many'; people: StatusPerson[]; message: string }
  | { kind: 'invalid'; message: string };

const objectIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const upnPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Candidates shown when a name matches several people; more than this asks for a longer name. */
export const MAX_CANDIDATES = 10;

export async function findPerson(query: string, people: PeopleSearchPort): Promise<FindPersonResult> {
  const text = query.trim();
  if (text.length < 2 || text.length > 256) {
    return {
      kind: 'invalid',
      message: 'Type at least two characters: a name, an e-mail address (UPN) or an employee id.',
    };
  }
  if (objectIdPattern.test(text)) return oneOrNone(await people.findUserById(text), text);
  if (upnPattern.test(text)) return oneOrNone(await people.findUserByPrincipalName(text), text);
  const byEmployeeId = /^[\w-]+$/.test(text) ? await people.findUsersByEmployeeId(text) : [];
  const candidates = byEmployeeId.length > 0 ? byEmployeeId : await people.searchByName(text, MAX_CANDIDATES + 1);
  if (candidates.length === 0) return oneOrNone(undefined, text);
  const [only] = candidates;
  if (candidates.length === 1 && only) return { kind: 'found', person: only };
  const more = candidates.length > MAX_CANDIDATES;
  return {
    kind: 'many',
    people: candidates.slice(0, MAX_CANDIDATES),
    message: more
      ? `More than ${MAX_CANDIDATES} people match "${text}": type more of the name, or their e-mail address.`
      : `${candidates.length} people match "${text}": pick one.`,
  };
}

function oneOrNone(person: StatusPerson | undefined, text: string): FindPersonResult {
  return person
    ? { kind: 'found', person }
    : {
        kind: 'none',
        message: `Nobody in the directory matches "${text}". Check the spelling, or try their e-mail address.`,
      };
}
