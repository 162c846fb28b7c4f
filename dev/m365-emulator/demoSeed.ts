// The demo tenant: Contoso users with employee ids, one user licensed for SharePoint but without an Exchange Online
// mailbox, one whose mailbox is still on-premises, and initial photos (generated, never shipped) for some users.

import sharp from 'sharp';
import type { MailboxKind, Tenant } from './Tenant';

export interface DemoUserSpec {
  givenName: string;
  surname: string;
  employeeId: string;
  jobTitle: string;
  mailbox?: MailboxKind;
  photoColour?: string;
}

export const demoUsers: DemoUserSpec[] = [
  { givenName: 'Adele', surname: 'Vance', employeeId: 'E1001', jobTitle: 'Retail Manager', photoColour: '#3a7bd5' },
  {
    givenName: 'Alex',
    surname: 'Wilber',
    employeeId: 'E1002',
    jobTitle: 'Marketing Assistant',
    photoColour: '#d53a6b',
  },
  { givenName: 'Diego', surname: 'Siciliani', employeeId: 'E1003', jobTitle: 'HR Manager' },
  { givenName: 'Grady', surname: 'Archie', employeeId: 'E1004', jobTitle: 'Designer', photoColour: '#3ad57b' },
  { givenName: 'Isaiah', surname: 'Langer', employeeId: 'E1005', jobTitle: 'Sales Rep' },
  { givenName: 'Johanna', surname: 'Lorenz', employeeId: 'E1006', jobTitle: 'Senior Engineer' },
  { givenName: 'Lee', surname: 'Gu', employeeId: 'E1007', jobTitle: 'Director', mailbox: 'none' },
  { givenName: 'Megan', surname: 'Bowen', employeeId: 'E1008', jobTitle: 'Marketing Manager', mailbox: 'onPremises' },
];

export async function seedDemoTenant(tenant: Tenant): Promise<void> {
  for (const spec of demoUsers) {
    const upn = `${spec.givenName}.${spec.surname}@${tenant.userDomain}`.toLowerCase();
    const user = tenant.addUser({
      displayName: `${spec.givenName} ${spec.surname}`,
      givenName: spec.givenName,
      surname: spec.surname,
      userPrincipalName: upn,
      // Users without an Exchange Online mailbox have no primary SMTP address in Entra.
      mail: spec.mailbox === 'none' ? null : upn,
      employeeId: spec.employeeId,
      jobTitle: spec.jobTitle,
      mailbox: spec.mailbox ?? 'exchangeOnline',
    });
    if (spec.photoColour) {
      const bytes = await sharp({ create: { width: 648, height: 648, channels: 3, background: spec.photoColour } })
        .jpeg({ quality: 80 })
        .toBuffer();
      // There before anyone looked: no read-after-write window.
      tenant.setPhoto(user, { bytes, width: 648, height: 648 }, { lagged: false });
    }
  }
}
