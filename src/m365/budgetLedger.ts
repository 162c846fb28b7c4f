// The arithmetic of a budget shared by several instances (SharePoint's per-app resource units), kept pure so it can be
// tested without storage. The shared record is a ledger of units leased per time slot: a window of `windowMs` is cut
// into `slots` slots, and a lease taken in slot i is granted only while the slots i-k…i (k+1 of them, k = `slots`)
// hold no more than the budget with it. Any span of one window length touches at most k+1 consecutive slots, so no
// span of that length ever holds more than the budget, however the service aligns its own window (the emulator's
// are fixed, back to back; a sliding log is the strictest reading). The price is a ceiling of k/(k+1) of the budget
// (95 % with 20 slots). Leased units are spent only within their slot (the lessee drops what is left at the slot's
// end and gives it back with its next lease), so what was sent in a slot never exceeds what was leased in it.

export interface BudgetShape {
  /** Units allowed per window. */
  units: number;
  windowMs: number;
  /** Slots per window (the finer, the closer the ceiling k/(k+1) gets to the whole budget). */
  slots: number;
}

/** Units leased per slot number (slot = floor(time / slot length)); only slots still inside the window matter. */
export type LedgerSlots = Record<string, number>;

export interface LeaseRequest {
  now: number;
  /** Units wanted (the shortfall plus a block for the fast path). */
  want: number;
  /** Fewer than this is no use (the request that asked needs them all at once). */
  min: number;
  /** Units leased earlier and not spent, by slot: they come off those slots before the new lease is weighed. */
  giveBack?: ReadonlyArray<{ slot: number; units: number }>;
}

export type LeaseOutcome =
  | { kind: 'granted'; units: number; slot: number; slots: LedgerSlots }
  | { kind: 'wait'; ms: number; slots: LedgerSlots };

export function slotLengthMs(shape: BudgetShape): number {
  return shape.windowMs / shape.slots;
}

export function slotAt(shape: BudgetShape, now: number): number {
  return Math.floor(now / slotLengthMs(shape));
}

/** What the ledger holds for the slots that still count at `slot` (it and the k before it); older ones dropped. */
export function liveSlots(shape: BudgetShape, slots: LedgerSlots, slot: number): LedgerSlots {
  const live: LedgerSlots = {};
  for (const [key, units] of Object.entries(slots)) {
    const n = Number(key);
    if (n >= slot - shape.slots && units > 0) live[key] = units;
  }
  return live;
}

function spentAround(shape: BudgetShape, slots: LedgerSlots, slot: number): number {
  let sum = 0;
  for (let s = slot - shape.slots; s <= slot; s += 1) sum += slots[String(s)] ?? 0;
  return sum;
}

/** Grants up to `want` units in the current slot (at least `min`), or says how long until `min` fit. */
export function leaseUnits(shape: BudgetShape, ledger: LedgerSlots, request: LeaseRequest): LeaseOutcome {
  const slot = slotAt(shape, request.now);
  const slots = liveSlots(shape, ledger, slot);
  for (const back of request.giveBack ?? []) {
    const key = String(back.slot);
    if (slots[key] === undefined) continue;
    const left = Math.max(0, slots[key] - back.units);
    if (left > 0) slots[key] = left;
    else delete slots[key];
  }
  const free = shape.units - spentAround(shape, slots, slot);
  // More than the whole budget at once goes alone, once nothing else counts.
  const min = Math.min(request.min, shape.units);
  if (free >= min) {
    const units = free >= request.min ? Math.min(request.want, free) : request.min;
    slots[String(slot)] = (slots[String(slot)] ?? 0) + units;
    return { kind: 'granted', units, slot, slots };
  }
  // The first later slot whose k+1 slots leave room: slots drop out of the sum as time passes.
  for (let next = slot + 1; next <= slot + shape.slots + 1; next += 1) {
    if (shape.units - spentAround(shape, slots, next) >= min) {
      return { kind: 'wait', ms: Math.max(1, next * slotLengthMs(shape) - request.now), slots };
    }
  }
  return { kind: 'wait', ms: (slot + shape.slots + 1) * slotLengthMs(shape) - request.now, slots };
}

/** SharePoint's per-app minute, in 3-second slots (a ceiling of 20/21 of the budget); `units` comes from config. */
export const sharePointBudgetShape: Omit<BudgetShape, 'units'> = { windowMs: 60_000, slots: 20 };
