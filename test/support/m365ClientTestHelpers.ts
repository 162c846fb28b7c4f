// Helpers for tests that drive the product's Microsoft 365 clients against the emulator directly.

import sharp from 'sharp';
import type { M365Emulator } from '../../dev/m365-emulator';
import { isM365RequestError, type M365RequestError } from '../../src/m365/M365RequestError';

/** A small solid-colour JPEG, made at test time. */
export function solidJpeg(colour: string, size = 96): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

/** The emulator's first demo user whose mailbox is of this kind. */
export function demoUserWithMailbox(emulator: M365Emulator, mailbox: 'exchangeOnline' | 'none' | 'onPremises') {
  const found = emulator.users.find((u) => u.mailbox === mailbox);
  if (!found) throw new Error(`the demo tenant has no user with mailbox ${mailbox}`);
  return found;
}

/** The M365RequestError a call fails with; anything else (success included) fails the test. */
export async function m365RequestFailure(promise: Promise<unknown>): Promise<M365RequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isM365RequestError(error)) throw new Error(`expected an M365RequestError, got ${String(error)}`);
  return error;
}
