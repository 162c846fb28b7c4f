// The deployment checks pass on the repository, and each fails on a copy broken the way a real defect would break
// it (the four defects of issue 12 among them), so a check that stopped looking would be noticed.

import { allowedValueProblems, appSettingProblems } from './appSettingChecks';
import { hookCallProblems, hookDocsProblems, ps1QuotingProblems } from './hookChecks';
import { copyProject, type ProjectCopy } from './projectCopy';
import { repoRoot } from './readInfra';
import { moduleProblems, remoteBuildProblems, roleDefinitionProblems, syntaxProblems } from './templateChecks';

let copy: ProjectCopy;
beforeEach(() => {
  copy = copyProject();
});
afterEach(() => copy.remove());

describe('every .bicep file parses with the Bicep grammar', () => {
  it('passes on the repository', () => {
    expect(syntaxProblems(repoRoot)).toEqual([]);
  });

  it('fails on a missing brace, naming the file and line', () => {
    copy.edit(
      'infra/app/rbac.bicep',
      "principalType: 'ServicePrincipal'\n  }\n}\n",
      "principalType: 'ServicePrincipal'\n  }\n",
    );
    const problems = syntaxProblems(copy.root);
    expect(problems).not.toEqual([]);
    expect(problems.filter((p) => !/^infra\/app\/rbac\.bicep:\d+: syntax error at /.test(p))).toEqual([]);
  });

  it('fails on an unterminated string', () => {
    copy.edit('infra/core/security/keyVault.bicep', "name: 'standard'", "name: 'standard");
    expect(syntaxProblems(copy.root).join('\n')).toMatch(/keyVault\.bicep:\d+: syntax error/);
  });
});

describe('modules and the files they name agree', () => {
  it('passes on the repository', () => {
    expect(moduleProblems(repoRoot)).toEqual([]);
  });

  it('fails when a module passes a parameter the file does not declare', () => {
    copy.edit('infra/main.bicep', 'maximumInstanceCount: maximumInstanceCount', 'maxInstances: maximumInstanceCount');
    expect(moduleProblems(copy.root)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/passes maxInstances, not a parameter of infra\/app\/functionApp\.bicep/),
      ]),
    );
  });

  it('fails when a required parameter is not passed', () => {
    copy.edit('infra/main.bicep', /\n {4}m365ClientId: m365ClientId/, '');
    expect(moduleProblems(copy.root)).toEqual([
      expect.stringMatching(
        /module functionApp does not pass m365ClientId, required by infra\/app\/functionApp\.bicep/,
      ),
    ]);
  });

  it('fails when an output read through a module is not declared', () => {
    copy.edit('infra/core/monitor/monitoring.bicep', 'output logAnalyticsId string', 'output workspaceId string');
    // Read twice: by the host's storage account and by the photos'.
    const missing = expect.stringMatching(
      /monitoring\.outputs\.logAnalyticsId is not an output of infra\/core\/monitor\/monitoring\.bicep/,
    ) as unknown;
    expect(moduleProblems(copy.root)).toEqual([missing, missing]);
  });
});

describe("role definition ids are Microsoft's documented built-in ids", () => {
  it('passes on the repository', () => {
    expect(roleDefinitionProblems(repoRoot)).toEqual([]);
  });

  it('fails on the Key Vault Certificates Officer id that stopped provisioning (issue 12, defect 1)', () => {
    copy.edit('infra/app/rbac.bicep', '7b0420556985', '7b0420b3c2e6');
    expect(roleDefinitionProblems(copy.root)).toEqual([
      expect.stringMatching(
        /rbac\.bicep:\d+: Key Vault Certificates Officer is a4417e6f-fecd-4de8-b567-7b0420b3c2e6; Microsoft documents a4417e6f-fecd-4de8-b567-7b0420556985/,
      ),
    ]);
  });

  it('fails on a role id not named after a built-in role', () => {
    copy.edit('infra/app/hrAccess.bicep', 'var storageBlobDataReader =', 'var readerRole =');
    expect(roleDefinitionProblems(copy.root).join('\n')).toMatch(/hrAccess\.bicep:\d+: 2a2b9908-.* is not named after/);
  });
});

describe('a remote build ships neither node_modules nor dist', () => {
  it('passes on the repository', () => {
    expect(remoteBuildProblems(repoRoot)).toEqual([]);
  });

  it('fails when .funcignore keeps node_modules (issue 12, defect 2)', () => {
    copy.edit('.funcignore', /^node_modules\/\n/m, '');
    expect(remoteBuildProblems(copy.root)).toEqual([
      'service photosync: remoteBuild is true but .funcignore does not exclude node_modules/',
    ]);
  });

  it('fails when .funcignore keeps dist', () => {
    copy.edit('.funcignore', /^dist\/\n/m, '');
    expect(remoteBuildProblems(copy.root)).toEqual([
      'service photosync: remoteBuild is true but .funcignore does not exclude dist/',
    ]);
  });
});

describe('every setting the code needs is set by infra or defaulted', () => {
  it('passes on the repository', () => {
    expect(appSettingProblems(repoRoot, repoRoot)).toEqual([]);
  });

  it('fails when a required setting is dropped from the app settings', () => {
    copy.edit('infra/app/functionApp.bicep', /\n {2}M365_CLIENT_ID: m365ClientId/, '');
    expect(appSettingProblems(copy.root, repoRoot)).toEqual([
      expect.stringMatching(/functionApp\.bicep: src\/config\.ts refuses the app settings: M365_CLIENT_ID/),
    ]);
  });

  it('fails when a setting is given a value the code refuses', () => {
    copy.edit('infra/app/functionApp.bicep', "SHAREPOINT_MYSITE_URL: 'https://", "SHAREPOINT_MYSITE_URL: 'http://");
    expect(appSettingProblems(copy.root, repoRoot).join('\n')).toMatch(/SHAREPOINT_MYSITE_URL/);
  });
});

describe('@allowed never refuses a value the app accepts', () => {
  it('passes on the repository', () => {
    expect(allowedValueProblems(repoRoot)).toEqual([]);
  });

  it("fails on syncTargets' old list, which refused 'sharepoint,exchange'", () => {
    copy.edit(
      'infra/main.bicep',
      'param syncTargets string',
      "@allowed(['exchange,sharepoint', 'exchange', 'sharepoint'])\nparam syncTargets string",
    );
    expect(allowedValueProblems(copy.root)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/syncTargets refuses "sharepoint,exchange", which SYNC_TARGETS accepts/),
      ]),
    );
  });

  it('fails when @allowed lets through a value the app refuses', () => {
    copy.edit(
      'infra/main.bicep',
      'param photoAuthority string',
      "@allowed(['user', 'hr', 'manager'])\nparam photoAuthority string",
    );
    expect(allowedValueProblems(copy.root)).toEqual(
      expect.arrayContaining([expect.stringMatching(/photoAuthority allows "manager", refused by the app/)]),
    );
  });
});

describe('postdeploy hooks', () => {
  it('pass on the repository', () => {
    expect([...hookCallProblems(repoRoot), ...ps1QuotingProblems(repoRoot), ...hookDocsProblems(repoRoot)]).toEqual([]);
  });

  it('fail when the Windows hook passes the webhook URL unquoted (issue 12, defect 3)', () => {
    copy.edit('infra/hooks/postdeploy.ps1', '(Format-AzArgument $endpoint)', '$endpoint');
    expect(ps1QuotingProblems(copy.root)).toEqual([
      "infra/hooks/postdeploy.ps1: $endpoint holds '&' and is passed without Format-AzArgument",
    ]);
  });

  it("fail when the Windows hook does not check az's exit code (issue 12, defect 3)", () => {
    copy.edit('infra/hooks/postdeploy.ps1', /\n\s*if \(\$LASTEXITCODE -ne 0\)[^\n]*/, '');
    expect(hookCallProblems(copy.root).join('\n')).toMatch(/postdeploy\.ps1:\d+: az's exit code is not checked/);
  });

  it('fail when an az call does not name the subscription (issue 12, defect 4)', () => {
    copy.edit(
      'infra/hooks/postdeploy.sh',
      'keys list -g "$rg" -n "$app" --query "systemKeys.blobs_extension" -o tsv \\\n    --subscription "$subscription" --only-show-errors',
      'keys list -g "$rg" -n "$app" --query "systemKeys.blobs_extension" -o tsv',
    );
    expect(hookCallProblems(copy.root).join('\n')).toMatch(/postdeploy\.sh:\d+: az is called without --subscription/);
  });

  it('fail when an az error is swallowed (issue 12, defect 4)', () => {
    copy.edit(
      'infra/hooks/postdeploy.sh',
      '--only-show-errors 2>"$work/err"); then',
      '--only-show-errors 2>/dev/null || true); then',
    );
    expect(hookCallProblems(copy.root).join('\n')).toMatch(
      /postdeploy\.sh:\d+: az's error output or exit status is thrown away/,
    );
  });

  it('fail when a hook needs openssl', () => {
    copy.edit('infra/hooks/postdeploy.sh', "od -An -N32 -tx1 /dev/urandom | tr -d ' \\n'", 'openssl rand -hex 32');
    expect(hookCallProblems(copy.root)).toEqual(['infra/hooks/postdeploy.sh: needs openssl, which few machines have']);
  });

  it('fail when docs/deploy.md and the hooks disagree on a step', () => {
    copy.edit(
      'docs/deploy.md',
      '**Restart the function app so it reads its Key Vault references.**',
      '**Restart the app.**',
    );
    expect(hookDocsProblems(copy.root)).toEqual([
      'step 7: "Restart the function app so it reads its Key Vault references" in infra/hooks/postdeploy.sh, "Restart the app" in docs/deploy.md',
    ]);
  });

  it('fail when the two hooks run different az commands in a step', () => {
    copy.edit('infra/hooks/postdeploy.ps1', "@('functionapp', 'restart',", "@('functionapp', 'stop',");
    expect(hookDocsProblems(copy.root)).toEqual([
      expect.stringMatching(
        /^step 7: infra\/hooks\/postdeploy\.sh runs az functionapp restart; .* runs az functionapp stop$/,
      ),
    ]);
  });

  it('fail when docs/deploy.md does not name an az command a step runs', () => {
    copy.edit('docs/deploy.md', '`az functionapp restart`', 'a restart');
    expect(hookDocsProblems(copy.root)).toEqual(['step 7: docs/deploy.md does not name `az functionapp restart`']);
  });
});
