// The hardening checks pass on the repository and each fails when the protection it looks for is taken out.

import { containers } from '../../../src/storage/names';
import {
  basicAuthProblems,
  blobAuditProblems,
  deployDocProblems,
  keyVaultProblems,
  photoStorageProblems,
  retentionProblems,
} from './hardeningChecks';
import { copyProject, type ProjectCopy } from './projectCopy';
import { repoRoot } from './readInfra';

let copy: ProjectCopy;
beforeEach(() => {
  copy = copyProject();
});
afterEach(() => copy.remove());

describe('Key Vault keeps the certificate even from an owner: purge protection', () => {
  it('is on in the repository', () => {
    expect(keyVaultProblems(repoRoot)).toEqual([]);
  });

  it('is missed when taken out', () => {
    copy.edit('infra/core/security/keyVault.bicep', 'enablePurgeProtection: true', 'enablePurgeProtection: false');
    expect(keyVaultProblems(copy.root)).toEqual([
      expect.stringMatching(/keyVault\.bicep:\d+: Key Vault vault does not set enablePurgeProtection: true/),
    ]);
  });
});

describe('the function app takes no publishing passwords (SCM and FTP basic auth off)', () => {
  it('holds in the repository', () => {
    expect(basicAuthProblems(repoRoot)).toEqual([]);
  });

  it('is missed when SCM basic auth is allowed', () => {
    copy.edit(
      'infra/app/functionApp.bicep',
      "name: 'scm'\n  properties: { allow: false }",
      "name: 'scm'\n  properties: { allow: true }",
    );
    expect(basicAuthProblems(copy.root)).toEqual([
      expect.stringMatching(/functionApp\.bicep:\d+: functionApp allows SCM basic auth/),
    ]);
  });
});

describe('photos are kept only as long as documented', () => {
  it('the lifecycle rules cover archive, rejected and superseded renditions', () => {
    expect(retentionProblems(repoRoot, containers)).toEqual([]);
  });

  it('is missed when the rejected originals are no longer deleted', () => {
    copy.edit(
      'infra/main.bicep',
      'rejectedContainerName: rejectedContainerName\n    archiveRetentionDays',
      'rejectedContainerName: archiveContainerName\n    archiveRetentionDays',
    );
    expect(retentionProblems(copy.root, containers)).toEqual([
      `no lifecycle rule deletes old blobs of ${containers.rejected}`,
    ]);
  });

  it("is missed when renditions are deleted by age, a person's current one included", () => {
    copy.edit('infra/app/photoRetention.bicep', /\n\s*blobIndexMatch: \[[^\]]*\]/, '');
    expect(retentionProblems(copy.root, containers)).toEqual([
      `a lifecycle rule deletes renditions in ${containers.processed} by age alone`,
    ]);
  });

  it('each limit is documented with its default', () => {
    expect(deployDocProblems(repoRoot)).toEqual([]);
    copy.edit('docs/deploy.md', '| 30 days | `rejectedRetentionDays` |', '| a month | `rejectedRetentionDays` |');
    expect(deployDocProblems(copy.root)).toEqual([
      'docs/deploy.md does not document rejectedRetentionDays (30 days) in its retention table',
    ]);
  });
});

describe('each upload is tied to its uploader', () => {
  it('blob writes go to Log Analytics with the caller', () => {
    expect(blobAuditProblems(repoRoot)).toEqual([]);
  });

  it('is missed when the write log is off', () => {
    copy.edit(
      'infra/core/storage/storageAccount.bicep',
      "{ category: 'StorageWrite', enabled: true }",
      "{ category: 'StorageWrite', enabled: false }",
    );
    expect(blobAuditProblems(copy.root)).toEqual([
      'no diagnostic setting sends blob writes (StorageWrite) to Log Analytics',
    ]);
  });

  it('docs/deploy.md says what the upload right means', () => {
    copy.edit('docs/deploy.md', "the right to set **anyone's** photo", 'the right to upload photos');
    expect(deployDocProblems(copy.root)).toEqual([
      'docs/deploy.md does not say what the upload right means and how to see who uploaded',
    ]);
  });
});

describe('the deploy docs never leave a private key readable or on disk', () => {
  it('the certificate is created in Key Vault', () => {
    copy.edit('docs/deploy.md', /az keyvault certificate create/g, 'az keyvault certificate import');
    expect(deployDocProblems(copy.root)).toEqual(['docs/deploy.md does not create the certificate in Key Vault']);
  });

  it('a key file is written under umask 077', () => {
    copy.edit(
      'docs/deploy.md',
      'umask 077                                            # key files readable by you alone\n',
      '',
    );
    expect(deployDocProblems(copy.root)).toEqual([
      expect.stringMatching(/"--file \.local\/photo-sync\.pem .*" runs without umask 077 before it/),
    ]);
  });

  it('a key file is deleted once imported', () => {
    copy.edit('docs/deploy.md', /^rm -f \.local\/photo-sync\.pem .*\n/m, '');
    expect(deployDocProblems(copy.root)).toEqual([
      'docs/deploy.md: .local/photo-sync.pem holds a private key and is never deleted',
    ]);
  });

  it('the settings file with the function key is written under umask 077', () => {
    copy.edit(
      'docs/deploy.md',
      'umask 077                                            # the settings file holds',
      '# the settings file holds',
    );
    expect(deployDocProblems(copy.root).join('\n')).toMatch(
      /"cp local\.settings\.example\.json \.local\/prod\.settings\.json.*" runs without umask 077/,
    );
  });
});

describe("the photos have a storage account of their own, apart from the Functions host's", () => {
  it('holds in the repository', () => {
    expect(photoStorageProblems(repoRoot)).toEqual([]);
  });

  it('is missed when the photo containers go back into the host account', () => {
    copy.edit(
      'infra/main.bicep',
      'containerNames: [deploymentContainerName]',
      'containerNames: concat(photoContainerNames, [deploymentContainerName])',
    );
    expect(photoStorageProblems(copy.root)).toEqual([
      expect.stringMatching(/expected one storage account with the photo containers and one without, found 2 and 0/),
    ]);
  });

  it("is missed when HR's rights or the Event Grid topic are put on the host account", () => {
    copy.edit(
      'infra/main.bicep',
      'storageAccountName: photoStorage.outputs.name\n    incomingContainerName',
      'storageAccountName: storage.outputs.name\n    incomingContainerName',
    );
    expect(photoStorageProblems(copy.root)).toEqual([
      expect.stringMatching(/main\.bicep:\d+: hrAccess is not on the photos' account \(storage\.outputs\.name\)/),
    ]);
  });

  it('is missed when the app reaches photos through the host account', () => {
    copy.edit(
      'infra/app/functionApp.bicep',
      'PhotoStorage__blobServiceUri: photoStorage.properties',
      'PhotoStorage__blobServiceUri: storage.properties',
    );
    expect(photoStorageProblems(copy.root)).toEqual([
      expect.stringMatching(/PhotoStorage__blobServiceUri is not the photos account blob endpoint/),
    ]);
  });

  it("is missed when the app may not write the trigger's poison reports in the photos account", () => {
    copy.edit(
      'infra/app/rbac.bicep',
      'roles.storageQueueDataContributor)\n  scope: photoStorage',
      'roles.storageQueueDataContributor)\n  scope: storage',
    );
    expect(photoStorageProblems(copy.root)).toEqual([
      expect.stringMatching(/rbac\.bicep: the app has no Storage Queue Data Contributor on the photos account/),
    ]);
  });

  it("is missed when the trigger's poison reports would go to the host account", () => {
    copy.edit(
      'infra/app/functionApp.bicep',
      'PhotoStorage__queueServiceUri: photoStorage.properties',
      'PhotoStorage__queueServiceUri: storage.properties',
    );
    expect(photoStorageProblems(copy.root)).toEqual([
      expect.stringMatching(/PhotoStorage__queueServiceUri is not the photos account queue endpoint/),
    ]);
  });
});
