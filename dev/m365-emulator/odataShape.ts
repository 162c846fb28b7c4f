// SharePoint REST answers in the format the Accept header asks for: `odata=verbose` wraps entities in `d` (and
// collections in `d.results`) with `__metadata`; `odata=nometadata` is plain JSON; `odata=minimalmetadata` (the
// default for `application/json`) adds `odata.metadata` and, on each entity, `odata.type`, `odata.id` and
// `odata.editLink` (as Microsoft's webhook examples show: https://learn.microsoft.com/sharepoint/dev/apis/webhooks/lists/get-subscription).
// `$select` keeps only the named properties, as OData does.

import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import { isVerbose } from './sharePointError';

/** The entity with only the `$select`ed properties (SharePoint matches their names case-insensitively). */
function selected(request: EmulatorRequest, entity: Record<string, unknown>): Record<string, unknown> {
  const select = request.url.searchParams
    .get('$select')
    ?.split(',')
    .map((name) => name.trim().toLowerCase());
  if (!select) return entity;
  return Object.fromEntries(Object.entries(entity).filter(([key]) => select.includes(key.toLowerCase())));
}

/** `odata.type`, `odata.id` and `odata.editLink` (relative to `/_api/`) of an entity in minimal metadata. */
function minimalControl(type: string, uri: string): Record<string, string> {
  const api = `${new URL(uri).origin}/_api/`;
  return { 'odata.type': type, 'odata.id': uri, 'odata.editLink': uri.startsWith(api) ? uri.slice(api.length) : uri };
}

export function odataEntity(
  request: EmulatorRequest,
  type: string,
  uri: string,
  entity: Record<string, unknown>,
): EmulatorResponse {
  const properties = selected(request, entity);
  if (isVerbose(request))
    return jsonResponse(200, { d: { __metadata: { id: uri, uri, type }, ...properties } }, { 'odata-version': '3.0' });
  if (/odata=nometadata/i.test(request.headers.accept ?? '')) return jsonResponse(200, properties);
  return jsonResponse(200, {
    'odata.metadata': `${new URL(uri).origin}/_api/$metadata#${type}`,
    ...minimalControl(type, uri),
    ...properties,
  });
}

export function odataCollection(
  request: EmulatorRequest,
  type: string,
  baseUri: string,
  items: { uri: string; entity: Record<string, unknown> }[],
): EmulatorResponse {
  if (isVerbose(request)) {
    return jsonResponse(200, {
      d: {
        results: items.map((i) => ({ __metadata: { id: i.uri, uri: i.uri, type }, ...selected(request, i.entity) })),
      },
    });
  }
  if (/odata=nometadata/i.test(request.headers.accept ?? ''))
    return jsonResponse(200, { value: items.map((i) => selected(request, i.entity)) });
  return jsonResponse(200, {
    'odata.metadata': `${new URL(baseUri).origin}/_api/$metadata#${type}s`,
    value: items.map((i) => ({ ...minimalControl(type, i.uri), ...selected(request, i.entity) })),
  });
}

/** Void methods such as SetSingleValueProfileProperty. */
export function odataVoid(request: EmulatorRequest, method: string): EmulatorResponse {
  if (isVerbose(request)) return jsonResponse(200, { d: { [method]: null } });
  return jsonResponse(200, { 'odata.null': true });
}
