// The status page (HTML): HR types a name, UPN or employee id and sees the person's photos in Exchange, SharePoint
// and the last drop, with each target's state. Thin: access check, the status use cases, render (docs/status-page.md).

import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { statusWiring } from '../compositionRoot';
import { findPerson } from '../pipeline/status/findPerson';
import { personStatus } from '../pipeline/status/personStatus';
import { noticeFor } from './status/noticeFor';
import { admitHr, htmlResponse } from './status/statusAccess';
import { personPageHtml } from './status/personPageHtml';

export async function statusPageHandler(request: HttpRequest): Promise<HttpResponseInit> {
  const wiring = statusWiring();
  const admitted = admitHr(request, wiring.access);
  if (!admitted.ok) return admitted.response;
  const query = request.query.get('q') ?? '';
  const done = request.query.get('done') ?? '';
  const notice = noticeFor(done);
  const base = { query, ...(notice ? { notice } : {}) };
  if (!query.trim()) return htmlResponse(200, personPageHtml(base));
  const result = await findPerson(query, wiring.people);
  if (result.kind !== 'found') {
    const status = result.kind === 'none' ? 404 : result.kind === 'invalid' ? 400 : 200;
    return htmlResponse(status, personPageHtml({ ...base, result }));
  }
  const status = await personStatus(result.person, wiring);
  const current = noticeFor(done, status);
  return htmlResponse(200, personPageHtml({ query, ...(current ? { notice: current } : {}), result, status }));
}

app.http('statusPage', { route: 'status', methods: ['GET'], authLevel: 'anonymous', handler: statusPageHandler });
