// SharePoint REST answers in the format the Accept header asks for: `odata=verbose` wraps entities in `d` (and
// collections in `d.results`) with `__metadata`; `odata=nometadata` is plain JSON; `odata=minimalmetadata` (the
// default for `application/json`) adds `odata.metadata`.

import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import { isVerbose } from './sharePointError';

export function odataEntity(
  request: EmulatorRequest,
  type: string,
  uri: string,
  entity: Record<string, unknown>,
): EmulatorResponse {
  if (isVerbose(request))
    return jsonResponse(200, { d: { __metadata: { id: uri, uri, type }, ...entity } }, { 'odata-version': '3.0' });
  if (/odata=nometadata/i.test(request.headers.accept ?? '')) return jsonResponse(200, entity);
  return jsonResponse(200, { 'odata.metadata': `${new URL(uri).origin}/_api/$metadata#${type}`, ...entity });
}

export function odataCollection(
  request: EmulatorRequest,
  type: string,
  baseUri: string,
  items: { uri: string; entity: Record<string, unknown> }[],
): EmulatorResponse {
  if (isVerbose(request)) {
    return jsonResponse(200, {
      d: { results: items.map((i) => ({ __metadata: { id: i.uri, uri: i.uri, type }, ...i.entity })) },
    });
  }
  const value = items.map((i) => i.entity);
  if (/odata=nometadata/i.test(request.headers.accept ?? '')) return jsonResponse(200, { value });
  return jsonResponse(200, { 'odata.metadata': `${new URL(baseUri).origin}/_api/$metadata#${type}s`, value });
}

/** Void methods such as SetSingleValueProfileProperty. */
export function odataVoid(request: EmulatorRequest, method: string): EmulatorResponse {
  if (isVerbose(request)) return jsonResponse(200, { d: { [method]: null } });
  return jsonResponse(200, { 'odata.null': true });
}
