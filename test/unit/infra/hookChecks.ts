// Checks of the postdeploy hooks and of docs/deploy.md's account of them: every az call names the azd subscription
// and has its failure seen, the Windows hook quotes what cmd.exe would split, and the two hooks and the docs list the
// same steps with the same az commands.

import { readFileSync } from 'node:fs';
import path from 'node:path';

export const shHook = 'infra/hooks/postdeploy.sh';
export const ps1Hook = 'infra/hooks/postdeploy.ps1';
export const deployDoc = 'docs/deploy.md';

const read = (root: string, file: string) => readFileSync(path.join(root, file), 'utf8');

/** Lines with shell continuations (`\` at the end) joined, comments dropped, each with its 1-based line number. */
function commands(text: string, continuation: RegExp): { line: number; text: string }[] {
  const result: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/^\s*#.*$/, '');
    current = current
      ? { line: current.line, text: `${current.text} ${line.trim()}` }
      : { line: index + 1, text: line };
    if (continuation.test(line)) current.text = current.text.replace(continuation, '');
    else {
      result.push(current);
      current = undefined;
    }
  });
  return result;
}

const shCommands = (text: string) => commands(text, /\\\s*$/);
// PowerShell: a backtick continues a line, and so does an unclosed @( ... ) argument array.
const ps1Commands = (text: string) => commands(text, /(`\s*$)|(,\s*$)|(@\('[^)]*$)/);

/** A line that only prints (a message or a step title may well mention `az login`). */
const isMessage = (command: string) => /^\s*(echo|printf|Write-Host|Write-Warning|throw|step|Step)\b/.test(command);

/** Direct calls of the Azure CLI (not `command -v az`, not Get-Command). */
const rawAzCall = /(?:^|[\s;(|&!]|\$\()az\s+(?:"?\$@"?|@\w+|[a-z])/;

/** Every direct az call passes --subscription, and no failure is thrown away. */
export function hookCallProblems(root: string): string[] {
  const problems: string[] = [];
  for (const [file, list] of [
    [shHook, shCommands(read(root, shHook))],
    [ps1Hook, ps1Commands(read(root, ps1Hook))],
  ] as const) {
    for (const command of list) {
      if (!rawAzCall.test(command.text) || isMessage(command.text)) continue;
      if (/command -v az|Get-Command az/.test(command.text)) continue;
      const at = `${file}:${command.line}`;
      if (!/--subscription\s+"?\$/.test(command.text)) problems.push(`${at}: az is called without --subscription`);
      if (/\|\|\s*true|2>\s*\/dev\/null|2>\s*\$null/.test(command.text))
        problems.push(`${at}: az's error output or exit status is thrown away`);
    }
  }
  const ps1 = read(root, ps1Hook).split('\n');
  ps1.forEach((line, index) => {
    if (/&\s*az\s/.test(line) && !ps1.slice(index, index + 3).some((l) => l.includes('$LASTEXITCODE')))
      problems.push(`${ps1Hook}:${index + 1}: az's exit code is not checked ($LASTEXITCODE) right after the call`);
  });
  for (const [file, text] of [
    [shHook, read(root, shHook)],
    [ps1Hook, read(root, ps1Hook)],
  ] as const) {
    if (/\bopenssl\b/.test(text.replace(/^\s*#.*$/gm, '')))
      problems.push(`${file}: needs openssl, which few machines have`);
  }
  if (!/^set -eu/m.test(read(root, shHook))) problems.push(`${shHook}: does not stop on the first failure (set -eu)`);
  return problems;
}

/** On Windows, an argument holding '&' reaches az.cmd (run by cmd.exe) only with literal quotes around it. */
export function ps1QuotingProblems(root: string): string[] {
  const text = read(root, ps1Hook);
  const problems: string[] = [];
  const quoting = /function Format-AzArgument[\s\S]*?\n\}/.exec(text)?.[0] ?? '';
  if (!/Contains\('&'\)/.test(quoting) || !quoting.includes('"`"$value`""'))
    problems.push(`${ps1Hook}: Format-AzArgument does not wrap an argument holding '&' in quotes on Windows`);
  for (const match of text.matchAll(/\$(\w+)\s*=\s*"[^"\n]*&[^"\n]*"/g)) {
    const name = match[1] as string;
    const uses = [...text.matchAll(new RegExp(`\\$${name}\\b(?!\\s*=)`, 'g'))].map((m) => m.index ?? 0);
    for (const index of uses) {
      const before = text.slice(Math.max(0, index - 30), index);
      if (!/Format-AzArgument\s+$/.test(before))
        problems.push(`${ps1Hook}: $${name} holds '&' and is passed without Format-AzArgument`);
    }
  }
  return problems;
}

interface Step {
  title: string;
  azCommands: string[];
}

/** `step N 'title'` (sh) or `Step N 'title'` (ps1) sections, each with the az command names called in it. */
function hookSteps(text: string, kind: 'sh' | 'ps1'): Step[] {
  const marker = kind === 'sh' ? /^\s*step \d+ (['"])(.+)\1\s*$/gm : /^\s*Step \d+ (['"])(.+)\1\s*$/gm;
  const markers = [...text.matchAll(marker)];
  return markers.map((m, i) => {
    const body = text.slice((m.index ?? 0) + m[0].length, markers[i + 1]?.index ?? text.length);
    const names = new Set<string>();
    if (kind === 'sh') {
      for (const call of shCommands(body)) {
        if (isMessage(call.text)) continue;
        const words = /(?:^|[\s(])(?:az|azcli|azvault)\s+((?:[a-z][\w-]*\s+)*[a-z][\w-]*)/.exec(call.text)?.[1];
        if (words) names.add(`az ${words.trim()}`);
      }
    } else {
      for (const array of body.matchAll(/@\(((?:'[a-z][\w-]*',\s*)+)/g)) {
        const words = [...(array[1] as string).matchAll(/'([a-z][\w-]*)'/g)].map((w) => w[1]);
        names.add(`az ${words.join(' ')}`);
      }
    }
    return { title: m[2] as string, azCommands: [...names].sort() };
  });
}

/** The numbered list of docs/deploy.md's "What postdeploy does": `N. **Title.** text`. */
function documentedSteps(doc: string): { title: string; text: string }[] {
  const section = /^## .*What postdeploy does.*$([\s\S]*?)(?=^## )/m.exec(doc)?.[1] ?? '';
  return [...section.matchAll(/^\d+\. \*\*(.+?)\.\*\*([\s\S]*?)(?=^\d+\. |^\S|(?![\s\S]))/gm)].map((m) => ({
    title: m[1] as string,
    text: m[2] as string,
  }));
}

/** The hooks run the same steps, titled alike, with the same az commands; docs/deploy.md lists them all. */
export function hookDocsProblems(root: string): string[] {
  const sh = hookSteps(read(root, shHook), 'sh');
  const ps1 = hookSteps(read(root, ps1Hook), 'ps1');
  const docs = documentedSteps(read(root, deployDoc));
  const problems: string[] = [];
  if (sh.length === 0) problems.push(`${shHook}: no steps found`);
  const count = Math.max(sh.length, ps1.length, docs.length);
  for (let i = 0; i < count; i++) {
    const [a, b, d] = [sh[i], ps1[i], docs[i]];
    const n = i + 1;
    if (a?.title !== b?.title) problems.push(`step ${n}: "${a?.title}" in ${shHook}, "${b?.title}" in ${ps1Hook}`);
    if (a?.title !== d?.title) problems.push(`step ${n}: "${a?.title}" in ${shHook}, "${d?.title}" in ${deployDoc}`);
    if (a && b && a.azCommands.join() !== b.azCommands.join())
      problems.push(`step ${n}: ${shHook} runs ${a.azCommands.join(', ')}; ${ps1Hook} runs ${b.azCommands.join(', ')}`);
    for (const command of a?.azCommands ?? [])
      if (d && !d.text.includes(`\`${command}`)) problems.push(`step ${n}: ${deployDoc} does not name \`${command}\``);
  }
  return problems;
}
