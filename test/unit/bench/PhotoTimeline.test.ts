import { PhotoTimeline } from '../../../bench/e2e/PhotoTimeline';

const line = (fields: Record<string, unknown>): string => JSON.stringify(fields);

describe('PhotoTimeline', () => {
  it("counts a write whose line came before its photo's ingest line (another instance logged first)", () => {
    const timeline = new PhotoTimeline();
    timeline.uploaded('a.jpg', 0);
    const owner = { userId: 'u-1', contentHash: 'h-1' };
    timeline.log(
      'info',
      line({ event: 'photo-write', target: 'exchange', outcome: 'written', durationMs: 5, ...owner }),
    );
    expect(timeline.settled()).toBe(false);
    timeline.log('info', line({ event: 'photo-ingest', blob: 'a.jpg', outcome: 'accepted', durationMs: 9, ...owner }));
    timeline.log(
      'info',
      line({ event: 'photo-write', target: 'sharepoint', outcome: 'written', durationMs: 5, ...owner }),
    );
    expect(timeline.settled()).toBe(true);
    expect(timeline.unmatchedWrites).toBe(0);
  });

  it("keeps ingest's stage timings", () => {
    const timeline = new PhotoTimeline();
    timeline.uploaded('a.jpg', 0);
    const stagesMs = { probe: 1, resolve: 20, render: 30, writeRenditions: 12, send: 4, archive: 8 };
    timeline.log(
      'info',
      line({ event: 'photo-ingest', blob: 'a.jpg', outcome: 'accepted', userId: 'u', contentHash: 'h', stagesMs }),
    );
    expect(timeline.photos.get('a.jpg')?.ingestStages).toEqual(stagesMs);
  });
});
