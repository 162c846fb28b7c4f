// Timer, daily: the retention of people deleted from the directory (DEPARTED_PHOTO_RETENTION_DAYS). Schedules, cancels
// or requests their removal (src/pipeline/status/purgeDepartedPeople.ts); the removal queue does the deleting.

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { purgeDepartedWiring } from '../compositionRoot';
import { purgeDepartedPeople } from '../pipeline/status/purgeDepartedPeople';

export async function purgeDepartedPeopleHandler(timer: Timer, context: InvocationContext): Promise<void> {
  const summary = await purgeDepartedPeople(purgeDepartedWiring());
  context.info(JSON.stringify({ event: 'purge-departed-people', isPastDue: timer.isPastDue, ...summary }));
}

app.timer('purgeDepartedPeople', {
  // 03:17 UTC: away from the hour, when timers of every app in the region fire.
  schedule: '0 17 3 * * *',
  runOnStartup: false,
  handler: purgeDepartedPeopleHandler,
});
