// The status page in a real browser (headless Chromium) against the local stack: HR finds a person, sees the
// photos read back from Exchange, SharePoint and the last drop with each target's state, retries a failed person,
// lists recent drops with rejection reasons and exports them as CSV; searches that match nobody or many people
// get a clear answer. The run saves a screenshot of the page (UPDATE_SCREENSHOTS=1 writes docs/status-page.png).

import { parse } from 'csv-parse/sync';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import type { HeadlessBrowser } from '../../support/headlessChromium';
import { waitFor, type LocalStack } from '../../support/localStackFixture';
import {
  closeStatusPage,
  demoUser as demoUserOf,
  dropIncoming,
  fetchPersonStatus,
  openStatusPage,
  saveScreenshot,
  searchLabel,
} from './statusPageFixture';
import { DEFAULT_PHOTO_READ_LAG_MS } from '../../../dev/m365-emulator';

let stack: LocalStack;
let browser: HeadlessBrowser;
let page: Page;
let statusUrl: string;

const demoUser = (givenName: string) => demoUserOf(stack, givenName);
const drop = (name: string, bytes: Buffer) => dropIncoming(stack, name, bytes);

const photo = (colour: string) =>
  sharp({ create: { width: 900, height: 700, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();

type PersonStatus = { targets: { target: string; state: string; reason?: string }[] };
const apiStatus = (q: string) => fetchPersonStatus<PersonStatus>(statusUrl, q);

const stateOf = async (q: string, target: string) =>
  (await apiStatus(q)).targets.find((t) => t.target === target)?.state;

async function search(text: string): Promise<void> {
  await page.goto(statusUrl);
  await page.getByLabel(searchLabel).fill(text);
  await page.getByRole('button', { name: 'Show photos' }).click();
  await page.waitForLoadState('load');
}

/** Natural sizes of the photos on the page, by alt text; 0 when a photo failed to load. */
async function loadedPhotos(): Promise<Record<string, number>> {
  await page.waitForFunction('[...document.images].every((img) => img.complete)');
  type Img = { alt: string; naturalWidth: number };
  return page.$$eval('img[data-photo]', (imgs) =>
    Object.fromEntries(imgs.map((img) => [(img as unknown as Img).alt, (img as unknown as Img).naturalWidth])),
  );
}

async function attributes(locator: Locator, name: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(name)));
}

beforeAll(async () => {
  ({ stack, browser, page, statusUrl } = await openStatusPage());
});

afterAll(() => closeStatusPage({ stack, browser }));

it('shows a written person side by side: the Exchange photo, the three SharePoint thumbnails and the drop', async () => {
  const adele = demoUser('Adele');
  await drop(`${adele.userPrincipalName}.jpg`, await photo('#2266aa'));
  await waitFor(async () => (await apiStatus(adele.userPrincipalName)).targets.every((t) => t.state === 'written'), {
    what: "Adele's photo written to both targets",
    timeoutMs: 30_000,
    intervalMs: 250,
  });

  await search('Adele');
  await expect(page.getByRole('heading', { level: 2, name: 'Adele Vance' }).count()).resolves.toBe(1);
  expect(await loadedPhotos()).toEqual({
    'Photo of Adele Vance in Exchange': 648,
    'Large SharePoint thumbnail of Adele Vance': 200,
    'Medium SharePoint thumbnail of Adele Vance': 72,
    'Small SharePoint thumbnail of Adele Vance': 48,
    [`Photo of Adele Vance HR dropped as ${adele.userPrincipalName}.jpg`]: 648,
  });
  expect(await attributes(page.locator('[data-state]'), 'data-state')).toEqual(['written', 'written']);
  expect(await page.getByRole('button', { name: /Try again/ }).count()).toBe(0);

  await saveScreenshot(page, 'status-page.png');
});

it('shows a failed target with the reason in HR words, and "Try again" writes it once the cause is fixed', async () => {
  const megan = demoUser('Megan');
  await drop(`${megan.userPrincipalName}.jpg`, await photo('#aa6622'));
  await waitFor(async () => (await stateOf(megan.userPrincipalName, 'exchange')) === 'failed', {
    what: "Megan's Exchange write failing (mailbox on-premises)",
    timeoutMs: 30_000,
    intervalMs: 250,
  });

  await search('E1008');
  await expect(page.getByRole('heading', { level: 2, name: 'Megan Bowen' }).count()).resolves.toBe(1);
  const exchange = page.locator('section[aria-labelledby="h-exchange"]');
  await expect(exchange.locator('[data-state]').getAttribute('data-state')).resolves.toBe('failed');
  await expect(exchange.textContent()).resolves.toContain('mailbox is in the on-premises Exchange');
  await expect(exchange.locator('.missing').textContent()).resolves.toBe('No photo in Exchange');

  stack.emulator.control.setMailbox(megan.id, 'exchangeOnline');
  await page.getByRole('button', { name: 'Try again for Megan Bowen' }).press('Enter');
  await page.waitForURL(/done=retried/);
  await expect(page.getByRole('status').textContent()).resolves.toContain('sent again');

  await waitFor(async () => (await stateOf(megan.id, 'exchange')) === 'written', {
    what: "Megan's Exchange photo written after the retry",
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  // Graph serves a new photo a minute after the write (the emulator's read-after-write lag, on its clock).
  stack.emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS + 1_000);
  await page.reload();
  await expect(exchange.locator('[data-state]').getAttribute('data-state')).resolves.toBe('written');
  expect((await loadedPhotos())['Photo of Megan Bowen in Exchange']).toBe(648);
});

it('answers a search that matches nobody, or several people, without guessing', async () => {
  await search('Nobody-Here');
  await expect(page.getByRole('alert').textContent()).resolves.toContain('Nobody in the directory matches');
  expect(await page.locator('img[data-photo]').count()).toBe(0);

  stack.emulator.control.addUser({ displayName: 'Pat Smith', userPrincipalName: 'pat.smith@contoso.example' });
  stack.emulator.control.addUser({ displayName: 'Pat Smithers', userPrincipalName: 'pat.smithers@contoso.example' });
  await search('Pat Smith');
  await expect(page.getByRole('alert').textContent()).resolves.toContain('2 people match');
  const choices = await page.getByRole('listitem').allTextContents();
  expect(choices.sort()).toEqual([
    'Pat Smith (pat.smith@contoso.example)',
    'Pat Smithers (pat.smithers@contoso.example)',
  ]);
  expect(await page.locator('img[data-photo]').count()).toBe(0);

  const api = await fetch(`${statusUrl}/people?q=${encodeURIComponent('Pat Smith')}`);
  expect(api.status).toBe(409);
});

it('lists recent drops filtered by outcome with the rejection reason, and exports them as CSV', async () => {
  await drop('someone-unknown@contoso.example.jpg', await photo('#777777'));
  await waitFor(
    async () => {
      const response = await fetch(`${statusUrl}/drops?format=json&outcome=rejected`);
      const body = (await response.json()) as { drops: { name: string }[] };
      return body.drops.some((d) => d.name === 'someone-unknown@contoso.example.jpg');
    },
    { what: 'the rejected drop listed', timeoutMs: 30_000, intervalMs: 250 },
  );

  await page.goto(statusUrl);
  await page.getByRole('link', { name: 'Recent drops' }).click();
  await page.getByLabel('Outcome').selectOption('rejected');
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/outcome=rejected/);
  const rows = page.locator('tbody tr');
  expect(await attributes(rows, 'data-outcome')).toEqual(['rejected']);
  await expect(rows.first().textContent()).resolves.toContain('someone-unknown@contoso.example.jpg');

  const csvHref = await page.getByRole('link', { name: 'Download as CSV' }).getAttribute('href');
  const csv = await fetch(new URL(csvHref ?? '', statusUrl));
  expect(csv.headers.get('content-type')).toContain('text/csv');
  const records: Record<string, string>[] = parse(await csv.text(), { columns: true });
  expect(records.map((r) => [r.File, r.Outcome])).toEqual([['someone-unknown@contoso.example.jpg', 'rejected']]);
  expect(records[0]?.Reason).toBeTruthy();

  const all = (await (await fetch(`${statusUrl}/drops?format=json`)).json()) as { drops: { outcome: string }[] };
  expect(all.drops.filter((d) => d.outcome === 'accepted').length).toBeGreaterThanOrEqual(2);
});
