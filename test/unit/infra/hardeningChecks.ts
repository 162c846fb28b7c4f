// Checks of the hardening the templates and docs/deploy.md promise (issue 14, "Keys and retention", "Audit and
// hardening"): purge protection, no publishing passwords, retention rules for every photo container that keeps
// personal data, the blob audit, and docs that never leave a private key readable or undeleted.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  descendants,
  literal,
  modules,
  objectProperties,
  params,
  parseBicep,
  parseProject,
  variable,
  where,
  type BicepFile,
  type SyntaxNode,
} from './bicepSyntax';

interface Resource {
  file: BicepFile;
  node: SyntaxNode;
  symbol: string;
  type: string;
  body: Map<string, SyntaxNode>;
}

/** Resources declared (not `existing`) in every template. */
function resources(root: string): Resource[] {
  return parseProject(root).flatMap((file) =>
    descendants(file.root, 'resource_declaration')
      .filter((node) => !node.children.some((c) => c.type === 'existing'))
      .map((node) => {
        const object = node.namedChildren.find((c) => c.type === 'object');
        return {
          file,
          node,
          symbol: node.namedChildren[0]?.text ?? '',
          type: (literal(node.namedChildren[1]) ?? '').split('@')[0] ?? '',
          body: objectProperties(object),
        };
      }),
  );
}

const propertyOf = (resource: Resource, name: string) => objectProperties(resource.body.get('properties')).get(name);

export function keyVaultProblems(root: string): string[] {
  return resources(root)
    .filter((r) => r.type === 'Microsoft.KeyVault/vaults')
    .flatMap((vault) =>
      ['enableSoftDelete', 'enablePurgeProtection']
        .filter((name) => propertyOf(vault, name)?.text !== 'true')
        .map((name) => `${where(vault.file, vault.node)}: Key Vault ${vault.symbol} does not set ${name}: true`),
    );
}

/** Every function or web app refuses its publishing user name and password, for SCM and for FTP. */
export function basicAuthProblems(root: string): string[] {
  const all = resources(root);
  return all
    .filter((r) => r.type === 'Microsoft.Web/sites')
    .flatMap((site) =>
      ['scm', 'ftp']
        .filter(
          (kind) =>
            !all.some(
              (p) =>
                p.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies' &&
                p.body.get('parent')?.text === site.symbol &&
                literal(p.body.get('name')) === kind &&
                propertyOf(p, 'allow')?.text === 'false',
            ),
        )
        .map((kind) => `${where(site.file, site.node)}: ${site.symbol} allows ${kind.toUpperCase()} basic auth`),
    );
}

/** The value main.bicep gives a module's parameter, when it is a string variable or literal of main.bicep. */
function mainValueOf(root: string, target: string, param: string): string | undefined {
  const main = parseBicep(root, 'infra/main.bicep');
  const value = modules(main)
    .find((m) => m.target === target)
    ?.params.get(param);
  if (!value) return undefined;
  return value.type === 'identifier' ? literal(variable(main, value.text)) : literal(value);
}

interface RetentionRule {
  container: string | undefined;
  deletes: boolean;
  byTag: boolean;
}

/** Lifecycle rules by the container their prefix names (`'${someContainerParam}/'`, resolved through main.bicep). */
function retentionRules(root: string): RetentionRule[] {
  return resources(root)
    .filter((r) => r.type === 'Microsoft.Storage/storageAccounts/managementPolicies')
    .flatMap((policy) => {
      const rules = objectProperties(propertyOf(policy, 'policy')).get('rules');
      return (rules?.namedChildren ?? []).map((rule) => {
        const definition = objectProperties(objectProperties(rule).get('definition'));
        const filters = objectProperties(definition.get('filters'));
        const prefix = filters.get('prefixMatch')?.namedChildren[0];
        const parameter = prefix && /^'\$\{(\w+)\}\/'$/.exec(prefix.text)?.[1];
        const container = parameter ? mainValueOf(root, policy.file.file, parameter) : undefined;
        const actions = definition.get('actions')?.text ?? '';
        return { container, deletes: /\bdelete:/.test(actions), byTag: filters.has('blobIndexMatch') };
      });
    });
}

/** Archived and rejected originals expire; renditions expire only when tagged (a person's current one is kept). */
export function retentionProblems(root: string, containers: { archive: string; rejected: string; processed: string }) {
  const rules = retentionRules(root);
  const problems: string[] = [];
  for (const container of [containers.archive, containers.rejected, containers.processed]) {
    const rule = rules.find((r) => r.container === container);
    if (!rule?.deletes) problems.push(`no lifecycle rule deletes old blobs of ${container}`);
  }
  const processed = rules.filter((r) => r.container === containers.processed);
  if (processed.some((r) => !r.byTag))
    problems.push(`a lifecycle rule deletes renditions in ${containers.processed} by age alone`);
  return problems;
}

/** Each blob write is logged with its caller, to the workspace: the audit of who uploaded which photo. */
export function blobAuditProblems(root: string): string[] {
  const audits = resources(root).filter(
    (r) =>
      r.type === 'Microsoft.Insights/diagnosticSettings' &&
      /blobServices$/.test(r.body.get('scope')?.text ?? '') &&
      /category: 'StorageWrite', enabled: true/.test(propertyOf(r, 'logs')?.text ?? '') &&
      propertyOf(r, 'workspaceId') !== undefined,
  );
  return audits.length > 0 ? [] : ['no diagnostic setting sends blob writes (StorageWrite) to Log Analytics'];
}

/** Shell blocks of a markdown file, each as its lines. */
function shellBlocks(markdown: string): string[][] {
  return [...markdown.matchAll(/^```(?:sh|bash)\n([\s\S]*?)^```/gm)].map((m) => (m[1] as string).split('\n'));
}

/**
 * docs/deploy.md creates the certificate in Key Vault; any command that puts a key or the settings file under .local
 * runs after `umask 077`, and a key written to disk is deleted; the upload right and retention are explained.
 */
export function deployDocProblems(root: string): string[] {
  const doc = readFileSync(path.join(root, 'docs/deploy.md'), 'utf8');
  const problems: string[] = [];
  if (!doc.includes('az keyvault certificate create'))
    problems.push('docs/deploy.md does not create the certificate in Key Vault');
  for (const block of shellBlocks(doc)) {
    block.forEach((line, index) => {
      if (!/\.local\/\S*(\.pem|\.key|settings\.json)/.test(line)) return;
      if (/^\s*rm\b/.test(line)) return;
      if (!block.slice(0, index).some((l) => /^\s*umask 077\b/.test(l)))
        problems.push(`docs/deploy.md: "${line.trim()}" runs without umask 077 before it`);
    });
  }
  for (const key of new Set([...doc.matchAll(/\.local\/[\w.-]+\.(?:pem|key)\b/g)].map((m) => m[0])))
    if (!new RegExp(`^\\s*rm\\b.*${key.replace(/\./g, '\\.')}`, 'm').test(doc))
      problems.push(`docs/deploy.md: ${key} holds a private key and is never deleted`);
  const upload = /^### What the upload right means$([\s\S]*?)^##/m.exec(doc)?.[1] ?? '';
  if (!/anyone's/i.test(upload) || !upload.includes('StorageBlobLogs'))
    problems.push('docs/deploy.md does not say what the upload right means and how to see who uploaded');
  for (const [name, param] of params(parseBicep(root, 'infra/main.bicep'))) {
    if (!name.endsWith('RetentionDays')) continue;
    const days = param.node.namedChildren[2]?.text;
    const row = doc.split('\n').find((line) => line.startsWith('|') && line.includes(`\`${name}\``));
    if (!row || !new RegExp(`\\b${days} days\\b`).test(row))
      problems.push(`docs/deploy.md does not document ${name} (${days} days) in its retention table`);
  }
  return problems;
}

/**
 * The photos live in a storage account of their own (issue 14: "photo access never includes the host's keys"): the
 * photo containers, their Event Grid topic, lifecycle rules and HR's rights are on it, the host's account holds none
 * of them, and the app reaches it through the PhotoStorage__* settings, never through AzureWebJobsStorage.
 */
export function photoStorageProblems(root: string): string[] {
  const main = parseBicep(root, 'infra/main.bicep');
  const uses = modules(main);
  const accounts = uses.filter((m) => m.target === 'infra/core/storage/storageAccount.bicep');
  const photos = accounts.filter((m) => m.params.get('containerNames')?.text.includes('photoContainerNames'));
  const host = accounts.filter((m) => !photos.includes(m));
  if (photos.length !== 1 || host.length !== 1) {
    return [
      `expected one storage account with the photo containers and one without, found ${photos.length} and ${host.length}`,
    ];
  }
  const photoName = `${photos[0]?.symbol}.outputs.name`;
  const hostName = `${host[0]?.symbol}.outputs.name`;
  const problems: string[] = [];
  const onPhotos = ['infra/app/photoRetention.bicep', 'infra/app/hrAccess.bicep', 'infra/app/eventGridTopic.bicep'];
  for (const use of uses.filter((m) => onPhotos.includes(m.target ?? ''))) {
    const account = use.params.get('storageAccountName')?.text;
    if (account !== photoName)
      problems.push(`${where(main, use.node)}: ${use.symbol} is not on the photos' account (${account})`);
  }
  for (const use of uses.filter(
    (m) => m.target === 'infra/app/functionApp.bicep' || m.target === 'infra/app/rbac.bicep',
  )) {
    if (use.params.get('photoStorageAccountName')?.text !== photoName)
      problems.push(`${where(main, use.node)}: ${use.symbol} does not get the photos' account`);
    if (use.params.get('storageAccountName')?.text !== hostName)
      problems.push(`${where(main, use.node)}: ${use.symbol} does not get the host's account as storageAccountName`);
  }
  const app = readFileSync(path.join(root, 'infra/app/functionApp.bicep'), 'utf8');
  const setting = (name: string) => new RegExp(`^\\s*${name}: (.+)$`, 'm').exec(app)?.[1] ?? '';
  if (!/^photoStorage\.properties\.primaryEndpoints\.blob$/.test(setting('PhotoStorage__blobServiceUri')))
    problems.push('functionApp.bicep: PhotoStorage__blobServiceUri is not the photos account blob endpoint');
  if (!/^photoStorage\.properties\.primaryEndpoints\.queue$/.test(setting('PhotoStorage__queueServiceUri')))
    problems.push('functionApp.bicep: PhotoStorage__queueServiceUri is not the photos account queue endpoint');
  // The blob trigger writes its poison reports to a queue in its connection's account, the photos'.
  const rbac = readFileSync(path.join(root, 'infra/app/rbac.bicep'), 'utf8');
  const queueRoleOnPhotos =
    /name: guid\(photoStorage\.id, appPrincipalId, roles\.storageQueueDataContributor\)\s+scope: photoStorage\s/;
  if (!queueRoleOnPhotos.test(rbac))
    problems.push('rbac.bicep: the app has no Storage Queue Data Contributor on the photos account');
  if (!/name: photoStorageAccountName/.test(app))
    problems.push('functionApp.bicep: the photoStorage resource is not the account named photoStorageAccountName');
  return problems;
}
