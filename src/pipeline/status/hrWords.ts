// The writers record machine codes (docs/writers.md); HR reads sentences. One table turns the first into the
// second, so the page, the JSON API and the CSV say the same thing. Unknown codes fall back to the recorded message.

const sentences: Record<string, string> = {
  'no-exchange-mailbox':
    'This person has no Exchange Online mailbox, so Outlook and Teams cannot hold a photo for them. SharePoint still gets it.',
  'mailbox-on-premises':
    "This person's mailbox is in the on-premises Exchange; set the photo there (Set-UserPhoto), or move the mailbox.",
  'certificate-required': 'The app is not set up for SharePoint yet (it needs a certificate). Ask IT.',
  'permission-denied': 'The app is missing a permission in Microsoft 365. Ask IT to run `npm run doctor`.',
  'user-not-found': 'Microsoft 365 does not know this person any more (deleted or renamed?).',
  'login-failed': 'The app could not sign in to Microsoft 365. Ask IT.',
  'request-rejected': 'Microsoft 365 refused the photo.',
  'attempts-exhausted': 'Microsoft 365 kept failing or asking us to wait; the photo was parked after many tries.',
  throttled: 'Microsoft 365 asked us to slow down; it is retried automatically.',
  'write-claim-held': 'Another photo for this person is being written; this one follows.',
  'malformed-message': 'An internal message was unreadable; the photo was parked. Ask IT.',
  'protected-account':
    'This person is a protected account: the pipeline never changes their photo. An administrator sets it directly.',
};

/** A sentence HR can act on, for a writer's or ingest's code and the message recorded with it. */
export function hrReason(code: string | undefined, message: string | undefined): string | undefined {
  if (!code && !message) return undefined;
  const sentence = code ? sentences[code] : undefined;
  return sentence ?? message ?? code;
}
