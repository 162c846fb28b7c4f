// Checks of the deployment files that need no compiler and no Azure account. Each takes a project root (the repo,
// or a mutated copy in a test) and returns the problems it found, one readable line each: empty means it passed.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ignore from 'ignore';
import { parse as parseYaml } from 'yaml';
import {
  descendants,
  literal,
  moduleOutputReferences,
  modules,
  outputs,
  params,
  parseBicep,
  parseProject,
  where,
  type BicepFile,
} from './bicepSyntax';
import { builtInRoles, builtInRolesSource } from './builtInRoles';

/** Every .bicep file parses without an error or a missing token. */
export function syntaxProblems(root: string): string[] {
  return parseProject(root).flatMap((file) => {
    const bad: string[] = [];
    const visit = (node: BicepFile['root']) => {
      if (node.type === 'ERROR' || node.isMissing) {
        bad.push(`${where(file, node)}: syntax error at "${node.text.slice(0, 40) || node.type}"`);
        return;
      }
      for (const child of node.children) visit(child);
    };
    visit(file.root);
    return bad;
  });
}

/**
 * Modules and the files they name agree: the file exists, every parameter passed is declared there, every declared
 * parameter without a default is passed, and every `module.outputs.x` read is an output of that file.
 */
export function moduleProblems(root: string): string[] {
  const problems: string[] = [];
  for (const file of parseProject(root)) {
    const used = modules(file);
    for (const use of used) {
      if (!use.target) continue;
      if (!existsSync(path.join(root, use.target))) {
        problems.push(`${where(file, use.node)}: module ${use.symbol} names ${use.target}, which does not exist`);
        continue;
      }
      const declared = params(parseBicep(root, use.target));
      for (const [name, value] of use.params)
        if (!declared.has(name))
          problems.push(`${where(file, value)}: module ${use.symbol} passes ${name}, not a parameter of ${use.target}`);
      for (const [name, param] of declared)
        if (!param.hasDefault && !use.params.has(name))
          problems.push(
            `${where(file, use.node)}: module ${use.symbol} does not pass ${name}, required by ${use.target}`,
          );
    }
    const targets = new Map(used.map((u) => [u.symbol, u.target]));
    for (const ref of moduleOutputReferences(file)) {
      const target = targets.get(ref.symbol);
      if (!target || !existsSync(path.join(root, target))) continue;
      if (!outputs(parseBicep(root, target)).has(ref.output))
        problems.push(`${where(file, ref.node)}: ${ref.symbol}.outputs.${ref.output} is not an output of ${target}`);
    }
  }
  return problems;
}

const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const normalise = (name: string) => name.toLowerCase().replace(/[^a-z]/g, '');

/**
 * Every GUID in the templates is a role definition id named after its role (`keyVaultSecretsUser: '…'` or
 * `var storageBlobDataReader = '…'`), and is the id Microsoft documents for that built-in role.
 */
export function roleDefinitionProblems(root: string): string[] {
  const byName = new Map(Object.entries(builtInRoles).map(([name, id]) => [normalise(name), { name, id }]));
  const problems: string[] = [];
  for (const file of parseProject(root)) {
    for (const node of descendants(file.root, 'string')) {
      const value = literal(node);
      if (!value || !guidPattern.test(value)) continue;
      const holder = node.parent;
      const label =
        holder?.type === 'object_property' || holder?.type === 'variable_declaration'
          ? (holder.namedChildren[0]?.text ?? '')
          : '';
      const role = byName.get(normalise(label));
      if (!role) {
        problems.push(
          `${where(file, node)}: ${value} is not named after a built-in role of the table in builtInRoles.ts ` +
            `(add the role with its id from ${builtInRolesSource})`,
        );
      } else if (value.toLowerCase() !== role.id) {
        problems.push(`${where(file, node)}: ${role.name} is ${value}; Microsoft documents ${role.id}`);
      }
    }
  }
  return problems;
}

interface AzureYaml {
  services?: Record<string, { project?: string; host?: string; remoteBuild?: boolean }>;
}

/**
 * A function service built remotely ships neither node_modules (azd refuses, and older azd uploads binaries of the
 * wrong OS) nor dist/ (the remote build compiles it; a stale local file could register a removed function).
 */
export function remoteBuildProblems(root: string): string[] {
  const azureYaml = parseYaml(readFileSync(path.join(root, 'azure.yaml'), 'utf8')) as AzureYaml;
  const problems: string[] = [];
  for (const [name, service] of Object.entries(azureYaml.services ?? {})) {
    if (service.host !== 'function' || service.remoteBuild !== true) continue;
    const funcignorePath = path.join(root, service.project ?? '.', '.funcignore');
    if (!existsSync(funcignorePath)) {
      problems.push(`service ${name}: remoteBuild is true but ${path.relative(root, funcignorePath)} is missing`);
      continue;
    }
    const rules = ignore().add(readFileSync(funcignorePath, 'utf8'));
    for (const folder of ['node_modules/', 'dist/'])
      if (!rules.ignores(folder))
        problems.push(`service ${name}: remoteBuild is true but .funcignore does not exclude ${folder}`);
  }
  return problems;
}
