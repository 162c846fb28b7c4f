// The emulator's photo store reads as a real tenant's does by default (real-tenant.md, issue 11): no `/users`
// notification for a photo change, reads that return the previous photo for a while after a write, a new
// `@odata.mediaEtag` on every write, and Exchange's re-encoded copy instead of the bytes written. Each other reading
// is an option, tested here too.

import sharp from 'sharp';
import {
  DEFAULT_PHOTO_READ_LAG_MS,
  startM365Emulator,
  type M365Emulator,
  type M365EmulatorOptions,
} from '../../../dev/m365-emulator';
import { accessToken, bearer } from './emulatorClients';

const started: M365Emulator[] = [];

async function emulatorWith(options: M365EmulatorOptions = {}): Promise<{ emulator: M365Emulator; token: string }> {
  const emulator = await startM365Emulator({ seed: 'demo', ...options });
  started.push(emulator);
  return { emulator, token: await accessToken(emulator, { resource: emulator.urls.graphBaseUrl }) };
}

afterAll(async () => {
  await Promise.all(started.map((e) => e.close()));
});

function photo(background: string, size = 300): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

function mailboxUser(emulator: M365Emulator, index = 0) {
  const user = emulator.users.filter((u) => u.mailbox === 'exchangeOnline')[index];
  if (!user) throw new Error('the demo tenant needs users with a mailbox');
  return user;
}

async function putPhoto(emulator: M365Emulator, token: string, userId: string, bytes: Buffer): Promise<void> {
  const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${userId}/photo/$value`, {
    method: 'PUT',
    headers: bearer(token, { 'content-type': 'image/jpeg' }),
    body: bytes,
  });
  expect(response.status).toBe(200);
}

async function readEtag(emulator: M365Emulator, token: string, userId: string): Promise<string | undefined> {
  const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${userId}/photo`, {
    headers: bearer(token),
  });
  if (response.status === 404) return undefined;
  return ((await response.json()) as Record<string, string>)['@odata.mediaEtag'];
}

async function readBytes(emulator: M365Emulator, token: string, userId: string): Promise<Buffer> {
  const response = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${userId}/photo/$value`, {
    headers: bearer(token),
  });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function subscribe(emulator: M365Emulator, token: string): Promise<{ received: unknown[]; close(): void }> {
  const { createServer } = await import('node:http');
  const received: unknown[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const validationToken = url.searchParams.get('validationToken');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (validationToken !== null) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end(validationToken);
        return;
      }
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const created = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/subscriptions`, {
    method: 'POST',
    headers: bearer(token, { 'content-type': 'application/json' }),
    body: JSON.stringify({
      changeType: 'updated',
      resource: '/users',
      notificationUrl: `http://127.0.0.1:${port}/api/notifications`,
      expirationDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      clientState: 'photo-store-test',
    }),
  });
  expect(created.status).toBe(201);
  return { received, close: () => server.close() };
}

describe('by default (the real tenant reading)', () => {
  it('raises no /users notification when the person or an app changes a photo', async () => {
    const { emulator, token } = await emulatorWith();
    const subscription = await subscribe(emulator, token);
    try {
      const user = mailboxUser(emulator);
      await emulator.control.changePhotoAsUser(user.id, await photo('#aa3300'));
      await putPhoto(emulator, token, user.id, await photo('#0033aa'));
      // Deliveries are recorded when a change is raised, before any HTTP: none recorded means none will come.
      expect(emulator.control.deliveries()).toEqual([]);
      expect(subscription.received).toEqual([]);
    } finally {
      subscription.close();
    }
  });

  it('serves the previous photo for the read lag after a write, then the new one', async () => {
    const { emulator, token } = await emulatorWith();
    const user = mailboxUser(emulator);
    const before = await readEtag(emulator, token, user.id);
    expect(before).toBeDefined();
    await putPhoto(emulator, token, user.id, await photo('#112233'));
    const written = emulator.control.getPhoto(user.id)?.mediaEtag;
    expect(written).not.toBe(before);
    expect(await readEtag(emulator, token, user.id)).toBe(before);
    emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS - 1_000);
    expect(await readEtag(emulator, token, user.id)).toBe(before);
    emulator.control.advanceClock(2_000);
    expect(await readEtag(emulator, token, user.id)).toBe(written);
  });

  it('serves no photo for the read lag after the first photo of someone who had none, and after a removal the old one', async () => {
    const { emulator, token } = await emulatorWith();
    const user = emulator.control.addUser({ displayName: 'No Photo', userPrincipalName: 'no.photo@contoso.com' });
    await putPhoto(emulator, token, user.id, await photo('#445566'));
    expect(await readEtag(emulator, token, user.id)).toBeUndefined();
    emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS + 1_000);
    const first = await readEtag(emulator, token, user.id);
    expect(first).toBeDefined();
    emulator.control.removePhotoAsUser(user.id);
    expect(await readEtag(emulator, token, user.id)).toBe(first);
    emulator.control.advanceClock(DEFAULT_PHOTO_READ_LAG_MS + 1_000);
    expect(await readEtag(emulator, token, user.id)).toBeUndefined();
  });

  it('gives a new mediaEtag to every write, even of the same bytes', async () => {
    const { emulator, token } = await emulatorWith({ photoReadLagMs: 0 });
    const user = mailboxUser(emulator);
    const bytes = await photo('#778899');
    await putPhoto(emulator, token, user.id, bytes);
    const first = await readEtag(emulator, token, user.id);
    await putPhoto(emulator, token, user.id, bytes);
    const second = await readEtag(emulator, token, user.id);
    expect(first).toBeDefined();
    expect(second).not.toBe(first);
  });

  it('stores a re-encoded copy: the bytes read back differ from the bytes written, the picture does not', async () => {
    const { emulator, token } = await emulatorWith({ photoReadLagMs: 0 });
    const user = mailboxUser(emulator);
    const bytes = await photo('#c83264', 700);
    await putPhoto(emulator, token, user.id, bytes);
    const back = await readBytes(emulator, token, user.id);
    expect(back.equals(bytes)).toBe(false);
    const meta = await sharp(back).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 648, 648]);
    const [r, g, b] = (await sharp(back).stats()).channels.map((c) => Math.round(c.mean));
    expect(Math.abs((r ?? 0) - 0xc8) + Math.abs((g ?? 0) - 0x32) + Math.abs((b ?? 0) - 0x64)).toBeLessThan(15);
  });
});

describe('other readings, each an option', () => {
  it('notifyOnPhotoChange raises a notification for the person’s change and for an app’s write', async () => {
    const { emulator, token } = await emulatorWith({ notifyOnPhotoChange: true, photoReadLagMs: 0 });
    const subscription = await subscribe(emulator, token);
    try {
      const user = mailboxUser(emulator);
      await emulator.control.changePhotoAsUser(user.id, await photo('#aa3300'));
      await putPhoto(emulator, token, user.id, await photo('#0033aa'));
      expect(emulator.control.deliveries().filter((d) => d.kind === 'change')).toHaveLength(2);
    } finally {
      subscription.close();
    }
  });

  it('photoReadLagMs 0 serves the new photo at once', async () => {
    const { emulator, token } = await emulatorWith({ photoReadLagMs: 0 });
    const user = mailboxUser(emulator);
    await putPhoto(emulator, token, user.id, await photo('#123456'));
    expect(await readEtag(emulator, token, user.id)).toBe(emulator.control.getPhoto(user.id)?.mediaEtag);
  });

  it('mediaEtag withContent gives the same bytes the same tag, and other bytes another', async () => {
    const { emulator, token } = await emulatorWith({ photoReadLagMs: 0, mediaEtag: 'withContent' });
    const user = mailboxUser(emulator);
    const bytes = await photo('#778899');
    await putPhoto(emulator, token, user.id, bytes);
    const first = await readEtag(emulator, token, user.id);
    await putPhoto(emulator, token, user.id, bytes);
    expect(await readEtag(emulator, token, user.id)).toBe(first);
    await putPhoto(emulator, token, user.id, await photo('#998877'));
    expect(await readEtag(emulator, token, user.id)).not.toBe(first);
  });

  it('reencodePhotos false stores the bytes as written', async () => {
    const { emulator, token } = await emulatorWith({ photoReadLagMs: 0, reencodePhotos: false });
    const user = mailboxUser(emulator);
    const bytes = await photo('#c83264', 700);
    await putPhoto(emulator, token, user.id, bytes);
    expect((await readBytes(emulator, token, user.id)).equals(bytes)).toBe(true);
  });

  it('the control API switches the readings of a running emulator', async () => {
    const { emulator, token } = await emulatorWith();
    const set = (body: unknown) =>
      fetch(`${emulator.urls.graphBaseUrl}/_emulator/photoStore`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await set({ mediaEtag: 'sometimes' })).status).toBe(400);
    expect((await set({ photoReadLagMs: 0, mediaEtag: 'withContent', reencodePhotos: false })).status).toBe(204);
    const user = mailboxUser(emulator);
    const bytes = await photo('#334455');
    await putPhoto(emulator, token, user.id, bytes);
    expect((await readBytes(emulator, token, user.id)).equals(bytes)).toBe(true);
    const first = await readEtag(emulator, token, user.id);
    await putPhoto(emulator, token, user.id, bytes);
    expect(await readEtag(emulator, token, user.id)).toBe(first);
  });
});
