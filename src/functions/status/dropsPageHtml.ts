// The recent-drops view: what HR dropped in the last N days, filterable by outcome, with rejection reasons, and a
// link to the same rows as CSV.

import type { DropRow, RecentDropsQuery } from '../../pipeline/status/recentDrops';
import { escapeHtml as e, htmlPage } from './statusHtml';

function csvLink(query: RecentDropsQuery): string {
  const params = new URLSearchParams({ format: 'csv', days: String(query.days) });
  if (query.outcome) params.set('outcome', query.outcome);
  return `/api/status/drops?${params.toString()}`;
}

export function dropsPageHtml(query: RecentDropsQuery, rows: DropRow[], error?: string): string {
  const option = (value: string, label: string) =>
    `<option value="${value}"${(query.outcome ?? '') === value ? ' selected' : ''}>${label}</option>`;
  const table = rows.length
    ? `<table><caption>${rows.length} drop${rows.length === 1 ? '' : 's'} in the last ${query.days} days</caption>
<thead><tr><th scope="col">Dropped at (UTC)</th><th scope="col">File</th><th scope="col">Outcome</th><th scope="col">Person or reason</th></tr></thead><tbody>
${rows
  .map(
    (r) =>
      `<tr data-outcome="${r.outcome}"><td><time datetime="${e(r.droppedAt)}">${e(r.droppedAt.replace('T', ' ').slice(0, 19))}</time></td><td>${e(r.name)}</td><td>${r.outcome}</td><td>${
        r.outcome === 'rejected'
          ? e(r.reason ?? r.rejectionCode ?? '')
          : r.userId
            ? `<a href="/api/status?q=${encodeURIComponent(r.userId)}">see photos</a>`
            : ''
      }</td></tr>`,
  )
  .join('\n')}</tbody></table>`
    : `<p role="status">No drops in the last ${query.days} days${query.outcome ? ` with outcome ${query.outcome}` : ''}.</p>`;
  return htmlPage(
    'Photo status: recent drops',
    `<h1>Recent drops</h1>
<form class="search" method="get" action="/api/status/drops">
<div><label for="days">Days</label><input id="days" name="days" type="number" min="1" max="90" value="${query.days}"></div>
<div><label for="outcome">Outcome</label><select id="outcome" name="outcome">${option('', 'All')}${option('accepted', 'Accepted')}${option('rejected', 'Rejected')}</select></div>
<button type="submit">Show</button></form>
${error ? `<p role="alert">${e(error)}</p>` : ''}
<p><a href="${e(csvLink(query))}" download>Download as CSV</a></p>${table}`,
  );
}
