// The person view: search box, then either an answer (nobody, several people, bad input) or the photos side by
// side (Exchange, SharePoint's three thumbnails, HR's last drop), each with the target's state in HR's words.

import type { FindPersonResult } from '../../pipeline/status/findPerson';
import type { PersonStatus } from '../../pipeline/status/personStatus';
import type { TargetView } from '../../pipeline/status/describeTarget';
import type { StatusPhotoSource } from '../../pipeline/status/StatusPhotoPort';
import { protectedAccountMessage } from '../../pipeline/ingest/ProtectedAccountsPort';
import { escapeHtml as e, htmlPage } from './statusHtml';

export function photoUrl(userId: string, source: StatusPhotoSource): string {
  return `/api/status/people/${encodeURIComponent(userId)}/photos/${source}`;
}

function when(iso: string | undefined): string {
  return iso ? ` <time datetime="${e(iso)}">${e(iso.replace('T', ' ').slice(0, 19))} UTC</time>` : '';
}

function stateLine(view: TargetView | undefined): string {
  if (!view) return '';
  const reason = view.reason ? `<br>${e(view.reason)}` : '';
  return `<p data-state="${view.state}"><span class="state state-${view.state}">${view.state}</span>${when(view.at)}${reason}</p>`;
}

function img(userId: string, source: StatusPhotoSource, alt: string, size: number, missing: string): string {
  return `<img data-photo src="${photoUrl(userId, source)}" alt="${e(alt)}" width="${size}" height="${size}" data-missing="${e(missing)}">`;
}

function statusHtml(status: PersonStatus): string {
  const p = status.person;
  const name = p.displayName || p.userPrincipalName;
  const target = (t: string) => status.targets.find((v) => v.target === t);
  const drop = status.lastDrop;
  const details = [p.userPrincipalName, p.employeeId ? `employee id ${p.employeeId}` : ''].filter(Boolean).join(' · ');
  const retry = status.canRetry
    ? `<form method="post" action="/api/status/people/${encodeURIComponent(p.id)}/retry">
<button type="submit">Try again for ${e(name)}</button></form>`
    : '';
  const removal = status.removal
    ? `<section aria-labelledby="h-removal"><h3 id="h-removal">Removal</h3><p data-removal="${status.removal.state}"><span class="state state-${status.removal.state}">${e(status.removal.state)}</span>${when(status.removal.at)}<br>${e(status.removal.text)}</p>${status.removal.reason && status.removal.state !== 'scheduled' ? `<p>Why: ${e(status.removal.reason)}</p>` : ''}</section>`
    : '';
  // A protected account's remove page would only refuse: say so here instead of offering the link.
  const remove = status.protectedAccount
    ? `<p data-protected>${e(protectedAccountMessage)}</p>`
    : `<p><a class="danger" href="/api/status/people/${encodeURIComponent(p.id)}/remove">Remove the photo of ${e(name)}…</a></p>`;
  return `<h2 id="person">${e(name)}</h2><p>${e(details)}</p>
<div class="photos">
<section aria-labelledby="h-exchange"><h3 id="h-exchange">Exchange (Outlook, Teams)</h3>
${img(p.id, 'exchange', `Photo of ${name} in Exchange`, 160, 'No photo in Exchange')}
${stateLine(target('exchange'))}</section>
<section aria-labelledby="h-sharepoint"><h3 id="h-sharepoint">SharePoint thumbnails</h3><div class="thumbs">
${img(p.id, 'sharepoint-L', `Large SharePoint thumbnail of ${name}`, 100, 'No large thumbnail')}
${img(p.id, 'sharepoint-M', `Medium SharePoint thumbnail of ${name}`, 72, 'No medium thumbnail')}
${img(p.id, 'sharepoint-S', `Small SharePoint thumbnail of ${name}`, 48, 'No small thumbnail')}
</div>${stateLine(target('sharepoint'))}</section>
<section aria-labelledby="h-dropped"><h3 id="h-dropped">Last photo HR dropped</h3>
${drop ? `${img(p.id, 'dropped', `Photo of ${name} HR dropped as ${drop.name}`, 160, 'Photo no longer stored')}<p>${e(drop.name)}${when(drop.droppedAt)}</p>` : '<p>HR has not dropped a photo for this person.</p>'}
</section></div>${retry}${removal}${remove}`;
}

export interface PersonPageModel {
  query: string;
  result?: FindPersonResult;
  status?: PersonStatus;
  notice?: string;
}

export function personPageHtml(model: PersonPageModel): string {
  const notice = model.notice ? `<p role="status">${e(model.notice)}</p>` : '';
  let body = '';
  const result = model.result;
  if (result && result.kind !== 'found') body += `<p role="alert">${e(result.message)}</p>`;
  if (result?.kind === 'many') {
    body += `<h2>People who match</h2><ul>${result.people
      .map(
        (p) =>
          `<li><a href="/api/status?q=${encodeURIComponent(p.id)}">${e(p.displayName || p.userPrincipalName)}</a> (${e(p.userPrincipalName)})</li>`,
      )
      .join('')}</ul>`;
  }
  if (model.status) body += statusHtml(model.status);
  return htmlPage(
    model.status
      ? `Photo status: ${model.status.person.displayName || model.status.person.userPrincipalName}`
      : 'Photo status',
    `<h1>Photo status</h1>
<form class="search" role="search" method="get" action="/api/status">
<div><label for="q">Name, e-mail address (UPN) or employee id</label>
<input id="q" name="q" type="search" size="40" required minlength="2" value="${e(model.query)}"></div>
<button type="submit">Show photos</button></form>${notice}${body}`,
  );
}
