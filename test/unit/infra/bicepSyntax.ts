// Bicep read with a real grammar: tree-sitter-bicep (a prebuilt parser from npm, no download at run time). No Bicep
// compiler installs offline here, so names and types are not resolved; this parses every file exactly and lets the
// checks follow declarations, modules and their parameters through the syntax tree instead of text patterns.
// The native parser runs in a child process: a native addon loaded by two Jest test files in one worker breaks the
// second (each file has its own module registry, the addon only one state), so trees come back as plain data.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The part of tree-sitter's node API the checks use, over a tree parsed in the child process. */
export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  parent: SyntaxNode | null = null;
  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly text: string,
    readonly startPosition: { row: number },
    readonly field: string | null,
  ) {}

  get namedChildren(): SyntaxNode[] {
    return this.children.filter((c) => c.isNamed);
  }

  get previousNamedSibling(): SyntaxNode | null {
    const siblings = this.parent?.namedChildren ?? [];
    return siblings[siblings.indexOf(this) - 1] ?? null;
  }

  childForFieldName(field: string): SyntaxNode | null {
    return this.children.find((c) => c.field === field) ?? null;
  }
}

type Encoded = [string, 0 | 1, 0 | 1, number, number, number, string | null, Encoded[]];

// Runs in the child: parses each file named on stdin and prints its tree, node by node, as nested arrays.
const parseScript = `
const [parserPath, grammarPath] = process.argv.slice(1);
const Parser = require(parserPath);
const parser = new Parser();
parser.setLanguage(require(grammarPath));
const fs = require('fs');
const encode = (n, field) => {
  const children = [];
  for (let i = 0; i < n.childCount; i++) children.push(encode(n.child(i), n.fieldNameForChild(i)));
  return [n.type, n.isNamed ? 1 : 0, n.isMissing ? 1 : 0, n.startIndex, n.endIndex, n.startPosition.row, field || null,
    children];
};
const out = {};
for (const file of JSON.parse(fs.readFileSync(0, 'utf8'))) {
  const text = fs.readFileSync(file, 'utf8');
  // A string over 32 KB overflows the native parser's input buffer; a callback has no limit.
  out[file] = encode(parser.parse((i) => text.slice(i, i + 4096)).rootNode, null);
}
process.stdout.write(JSON.stringify(out));
`;

function decode(encoded: Encoded, source: Buffer, parent: SyntaxNode | null): SyntaxNode {
  const [type, named, missing, start, end, row, field, children] = encoded;
  // tree-sitter counts bytes, not UTF-16 code units.
  const node = new SyntaxNode(
    type,
    named === 1,
    missing === 1,
    source.subarray(start, end).toString('utf8'),
    { row },
    field,
  );
  node.parent = parent;
  for (const child of children) node.children.push(decode(child, source, node));
  return node;
}

const cache = new Map<string, SyntaxNode>();

/** Parses the files (absolute paths) in one child process; trees are cached by content. */
function parseFiles(files: string[], sources: Buffer[]): SyntaxNode[] {
  // Same text, same tree: a mutated copy of the project re-parses only the file that was changed.
  const keys = files.map((_, i) => sources[i]?.toString('utf8') ?? '');
  const missing = files.filter((_, i) => !cache.has(keys[i] as string));
  if (missing.length > 0) {
    const result = spawnSync(
      process.execPath,
      ['-e', parseScript, require.resolve('tree-sitter'), require.resolve('tree-sitter-bicep')],
      { input: JSON.stringify(missing), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
    );
    if (result.status !== 0) throw new Error(`parsing Bicep failed: ${result.stderr}`);
    const trees = JSON.parse(result.stdout) as Record<string, Encoded>;
    files.forEach((file, i) => {
      const tree = trees[file];
      if (tree) cache.set(keys[i] as string, decode(tree, sources[i] as Buffer, null));
    });
  }
  return keys.map((key) => cache.get(key) as SyntaxNode);
}

export interface BicepFile {
  /** Relative to the project root, with forward slashes. */
  file: string;
  root: SyntaxNode;
}

/** Parses the given files of a project (all of infra/ by default) at once. */
export function parseProject(projectRoot: string, files = bicepFiles(projectRoot)): BicepFile[] {
  const absolute = files.map((file) => path.join(projectRoot, file));
  const roots = parseFiles(
    absolute,
    absolute.map((file) => readFileSync(file)),
  );
  return files.map((file, i) => ({ file, root: roots[i] as SyntaxNode }));
}

export function parseBicep(projectRoot: string, file: string): BicepFile {
  return parseProject(projectRoot, [file])[0] as BicepFile;
}

/** Every .bicep file under infra/, relative to the project root. */
export function bicepFiles(projectRoot: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(path.join(projectRoot, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return walk(relative);
      return entry.name.endsWith('.bicep') ? [relative] : [];
    });
  return walk('infra').sort();
}

export function where(file: BicepFile, node: SyntaxNode): string {
  return `${file.file}:${node.startPosition.row + 1}`;
}

export function descendants(node: SyntaxNode, type: string): SyntaxNode[] {
  const found: SyntaxNode[] = [];
  const visit = (n: SyntaxNode) => {
    if (n.type === type) found.push(n);
    for (const child of n.namedChildren) visit(child);
  };
  visit(node);
  return found;
}

/** The text of a string literal without interpolation; undefined for anything else. */
export function literal(node: SyntaxNode | null | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  if (node.namedChildren.some((c) => c.type !== 'string_content' && c.type !== 'escape_sequence')) return undefined;
  return node.text.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\');
}

/** Key of an object property: an identifier or a quoted name. */
export function propertyKey(property: SyntaxNode): string {
  const key = property.namedChildren[0];
  return literal(key) ?? key?.text ?? '';
}

/** The properties of an object literal, by key, each to its value node. */
export function objectProperties(object: SyntaxNode | null | undefined): Map<string, SyntaxNode> {
  const properties = new Map<string, SyntaxNode>();
  for (const property of object?.namedChildren ?? []) {
    if (property.type !== 'object_property') continue;
    const value = property.namedChildren[property.namedChildren.length - 1];
    if (value) properties.set(propertyKey(property), value);
  }
  return properties;
}

function declarations(file: BicepFile, type: string): SyntaxNode[] {
  return file.root.namedChildren.filter((n) => n.type === type);
}

function declaredName(node: SyntaxNode): string {
  return node.namedChildren.find((c) => c.type === 'identifier')?.text ?? '';
}

/** The decorators written just before a declaration (`@allowed([...])`, `@description('...')`). */
function decoratorsOf(node: SyntaxNode): Map<string, SyntaxNode | undefined> {
  const previous = node.previousNamedSibling;
  const found = new Map<string, SyntaxNode | undefined>();
  if (previous?.type !== 'decorators') return found;
  for (const call of descendants(previous, 'call_expression')) {
    if (call.parent?.type !== 'decorator') continue;
    const name = call.childForFieldName('function')?.text ?? '';
    found.set(name, call.childForFieldName('arguments')?.namedChildren[0]);
  }
  return found;
}

export interface BicepParam {
  node: SyntaxNode;
  hasDefault: boolean;
  /** `@allowed([...])` values when they are all string literals. */
  allowed?: string[];
}

export function params(file: BicepFile): Map<string, BicepParam> {
  const found = new Map<string, BicepParam>();
  for (const node of declarations(file, 'parameter_declaration')) {
    const named = node.namedChildren;
    const hasDefault = named.length > 2 || (named.length === 2 && named[1]?.type !== 'type');
    const allowedNode = decoratorsOf(node).get('allowed');
    const allowed = allowedNode?.namedChildren.map((item) => literal(item) ?? `<${item.text}>`);
    found.set(declaredName(node), { node, hasDefault, ...(allowed ? { allowed } : {}) });
  }
  return found;
}

export function outputs(file: BicepFile): Map<string, SyntaxNode> {
  return new Map(declarations(file, 'output_declaration').map((node) => [declaredName(node), node]));
}

/** `var name = value`: the value node. */
export function variable(file: BicepFile, name: string): SyntaxNode | undefined {
  const node = declarations(file, 'variable_declaration').find((n) => declaredName(n) === name);
  return node?.namedChildren[node.namedChildren.length - 1];
}

export interface ModuleUse {
  node: SyntaxNode;
  symbol: string;
  /** The module file, relative to the project root; undefined for a registry or template-spec reference. */
  target: string | undefined;
  params: Map<string, SyntaxNode>;
}

export function modules(file: BicepFile): ModuleUse[] {
  return declarations(file, 'module_declaration').map((node) => {
    const source = literal(node.namedChildren[1]) ?? '';
    // The body is the object after `=`, possibly inside `if (...)` or `[for ...: {...}]`.
    const body = descendants(node, 'object').find((o) => o.parent === node || o.parent?.type !== 'object_property');
    const local = !/^(br|ts)[:/]/.test(source);
    return {
      node,
      symbol: declaredName(node),
      target: local ? path.posix.normalize(path.posix.join(path.posix.dirname(file.file), source)) : undefined,
      params: objectProperties(objectProperties(body).get('params')),
    };
  });
}

/** `symbol.outputs.name` references anywhere in the file. */
export function moduleOutputReferences(file: BicepFile): { symbol: string; output: string; node: SyntaxNode }[] {
  return descendants(file.root, 'member_expression').flatMap((node) => {
    const inner = node.childForFieldName('object');
    if (inner?.type !== 'member_expression' || inner.childForFieldName('property')?.text !== 'outputs') return [];
    const symbol = inner.childForFieldName('object');
    if (symbol?.type !== 'identifier') return [];
    return [{ symbol: symbol.text, output: node.childForFieldName('property')?.text ?? '', node }];
  });
}
