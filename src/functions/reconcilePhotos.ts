// Timer, every minute: the path for photo changes Graph does not notify (on most tenants, all of them). Each run
// continues the pass from its checkpoint, compares Graph photo etags with state and queues the differences on
// photo-changes page by page (through the DecisionExecutor), paced under the admin's Graph request budget
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
