// What a soak run does, decided up front from the seed: who gets which photos when (HR drops, re-drops of the same
// file, changes a person makes in Outlook), when the host is killed (at a random moment, or aimed just after a step
// the host reports, where a lost-photo window would be), and when storage and Microsoft 365 go away. Pure: the same
// seed and profile give the same plan.

import { SeededRandom } from './SeededRandom';

export interface SoakProfile {
  /** Length of the chaos phase; the settle phase that follows has its own deadline. */
  durationMs: number;
  users: number;
  /** Share of the users whose photos come from Outlook changes rather than HR drops. */
  outlookShare: number;
  photosPerUser: readonly [number, number];
  /** Chance that an HR user's newest file is dropped a second time (a duplicate delivery). */
  redropChance: number;
  killIntervalMs: readonly [number, number];
  hostDownMs: readonly [number, number];
  /** Share of kills aimed just after a step the host reports rather than at a random moment. */
  aimedKillShare: number;
  aimDelayMs: readonly [number, number];
  storageOutages: number;
  storageOutageMs: readonly [number, number];
  m365Outages: number;
  m365OutageMs: readonly [number, number];
}

const shortProfile: SoakProfile = {
  durationMs: 60_000,
  users: 10,
  outlookShare: 0.3,
  photosPerUser: [1, 3],
  redropChance: 0.3,
  killIntervalMs: [3_000, 8_000],
  hostDownMs: [200, 2_000],
  aimedKillShare: 0.6,
  aimDelayMs: [0, 25],
  storageOutages: 1,
  storageOutageMs: [3_000, 8_000],
  m365Outages: 1,
  m365OutageMs: [5_000, 15_000],
};

export const soakProfiles: Record<'short' | 'long', SoakProfile> = {
  short: shortProfile,
  long: {
    ...shortProfile,
    durationMs: 600_000,
    users: 60,
    photosPerUser: [1, 4],
    killIntervalMs: [4_000, 15_000],
    hostDownMs: [200, 5_000],
    aimedKillShare: 0.5,
    aimDelayMs: [0, 40],
    storageOutages: 4,
    storageOutageMs: [3_000, 20_000],
    m365Outages: 4,
    m365OutageMs: [5_000, 30_000],
  },
};

/** Log events a kill can be aimed after: the end of an ingest, a write, a photo change. */
export const aimableEvents = ['photo-ingest', 'photo-write', 'photo-change'] as const;
export type AimableEvent = (typeof aimableEvents)[number];

export type SoakUserRole = 'hr' | 'outlook';

export type SoakAction =
  /** HR drops photo `photo` for `user`; `redrop` when it is the same file dropped again. */
  | { kind: 'drop'; at: number; user: number; photo: number; redrop: boolean }
  /** The person changes their own photo in Outlook to photo `photo`. */
  | { kind: 'change'; at: number; user: number; photo: number }
  | { kind: 'kill'; at: number; downMs: number; aim?: { event: AimableEvent; delayMs: number } }
  | { kind: 'storage-outage'; at: number; durationMs: number }
  | { kind: 'm365-outage'; at: number; durationMs: number };

export interface SoakPlan {
  seed: number;
  roles: SoakUserRole[];
  /** Distinct photos (drops of the same file share one). */
  photoCount: number;
  /** In time order. */
  actions: SoakAction[];
}

/** Times of `count` events in [from, to), at least `spacingMs` apart, in order. */
function spacedTimes(random: SeededRandom, count: number, from: number, to: number, spacingMs: number): number[] {
  const slack = Math.max(0, to - from - spacingMs * (count - 1));
  const offsets = Array.from({ length: count }, () => random.int(0, slack)).sort((a, b) => a - b);
  return offsets.map((offset, index) => from + offset + index * spacingMs);
}

export function planSoak(seed: number, profile: SoakProfile): SoakPlan {
  const random = new SeededRandom(seed);
  const actions: SoakAction[] = [];
  const outlookUsers = Math.round(profile.users * profile.outlookShare);
  const roles: SoakUserRole[] = Array.from({ length: profile.users }, (_, i) => (i < outlookUsers ? 'outlook' : 'hr'));
  // Photos land in the first 70 % of the phase, so the last ones still meet a kill or an outage.
  const lastDropAt = Math.round(profile.durationMs * 0.7);
  // Blob Last-Modified (the photo's receivedAt) has whole-second resolution: a person's photos are 1.5 s apart, so
  // "newest" is never a tie.
  const spacingMs = 1_500;
  let photo = 0;
  roles.forEach((role, user) => {
    const count = random.between(profile.photosPerUser);
    const times = spacedTimes(random, count, 0, lastDropAt, spacingMs);
    for (const at of times) {
      if (role === 'outlook') actions.push({ kind: 'change', at, user, photo: photo++ });
      else actions.push({ kind: 'drop', at, user, photo: photo++, redrop: false });
    }
    const last = times[times.length - 1];
    if (role === 'hr' && last !== undefined && random.chance(profile.redropChance))
      actions.push({ kind: 'drop', at: last + spacingMs, user, photo: photo - 1, redrop: true });
  });

  for (
    let at = random.between(profile.killIntervalMs);
    at < profile.durationMs;
    at += random.between(profile.killIntervalMs)
  ) {
    const downMs = random.between(profile.hostDownMs);
    const aimed = random.chance(profile.aimedKillShare);
    const aim = aimed ? { event: random.pick(aimableEvents), delayMs: random.between(profile.aimDelayMs) } : undefined;
    actions.push({ kind: 'kill', at, downMs, ...(aim ? { aim } : {}) });
  }
  const outageWindow = (durationMs: number): number =>
    random.int(Math.round(profile.durationMs * 0.1), Math.max(0, Math.round(profile.durationMs * 0.8) - durationMs));
  for (let i = 0; i < profile.storageOutages; i += 1) {
    const durationMs = random.between(profile.storageOutageMs);
    actions.push({ kind: 'storage-outage', at: outageWindow(durationMs), durationMs });
  }
  for (let i = 0; i < profile.m365Outages; i += 1) {
    const durationMs = random.between(profile.m365OutageMs);
    actions.push({ kind: 'm365-outage', at: outageWindow(durationMs), durationMs });
  }
  actions.sort((a, b) => a.at - b.at);
  return { seed, roles, photoCount: photo, actions };
}
