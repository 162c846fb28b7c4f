// Failures that only need time: what each waits for, how long it waits between tries (growing with the time
// already waited, 5 minutes up to 12 hours) and when waiting becomes a permanent failure (a bound in days). A wait
// is not an attempt: a new hire can wait days for SharePoint to provision their profile without using up the
// throttling attempts.

import { describe, exceptionIs, type M365Failure } from './M365Failure';
import type { WriteDecision, WriteDecisionOptions, WriteTargetName } from './writeDecisions';

/** What a waiting write waits for; recorded as its code while it waits. */
export type WaitCode =
  'waiting-for-profile' | 'waiting-for-mailbox' | 'waiting-for-picture-folder' | 'waiting-for-sharepoint';

/** How long each kind of wait may last before it is recorded as permanent, and its steps. */
export const waitBounds: Record<WaitCode, number> = {
  'waiting-for-profile': 7 * 86_400_000,
  'waiting-for-picture-folder': 7 * 86_400_000,
  'waiting-for-mailbox': 3 * 86_400_000,
  'waiting-for-sharepoint': 86_400_000,
};
export const minWaitStepMs = 5 * 60_000;
export const maxWaitStepMs = 12 * 3_600_000;

/** What this failure waits for, if it is one that only needs time. */
export function waitCode(target: WriteTargetName, failure: M365Failure): WaitCode | undefined {
  if (exceptionIs(failure, 'UserNotFoundException')) return 'waiting-for-profile';
  if (failure.code === 'profile-pictures-folder-missing') return 'waiting-for-picture-folder';
  if (failure.status !== 404) return undefined;
  return target === 'exchange' ? 'waiting-for-mailbox' : 'waiting-for-sharepoint';
}

const waitReason: Record<WaitCode, string> = {
  'waiting-for-profile':
    'SharePoint has no user profile for this person yet (new hires wait until SharePoint provisions one)',
  'waiting-for-mailbox':
    'Graph answered 404 without saying the person is gone: a mailbox still being provisioned, or (in some tenants) ' +
    'no Exchange Online mailbox',
  'waiting-for-picture-folder':
    'the My Site host has no Profile Pictures folder yet (SharePoint creates it with the first profile photo)',
  'waiting-for-sharepoint': 'SharePoint answered 404 for something the write needs',
};

const waitGaveUp: Record<WaitCode, string> = {
  'waiting-for-profile': 'no-sharepoint-profile',
  'waiting-for-mailbox': 'exchange-not-found',
  'waiting-for-picture-folder': 'profile-pictures-folder-missing',
  'waiting-for-sharepoint': 'sharepoint-not-found',
};

const waitFix: Record<WaitCode, string> = {
  'waiting-for-profile':
    'Check in SharePoint admin center > User profiles that the person has a profile (they need a licence with ' +
    'SharePoint); npm run doctor -- --test-user <them> shows it.',
  'waiting-for-mailbox':
    'Check that the person has an Exchange Online mailbox (Exchange admin center); npm run doctor -- --test-user ' +
    '<them> shows what Graph answers.',
  'waiting-for-picture-folder':
    'Set one profile photo by hand in SharePoint (or Delve) so SharePoint creates the folder; npm run doctor shows it.',
  'waiting-for-sharepoint': 'Run npm run doctor; the message above names what SharePoint did not find.',
};

/** A wait that grows with the time already waited (5 minutes, then doubling, up to 12 hours), bounded in days. */
export function decideWait(code: WaitCode, failure: M365Failure, options: WriteDecisionOptions): WriteDecision {
  const now = options.now ?? new Date();
  const since =
    options.waitingSince && !Number.isNaN(Date.parse(options.waitingSince)) ? options.waitingSince : now.toISOString();
  const waited = Math.max(0, now.getTime() - Date.parse(since));
  const said = describe(failure);
  if (waited >= waitBounds[code]) {
    const days = Math.round(waited / 86_400_000);
    return {
      kind: 'permanent',
      code: waitGaveUp[code],
      message: `Waited ${days} day(s) since ${since}: ${waitReason[code]}. ${waitFix[code]} ${said}`,
    };
  }
  const delayMs = Math.min(maxWaitStepMs, Math.max(minWaitStepMs, waited));
  return {
    kind: 'wait',
    code,
    since,
    delayMs,
    message: `${waitReason[code]}; trying again in ${Math.round(delayMs / 60_000)} min (waiting since ${since}). ${said}`,
  };
}
