import { noticeFor } from '../../../src/functions/status/noticeFor';
import type { RemovalView } from '../../../src/pipeline/status/describeRemoval';

const removal = (state: RemovalView['state']): RemovalView => ({
  state,
  text: '',
  requestedBy: 'hr@contoso.com',
  requestedAt: '2026-12-02T10:00:00.000Z',
  reason: '',
  at: '2026-12-02T10:00:00.000Z',
});

it('says a removal was asked for while it is under way, and that it is done once it is', () => {
  expect(noticeFor('removal-requested')).toMatch(/asked for/);
  expect(noticeFor('removal-requested', { removal: removal('removing') })).toMatch(/asked for/);
  expect(noticeFor('removal-requested', { removal: removal('removed') })).toMatch(/^The removal is done/);
  expect(noticeFor('removal-requested', { removal: removal('removed') })).not.toMatch(/asked for/);
  expect(noticeFor('removal-requested', { removal: removal('removal-failed') })).toMatch(/could not finish/);
});

it('keeps the other notices and says nothing for an unknown one', () => {
  expect(noticeFor('retried', { removal: removal('removed') })).toMatch(/sent again/);
  expect(noticeFor('nonsense')).toBeUndefined();
  expect(noticeFor('')).toBeUndefined();
});
