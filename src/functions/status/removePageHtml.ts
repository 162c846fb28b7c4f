// The removal's confirmation step: what will happen, a box for why (kept in the audit record), and the one button
// that does it. A page of its own rather than a script dialog, so it works with script off and reads well aloud.
// A removal this app must not do (a protected account) gets the reason and a way back, never a button that fails.

import type { StatusPerson } from '../../pipeline/status/StatusPorts';
import { MAX_REASON_LENGTH } from '../../pipeline/status/requestRemoval';
import { escapeHtml as e, htmlPage } from './statusHtml';

export function removeConfirmationHtml(person: StatusPerson, options: { alert?: string } = {}): string {
  const name = person.displayName || person.userPrincipalName;
  const back = `/api/status?q=${encodeURIComponent(person.id)}`;
  const alert = options.alert ? `<p role="alert">${e(options.alert)}</p>` : '';
  return htmlPage(
    `Remove the photo of ${name}?`,
    `<h1>Remove the photo of ${e(name)}?</h1>${alert}
<p>${e(person.userPrincipalName)}</p>
<p>This cannot be undone. It will:</p>
<ul><li>delete the photo in Exchange (Outlook, Teams);</li>
<li>put SharePoint back to its placeholder (thumbnails deleted, picture address cleared);</li>
<li>delete every rendition and archived original of this person that photo sync stores;</li>
<li>stop any photo dropped before now from being written afterwards.</li></ul>
<p>An audit record keeps who asked, when and why; never the photo.</p>
<form method="post" action="/api/status/people/${encodeURIComponent(person.id)}/remove">
<input type="hidden" name="confirm" value="yes">
<label for="reason">Why (kept in the audit record)</label>
<textarea id="reason" name="reason" rows="3" cols="60" maxlength="${MAX_REASON_LENGTH}"></textarea>
<p><button type="submit" class="danger">Remove the photo of ${e(name)}</button> <a href="${back}">Cancel</a></p>
</form>`,
  );
}

/** Why the photo of `person` cannot be removed here, and the way back to their status. */
export function removalRefusedHtml(person: StatusPerson, reason: string): string {
  const name = person.displayName || person.userPrincipalName;
  const back = `/api/status?q=${encodeURIComponent(person.id)}`;
  return htmlPage(
    `The photo of ${name} cannot be removed here`,
    `<h1>The photo of ${e(name)} cannot be removed here</h1>
<p role="alert">${e(reason)}</p>
<p>${e(person.userPrincipalName)}</p>
<p><a href="${back}">Back to ${e(name)}</a></p>`,
  );
}
