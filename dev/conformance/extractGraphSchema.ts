// Extracts the part of Microsoft Graph v1.0's published description that the product's Graph calls touch, from the
// CSDL in microsoftgraph/msgraph-metadata (the source its OpenAPI files are generated from), into a small JSON
// fixture the emulator's conformance test reads. Run it against a clone of that repository when Microsoft updates
// the description; the fixture names the commit it came from, so a change shows up as a reviewable diff.
//
//   npm run build && node dist/dev/conformance/extractGraphSchema.js <msgraph-metadata git dir> [commit]
//
// Only data is committed (the fixture and the repository's MIT licence text beside it), never the 3 MB CSDL.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';

const CSDL_FILE = 'schemas/v1.0-Prod.csdl';
const NAMESPACE = 'microsoft.graph';
const OUTPUT = path.join(__dirname, '../../../test/fixtures/conformance/graph-v1.0.json');

/**
 * The types behind every Graph answer the product reads or receives: users (GET /users, /users/{id}, $select, with
 * their licences), the
 * photo metadata (GET /users/{id}/photo, also inside $batch), subscriptions (POST/PATCH/GET /subscriptions), the
 * notifications Graph POSTs to our webhook, and the error body.
 */
const ROOT_TYPES = [
  'entity',
  'directoryObject',
  'user',
  'assignedLicense',
  'profilePhoto',
  'subscription',
  'changeNotificationCollection',
  'changeNotification',
  'changeNotificationEncryptedContent',
  'resourceData',
  'publicErrorResponse',
  'publicError',
  'publicErrorDetail',
  'publicInnerError',
];
const ENUM_TYPES = ['changeType', 'lifecycleEventType'];
const ENTITY_SETS = ['users', 'subscriptions'];
const NAVIGATION = [{ type: 'user', name: 'photo' }];

type XmlNode = Record<string, unknown>;

export interface SchemaProperty {
  type: string;
  nullable: boolean;
}

export interface SchemaType {
  kind: 'entity' | 'complex';
  baseType?: string;
  abstract?: boolean;
  openType?: boolean;
  hasStream?: boolean;
  properties: Record<string, SchemaProperty>;
}

function list(value: unknown): XmlNode[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/** `graph.user` and `Collection(graph.user)` → `microsoft.graph.user`, `Collection(microsoft.graph.user)`. */
function qualify(typeName: string): string {
  const collection = /^Collection\((.+)\)$/.exec(typeName);
  if (collection?.[1]) return `Collection(${qualify(collection[1])})`;
  return typeName.startsWith('graph.') ? `${NAMESPACE}.${typeName.slice('graph.'.length)}` : typeName;
}

function attr(node: XmlNode, name: string): string | undefined {
  const value = node[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

function toType(node: XmlNode, kind: SchemaType['kind']): SchemaType {
  const properties: Record<string, SchemaProperty> = {};
  for (const property of list(node.Property)) {
    const name = attr(property, 'Name');
    const type = attr(property, 'Type');
    if (!name || !type) throw new Error(`A property without Name or Type in ${attr(node, 'Name') ?? '?'}`);
    // CSDL: Nullable defaults to true.
    properties[name] = { type: qualify(type), nullable: attr(property, 'Nullable') !== 'false' };
  }
  const baseType = attr(node, 'BaseType');
  return {
    kind,
    ...(baseType ? { baseType: qualify(baseType) } : {}),
    ...(attr(node, 'Abstract') === 'true' ? { abstract: true } : {}),
    ...(attr(node, 'OpenType') === 'true' ? { openType: true } : {}),
    ...(attr(node, 'HasStream') === 'true' ? { hasStream: true } : {}),
    properties,
  };
}

export function extractGraphSchema(csdl: string) {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });
  const document = parser.parse(csdl) as XmlNode;
  const services = (document['edmx:Edmx'] as XmlNode)['edmx:DataServices'] as XmlNode;
  const schema = list(services.Schema).find((s) => attr(s, 'Namespace') === NAMESPACE);
  if (!schema) throw new Error(`No ${NAMESPACE} schema in the CSDL`);
  const byName = (nodes: unknown, name: string) => list(nodes).find((n) => attr(n, 'Name') === name);

  const types: Record<string, SchemaType> = {};
  for (const name of ROOT_TYPES) {
    const entity = byName(schema.EntityType, name);
    const complex = byName(schema.ComplexType, name);
    const node = entity ?? complex;
    if (!node) throw new Error(`${NAMESPACE}.${name} is not in the CSDL`);
    types[`${NAMESPACE}.${name}`] = toType(node, entity ? 'entity' : 'complex');
  }
  const enums: Record<string, string[]> = {};
  for (const name of ENUM_TYPES) {
    const node = byName(schema.EnumType, name);
    if (!node) throw new Error(`${NAMESPACE}.${name} is not in the CSDL`);
    enums[`${NAMESPACE}.${name}`] = list(node.Member).map((m) => attr(m, 'Name') ?? '');
  }
  const container = list(schema.EntityContainer)[0];
  if (!container) throw new Error('No EntityContainer in the CSDL');
  const entitySets: Record<string, string> = {};
  for (const name of ENTITY_SETS) {
    const set = byName(container.EntitySet, name);
    const type = set ? attr(set, 'EntityType') : undefined;
    if (!type) throw new Error(`No entity set ${name}`);
    entitySets[name] = qualify(type);
  }
  const navigation: Record<string, { type: string; containsTarget: boolean }> = {};
  for (const { type, name } of NAVIGATION) {
    const property = byName(byName(schema.EntityType, type)?.NavigationProperty, name);
    const target = property ? attr(property, 'Type') : undefined;
    if (!property || !target) throw new Error(`No navigation property ${type}/${name}`);
    navigation[`${NAMESPACE}.${type}/${name}`] = {
      type: qualify(target),
      containsTarget: attr(property, 'ContainsTarget') === 'true',
    };
  }
  return { entitySets, navigation, types, enums };
}

function main(): void {
  const [gitDir, commitArgument] = process.argv.slice(2);
  if (!gitDir) {
    throw new Error('Usage: node dist/dev/conformance/extractGraphSchema.js <msgraph-metadata git dir> [commit]');
  }
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', gitDir, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const commit = git('rev-parse', commitArgument ?? 'HEAD').trim();
  const extracted = extractGraphSchema(git('show', `${commit}:${CSDL_FILE}`));
  const fixture = {
    source: {
      description: "Microsoft Graph v1.0 service description (CSDL), the types behind the product's Graph calls",
      repository: 'https://github.com/microsoftgraph/msgraph-metadata',
      commit,
      file: CSDL_FILE,
      licence: 'MIT, Copyright (c) 2018 Microsoft Graph (full text: msgraph-metadata.LICENSE beside this file)',
      extractedBy: 'dev/conformance/extractGraphSchema.ts',
    },
    ...extracted,
  };
  writeFileSync(OUTPUT, `${JSON.stringify(fixture, null, 2)}\n`);
  writeFileSync(path.join(path.dirname(OUTPUT), 'msgraph-metadata.LICENSE'), git('show', `${commit}:LICENSE`));
  console.log(`Wrote ${path.relative(process.cwd(), OUTPUT)} from ${commit}`);
}

if (require.main === module) main();
