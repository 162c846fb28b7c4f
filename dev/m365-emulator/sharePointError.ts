// SharePoint REST error bodies. With `Accept: application/json;odata=verbose` the error is under `error`; with the
// JSON light formats (`nometadata`, `minimalmetadata`, the default) under `odata.error`.
// https://learn.microsoft.com/sharepoint/dev/sp-add-ins/get-to-know-the-sharepoint-rest-service

import { randomUUID } from 'node:crypto';
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';

export function isVerbose(request: EmulatorRequest): boolean {
  return /odata=verbose/i.test(request.headers.accept ?? '');
}

export function sharePointError(
  request: EmulatorRequest,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  const error = { code, message: { lang: 'en-US', value: message } };
  const body = isVerbose(request) ? { error } : { 'odata.error': error };
  return jsonResponse(status, body, { sprequestguid: randomUUID(), ...headers });
}

export const accessDenied = (request: EmulatorRequest) =>
  sharePointError(
    request,
    403,
    '-2147024891, System.UnauthorizedAccessException',
    'Access denied. You do not have permission to perform this action or access this resource.',
  );
