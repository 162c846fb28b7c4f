// What the status page's browser tests share: the local stack with a headless Chromium page on the status page,
// HR's drop into photos-incoming, the demo people, the JSON API, and the screenshots the docs show.

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import type { Page } from 'playwright-core';
import { containers } from '../../../src/storage/names';
import { launchHeadlessChromium, type HeadlessBrowser } from '../../support/headlessChromium';
import { startTestStack, type LocalStack } from '../../support/localStackFixture';

export const searchLabel = 'Name, e-mail address (UPN) or employee id';

export interface StatusPageSession {
  stack: LocalStack;
  browser: HeadlessBrowser;
  page: Page;
  statusUrl: string;
}

export async function openStatusPage(
  options: { extraSettings?: Record<string, string> } = {},
): Promise<StatusPageSession> {
  const stack = await startTestStack(options.extraSettings ? { extraSettings: options.extraSettings } : {});
  const browser = await launchHeadlessChromium();
  return { stack, browser, page: await browser.context.newPage(), statusUrl: `${stack.host.httpBaseUrl}/status` };
}

export async function closeStatusPage(session: Partial<StatusPageSession>): Promise<void> {
  await session.browser?.close();
  await session.stack?.stop();
}

/** A demo person by given name (Adele, Megan, …). */
export function demoUser(stack: LocalStack, givenName: string) {
  const user = stack.emulator.users.find((u) => u.userPrincipalName.startsWith(`${givenName.toLowerCase()}.`));
  if (!user) throw new Error(`no demo user ${givenName}`);
  return user;
}

/** HR's drop: a file uploaded into photos-incoming, with blob metadata when given. */
export async function dropIncoming(
  stack: LocalStack,
  name: string,
  bytes: Buffer,
  metadata: Record<string, string> = {},
): Promise<void> {
  await BlobServiceClient.fromConnectionString(stack.storageConnectionString)
    .getContainerClient(containers.incoming)
    .getBlockBlobClient(name)
    .uploadData(bytes, { metadata });
}

/** The JSON API's view of one person, as a script would read it. */
export async function fetchPersonStatus<T>(statusUrl: string, q: string): Promise<T> {
  const response = await fetch(`${statusUrl}/people?q=${encodeURIComponent(q)}`);
  if (response.status !== 200) throw new Error(`status ${response.status}`);
  return (await response.json()) as T;
}

/** Into .local/screenshots on every run; UPDATE_SCREENSHOTS=1 also refreshes the copy in docs/. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  const shotDir = path.resolve(__dirname, '../../../.local/screenshots');
  mkdirSync(shotDir, { recursive: true });
  await page.screenshot({ path: path.join(shotDir, name), fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await page.screenshot({ path: path.resolve(__dirname, `../../../docs/${name}`), fullPage: true });
  }
}
