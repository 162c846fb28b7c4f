import { coveredByRemoval } from '../../../../src/pipeline/write/coveredByRemoval';

const removedAt = '2026-12-02T10:00:00.000Z';

it('covers a photo received at or before the removal was asked for, and not one received after it', () => {
  expect(coveredByRemoval('2026-12-02T09:59:59.999Z', [{ removedAt }])).toBe(removedAt);
  expect(coveredByRemoval(removedAt, [{ removedAt }])).toBe(removedAt);
  expect(coveredByRemoval('2026-12-02T10:00:00.001Z', [{ removedAt }])).toBeUndefined();
});

it('needs a mark: no rows, rows without one, or an empty one cover nothing', () => {
  expect(coveredByRemoval('2026-12-02T09:00:00.000Z', [])).toBeUndefined();
  expect(coveredByRemoval('2026-12-02T09:00:00.000Z', [undefined, {}, { removedAt: '' }])).toBeUndefined();
});

it("answers with the latest removal covering the photo when the targets' rows differ", () => {
  const later = '2026-12-02T11:00:00.000Z';
  expect(coveredByRemoval('2026-12-02T09:00:00.000Z', [{ removedAt }, { removedAt: later }])).toBe(later);
  expect(coveredByRemoval('2026-12-02T10:30:00.000Z', [{ removedAt }, { removedAt: later }])).toBe(later);
});
