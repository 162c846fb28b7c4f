// Timer: the safety net for photo changes Graph did not notify (public reports say `/users` subscriptions do not
// reliably fire for photos). Compares every user's Graph photo etag with state and queues the differences on
// photo-changes page by page (through the DecisionExecutor, as each page is checked), paced under Graph's limits
// (src/pipeline/photoChange/reconcilePacing.ts).

import { app, type InvocationContext, type Timer } from '@azure/functions';
import { getDecisionExecutor, reconcileWiring } from '../compositionRoot';
import { RECONCILE_SCHEDULE } from '../pipeline/photoChange/reconcilePacing';
import { reconcileDecision, reconcilePhotos } from '../pipeline/photoChange/reconcilePhotos';

export async function reconcilePhotosHandler(timer: Timer, context: InvocationContext): Promise<void> {
  const report = await reconcilePhotos(reconcileWiring());
  await getDecisionExecutor().carryOut(reconcileDecision(report, { isPastDue: timer.isPastDue }), context);
}

app.timer('reconcilePhotos', {
  schedule: RECONCILE_SCHEDULE,
  runOnStartup: false,
  handler: reconcilePhotosHandler,
});
