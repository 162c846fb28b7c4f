// Microsoft's documented ids of the built-in roles the templates assign. A role id is the same GUID in every
// subscription and tenant, so a typo is not a configuration choice: the assignment fails and `azd provision` stops.
// Source: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (sections Storage, Security,
// Monitor), checked against `az role definition list --query "[].{name:name, roleName:roleName}"` output quoted in
// public templates.
export const builtInRolesSource = 'https://learn.microsoft.com/azure/role-based-access-control/built-in-roles';

export const builtInRoles: Readonly<Record<string, string>> = {
  'Storage Blob Data Owner': 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  'Storage Blob Data Contributor': 'ba92f5b4-2d11-453d-a403-e96b0029c9fe',
  'Storage Blob Data Reader': '2a2b9908-6ea1-4ae2-8e65-a410df84e7d1',
  'Storage Queue Data Contributor': '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  'Storage Table Data Contributor': '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  'Key Vault Secrets User': '4633458b-17de-408a-b874-0445c86b69e6',
  'Key Vault Secrets Officer': 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7',
  'Key Vault Certificates Officer': 'a4417e6f-fecd-4de8-b567-7b0420556985',
  'Monitoring Metrics Publisher': '3913510d-42f4-4e42-8a64-420c390055eb',
};
