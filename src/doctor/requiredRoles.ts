// The application permissions the pipeline needs, per resource, and how to grant them. Graph and SharePoint are
// separate resources in Entra: each token carries only the roles consented for its own resource.
// Graph: https://learn.microsoft.com/graph/api/profilephoto-update (ProfilePhoto.ReadWrite.All, least privileged),
// deleting a photo (HR's removal): https://learn.microsoft.com/graph/api/profilephoto-delete (User.ReadWrite.All only),
// users: https://learn.microsoft.com/graph/api/user-get (User.Read.All).
// SharePoint: app-only REST with Sites.FullControl.All; another user's profile properties need User.ReadWrite.All.

export type RoleResource = 'graph' | 'sharepoint';

export interface RoleRequirement {
  resource: RoleResource;
  /** Any one of these satisfies the requirement; the first is the one to grant (the least privileged). */
  anyOf: string[];
  why: string;
}

export function requiredRoles(targets: {
  exchange: boolean;
  sharePoint: boolean;
  protectedAccounts?: boolean;
}): RoleRequirement[] {
  const roles: RoleRequirement[] = [
    {
      resource: 'graph',
      anyOf: ['User.Read.All', 'User.ReadWrite.All'],
      why: 'find users by UPN, object id or employee id',
    },
  ];
  if (targets.protectedAccounts) {
    // checkMemberGroups needs a group-read role beside the user-read one (directoryobject-checkmembergroups).
    roles.push({
      resource: 'graph',
      anyOf: ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All'],
      why: 'check membership of the protected-accounts group (PROTECTED_ACCOUNTS_GROUP_ID)',
    });
  }
  if (targets.exchange) {
    roles.push({
      resource: 'graph',
      anyOf: ['ProfilePhoto.ReadWrite.All', 'User.ReadWrite.All'],
      why: 'write photos to Exchange, Outlook and Teams',
    });
    roles.push({
      resource: 'graph',
      anyOf: ['User.ReadWrite.All'],
      why: 'delete photos HR removes (Graph accepts no lesser permission)',
    });
  }
  if (targets.sharePoint) {
    roles.push(
      { resource: 'sharepoint', anyOf: ['Sites.FullControl.All'], why: 'upload thumbnails to the My Site host' },
      { resource: 'sharepoint', anyOf: ['User.ReadWrite.All'], why: "set PictureURL on people's profiles" },
    );
  }
  return roles;
}

const apiName: Record<RoleResource, string> = { graph: 'Microsoft Graph', sharepoint: 'SharePoint' };

export function grantFix(resource: RoleResource, roles: string[], clientId: string): string {
  return (
    `Entra admin center > App registrations > ${clientId} > API permissions > Add a permission > ${apiName[resource]} ` +
    `> Application permissions: ${roles.join(', ')}; then "Grant admin consent" (docs/deploy.md, step 2).`
  );
}
