// The one-line notice at the top of the status page after an action redirected back to it (`?done=`).

import type { PersonStatus } from '../../pipeline/status/personStatus';

const notices: Record<string, string> = {
  retried: 'The last dropped photo was sent again; this page shows its progress when you reload it.',
  'removal-requested':
    'The removal was asked for; the Removal section below shows how far it got (reload to follow it).',
};

/**
 * The URL keeps `?done=removal-requested` after the redirect, so a reload must not go on saying "asked for" once the
 * removal has finished: the notice follows the removal's state, not the URL alone.
 */
export function noticeFor(done: string, status?: Pick<PersonStatus, 'removal'>): string | undefined {
  if (done === 'removal-requested') {
    switch (status?.removal?.state) {
      case 'removed':
        return 'The removal is done: the Removal section below says what was deleted.';
      case 'removal-failed':
        return 'The removal could not finish; the Removal section below says why and what to do.';
    }
  }
  return notices[done];
}
