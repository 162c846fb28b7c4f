// Checks a Graph JSON answer against the types of Microsoft's published v1.0 description (the extract in
// test/fixtures/conformance/graph-v1.0.json): every property is one the type declares, with the JSON kind its EDM
// type maps to (OData JSON Format 4.01 §7), null only where the property is nullable, enum values from the enum, and
// only the control information OData defines for that place (§4.5: context, count, nextLink on collections; type,
// id, etag, edit/read links on entities; media* on media entities such as profilePhoto). Returns the violations as
// readable lines, so one assertion shows them all.
// https://docs.oasis-open.org/odata/odata-json-format/v4.01/odata-json-format-v4.01.html

import fixture from '../fixtures/conformance/graph-v1.0.json';

interface SchemaProperty {
  type: string;
  nullable: boolean;
}
interface SchemaType {
  kind: string;
  baseType?: string;
  openType?: boolean;
  hasStream?: boolean;
  properties: Record<string, SchemaProperty>;
}

const types = fixture.types as Record<string, SchemaType>;
const enums = fixture.enums as Record<string, string[]>;

/**
 * Open types whose dynamic properties the check accepts: resourceData (Graph documents `id`, `@odata.type`,
 * `@odata.id`, `@odata.etag` in it) and the error's innerError (`date`, `request-id`, `client-request-id`, per
 * https://learn.microsoft.com/graph/errors). user and directoryObject are open too, but their dynamic properties are
 * directory extensions (`extension_{appId}_{name}`), which the emulator has none of: they are checked as closed, so
 * a misspelt or invented property is caught.
 */
const OPEN_TYPES = new Set(['microsoft.graph.resourceData', 'microsoft.graph.publicInnerError']);

/**
 * resourceData is a complex type, yet Graph documents entity control information in it (`@odata.type`, `@odata.id`,
 * `@odata.etag`: https://learn.microsoft.com/graph/api/resources/resourcedata).
 */
const EXTRA_CONTROL: Record<string, string[]> = {
  'microsoft.graph.resourceData': ['@odata.type', '@odata.id', '@odata.etag'],
};

const ENTITY_CONTROL = [
  '@odata.context',
  '@odata.type',
  '@odata.id',
  '@odata.etag',
  '@odata.editLink',
  '@odata.readLink',
];
const MEDIA_CONTROL = ['@odata.mediaEtag', '@odata.mediaContentType', '@odata.mediaReadLink', '@odata.mediaEditLink'];
const COLLECTION_CONTROL = ['@odata.context', '@odata.count', '@odata.nextLink', '@odata.deltaLink'];

const DATE_TIME_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER_RANGES: Record<string, [number, number]> = {
  'Edm.Byte': [0, 255],
  'Edm.SByte': [-128, 127],
  'Edm.Int16': [-32768, 32767],
  'Edm.Int32': [-2147483648, 2147483647],
  'Edm.Int64': [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type's properties with its base types' (entity → directoryObject → user). */
function allProperties(typeName: string): Record<string, SchemaProperty> {
  const type = types[typeName];
  if (!type) throw new Error(`${typeName} is not in the conformance fixture`);
  return { ...(type.baseType ? allProperties(type.baseType) : {}), ...type.properties };
}

function hasStream(typeName: string): boolean {
  const type = types[typeName];
  return Boolean(type?.hasStream) || (type?.baseType ? hasStream(type.baseType) : false);
}

function valueViolations(type: string, value: unknown, where: string): string[] {
  const collection = /^Collection\((.+)\)$/.exec(type)?.[1];
  if (collection) {
    if (!Array.isArray(value)) return [`${where}: ${type} must be a JSON array, got ${JSON.stringify(value)}`];
    return value.flatMap((item, i) =>
      item === null ? [`${where}[${i}]: null inside ${type}`] : valueViolations(collection, item, `${where}[${i}]`),
    );
  }
  const range = INTEGER_RANGES[type];
  if (range) {
    return Number.isInteger(value) && (value as number) >= range[0] && (value as number) <= range[1]
      ? []
      : [`${where}: ${type} must be an integer in range, got ${JSON.stringify(value)}`];
  }
  switch (type) {
    case 'Edm.String':
      return typeof value === 'string' ? [] : [`${where}: Edm.String must be a string, got ${JSON.stringify(value)}`];
    case 'Edm.Boolean':
      return typeof value === 'boolean'
        ? []
        : [`${where}: Edm.Boolean must be true/false, got ${JSON.stringify(value)}`];
    case 'Edm.DateTimeOffset':
      return typeof value === 'string' && DATE_TIME_OFFSET.test(value)
        ? []
        : [`${where}: Edm.DateTimeOffset must be an ISO 8601 string with offset, got ${JSON.stringify(value)}`];
    case 'Edm.Guid':
      return typeof value === 'string' && GUID.test(value)
        ? []
        : [`${where}: Edm.Guid must be a GUID string, got ${JSON.stringify(value)}`];
  }
  const members = enums[type];
  if (members) {
    return typeof value === 'string' && members.includes(value)
      ? []
      : [`${where}: ${type} must be one of ${members.join(', ')}, got ${JSON.stringify(value)}`];
  }
  if (types[type]) return graphSchemaViolations(type, value, { where, nested: true });
  return [`${where}: a value of ${type}, a type the conformance fixture does not hold (extract it first)`];
}

export interface ViolationOptions {
  where?: string;
  /** A nested value: no `@odata.context` there. */
  nested?: boolean;
}

/** Violations of `value` as an instance of `typeName` (an entity or complex type in the fixture). */
export function graphSchemaViolations(typeName: string, value: unknown, options: ViolationOptions = {}): string[] {
  const where = options.where ?? '$';
  if (!isRecord(value)) return [`${where}: ${typeName} must be a JSON object, got ${JSON.stringify(value)}`];
  const properties = allProperties(typeName);
  const control = [
    ...(types[typeName]?.kind === 'entity' ? ENTITY_CONTROL : ['@odata.type', '@odata.context']),
    ...(hasStream(typeName) ? MEDIA_CONTROL : []),
    ...(EXTRA_CONTROL[typeName] ?? []),
  ].filter((name) => !(options.nested && name === '@odata.context'));
  const open = OPEN_TYPES.has(typeName);
  const violations: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const at = `${where}.${key}`;
    if (key.startsWith('@')) {
      if (!control.includes(key)) violations.push(`${at}: control information OData does not allow on ${typeName}`);
      else if (typeof item !== 'string' && key !== '@odata.count') violations.push(`${at}: must be a string`);
      continue;
    }
    if (key.includes('@')) {
      violations.push(`${at}: property annotations are not expected on ${typeName}`);
      continue;
    }
    const property = properties[key];
    if (!property) {
      if (open && (item === null || ['string', 'number', 'boolean'].includes(typeof item))) continue;
      violations.push(`${at}: ${typeName} has no property ${key}`);
      continue;
    }
    if (item === null) {
      if (!property.nullable) violations.push(`${at}: null, but ${typeName}.${key} is not nullable`);
      continue;
    }
    violations.push(...valueViolations(property.type, item, at));
  }
  return violations;
}

/** Violations of a collection answer (`{"@odata.context", "@odata.nextLink"?, "value": [...]}`) of `typeName`. */
export function graphCollectionViolations(typeName: string, value: unknown, where = '$'): string[] {
  if (!isRecord(value)) return [`${where}: a collection must be a JSON object, got ${JSON.stringify(value)}`];
  const violations: string[] = [];
  for (const key of Object.keys(value)) {
    if (key !== 'value' && !COLLECTION_CONTROL.includes(key))
      violations.push(`${where}.${key}: not allowed beside a collection's value`);
  }
  if (!Array.isArray(value.value)) return [...violations, `${where}.value: must be an array`];
  value.value.forEach((item, i) =>
    violations.push(...graphSchemaViolations(typeName, item, { where: `${where}.value[${i}]`, nested: true })),
  );
  return violations;
}

/** The declared type of an entity set (`users` → `microsoft.graph.user`). */
export function entitySetType(name: keyof typeof fixture.entitySets): string {
  return fixture.entitySets[name];
}

export function navigationType(key: keyof typeof fixture.navigation): string {
  return fixture.navigation[key].type;
}

export function declaredProperties(typeName: string): string[] {
  return Object.keys(allProperties(typeName));
}
