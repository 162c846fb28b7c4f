// Recent drops: `GET /api/status/drops?days=7&outcome=rejected&format=html|csv|json`. The CSV is for a
// spreadsheet (csv-stringify: quoting and the header row as RFC 4180 wants them).

import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { stringify } from 'csv-stringify/sync';
import { statusWiring } from '../compositionRoot';
import { dropCsvColumns, parseDropsQuery, recentDrops } from '../pipeline/status/recentDrops';
import { admitHr, htmlResponse } from './status/statusAccess';
import { dropsPageHtml } from './status/dropsPageHtml';

export async function statusDropsHandler(request: HttpRequest): Promise<HttpResponseInit> {
  const wiring = statusWiring();
  const admitted = admitHr(request, wiring.access);
  if (!admitted.ok) return admitted.response;
  const format = request.query.get('format') ?? 'html';
  const parsed = parseDropsQuery(request.query.get('days'), request.query.get('outcome'));
  if (!parsed.ok) {
    if (format === 'html') return htmlResponse(400, dropsPageHtml({ days: 7 }, [], parsed.message));
    return { status: 400, jsonBody: { error: { code: 'bad-query', message: parsed.message } } };
  }
  const rows = await recentDrops(parsed.query, wiring);
  if (format === 'json') return { status: 200, headers: { 'Cache-Control': 'no-store' }, jsonBody: { drops: rows } };
  if (format === 'csv') {
    const csv = stringify(rows, {
      header: true,
      columns: dropCsvColumns.map((c) => ({ key: c.key, header: c.header })),
    });
    return {
      status: 200,
      headers: {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="photo-drops-${parsed.query.days}d.csv"`,
        'Cache-Control': 'no-store',
      },
      body: csv,
    };
  }
  return htmlResponse(200, dropsPageHtml(parsed.query, rows));
}

app.http('statusDrops', {
  route: 'status/drops',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: statusDropsHandler,
});
