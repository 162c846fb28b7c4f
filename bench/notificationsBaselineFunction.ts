// The baseline for bench/notifications.ts: the smallest HTTP function the local runtime can serve, answering 202
// like graphNotifications, so the ratio isolates what our endpoint adds (parse, lookup, triage, queue output).

import { app } from '@azure/functions';

app.http('benchBaseline', {
  route: 'bench-baseline',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request) => {
    await request.text();
    return { status: 202 };
  },
});
