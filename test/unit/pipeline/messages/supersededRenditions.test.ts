import {
  decideSupersededRenditions,
  type RenditionSetFacts,
} from '../../../../src/pipeline/messages/supersededRenditions';

const set = (
  contentHash: string,
  receivedAt: string,
  origin: RenditionSetFacts['origin'] = 'hr-upload',
  superseded = false,
): RenditionSetFacts => ({ contentHash, receivedAt, origin, superseded });

describe('decideSupersededRenditions', () => {
  it('supersedes every set older than the newest photo, judged by when each was received', () => {
    const sets = [set('b', '2026-02-01T00:00:00Z'), set('c', '2026-03-01T00:00:00Z'), set('a', '2026-01-01T00:00:00Z')];
    expect(decideSupersededRenditions(sets)).toEqual({ supersede: ['b', 'a'], restore: [] });
  });

  it("keeps the newest HR photo when the person's own newer change is current, and supersedes older changes", () => {
    const sets = [
      set('hr-old', '2026-01-01T00:00:00Z'),
      set('hr', '2026-02-01T00:00:00Z'),
      set('own-old', '2026-02-15T00:00:00Z', 'user-change'),
      set('own', '2026-03-01T00:00:00Z', 'user-change'),
    ];
    expect(decideSupersededRenditions(sets)).toEqual({ supersede: ['hr-old', 'own-old'], restore: [] });
  });

  it('untags a set that is current again (the same photo dropped again) and leaves tagged ones tagged', () => {
    const sets = [
      set('a', '2026-05-01T00:00:00Z', 'hr-upload', true),
      set('b', '2026-03-01T00:00:00Z', 'hr-upload', true),
    ];
    expect(decideSupersededRenditions(sets)).toEqual({ supersede: [], restore: ['a'] });
  });

  it('supersedes nothing for a person with one photo', () => {
    expect(decideSupersededRenditions([set('a', '2026-01-01T00:00:00Z')])).toEqual({ supersede: [], restore: [] });
  });
});
