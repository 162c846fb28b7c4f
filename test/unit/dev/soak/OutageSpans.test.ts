import { OutageSpans } from '../../../../dev/soak/OutageSpans';

describe('OutageSpans', () => {
  it('counts overlapping outages once, from the first start to the last end', () => {
    const spans = new OutageSpans();
    expect(spans.begin(1_000)).toBe(true);
    expect(spans.begin(3_000)).toBe(false);
    expect(spans.end(5_000)).toBe(false);
    expect(spans.downMs(6_000)).toBe(5_000);
    expect(spans.end(9_000)).toBe(true);
    expect(spans.downMs(20_000)).toBe(8_000);
  });

  it('adds outages that do not overlap', () => {
    const spans = new OutageSpans();
    spans.begin(0);
    spans.end(2_000);
    spans.begin(10_000);
    spans.end(10_500);
    expect(spans.downMs(30_000)).toBe(2_500);
  });

  it('ignores an end without a begin', () => {
    const spans = new OutageSpans();
    expect(spans.end(1_000)).toBe(false);
    expect(spans.downMs(2_000)).toBe(0);
  });
});
