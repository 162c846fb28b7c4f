import sharp from 'sharp';
import { Client } from '@microsoft/microsoft-graph-client';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { accessToken, bearer } from './emulatorClients';

let emulator: M365Emulator;
let token: string;

beforeAll(async () => {
  emulator = await startM365Emulator({
    seed: 'demo',
    // Protocol tests: the photo store's realism (read lag, re-encoding) has its own file, emulatorPhotoStore.test.ts.
    photoReadLagMs: 0,
    reencodePhotos: false,
  });
  token = await accessToken(emulator, { resource: emulator.urls.graphBaseUrl });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.control.clearFaults();
  emulator.control.setThrottling({ service: 'graph' });
  emulator.control.setPhotoUpdateSource('cloud');
});

const graph = (path: string, init: RequestInit = {}) =>
  fetch(`${emulator.urls.graphBaseUrl}/v1.0${path}`, {
    ...init,
    headers: { ...bearer(token), ...(init.headers ?? {}) },
  });
const userByMailbox = (mailbox: string) => {
  const user = emulator.users.find((u) => u.mailbox === mailbox);
  if (!user) throw new Error(`no demo user with mailbox ${mailbox}`);
  return user;
};
const jpeg = (colour: string, size = 300) =>
  sharp({ create: { width: size, height: size, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
type GraphErrorBody = { error: { code: string; message: string } };

describe('users', () => {
  test('pages with @odata.nextLink and honours $top and $select', async () => {
    const first = (await (await graph('/users?$top=3&$select=id,employeeId')).json()) as Record<string, unknown>;
    expect((first.value as unknown[]).length).toBe(3);
    expect(Object.keys((first.value as Record<string, unknown>[])[0] ?? {})).toEqual(['id', 'employeeId']);
    const seen = [...(first.value as { id: string }[])];
    let next = first['@odata.nextLink'] as string | undefined;
    while (next) {
      const page = (await (await fetch(next, { headers: bearer(token) })).json()) as Record<string, unknown>;
      seen.push(...(page.value as { id: string }[]));
      next = page['@odata.nextLink'] as string | undefined;
    }
    expect(new Set(seen.map((u) => u.id)).size).toBe(emulator.users.length);
  });

  test('filters on employeeId and returns employeeId only when selected', async () => {
    const body = (await (
      await graph(`/users?$filter=employeeId eq 'E1003'&$select=id,displayName,employeeId`)
    ).json()) as {
      value: { employeeId: string }[];
    };
    expect(body.value).toHaveLength(1);
    expect(body.value[0]?.employeeId).toBe('E1003');
    const plain = (await (await graph('/users?$top=1')).json()) as { value: Record<string, unknown>[] };
    expect(plain.value[0]).not.toHaveProperty('employeeId');
  });

  test('gets a user by UPN and answers Request_ResourceNotFound for an unknown one', async () => {
    const upn = emulator.users[0]?.userPrincipalName ?? '';
    const found = (await (await graph(`/users/${encodeURIComponent(upn)}`)).json()) as { id: string };
    expect(found.id).toBe(emulator.users[0]?.id);
    const missing = await graph('/users/nobody@contoso.com');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as GraphErrorBody).error.code).toBe('Request_ResourceNotFound');
  });
});

describe('checkMemberGroups', () => {
  const groupId = 'c0ffee00-0000-4000-8000-000000000001';
  const nestedId = 'c0ffee00-0000-4000-8000-000000000002';
  const check = (userId: string, groupIds: unknown) =>
    graph(`/users/${userId}/checkMemberGroups`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ groupIds }),
    });

  test('answers which of the given groups a user is in, through nested groups, leaving unknown groups out', async () => {
    const [member, outsider] = emulator.users;
    if (!member || !outsider) throw new Error('the demo tenant has users');
    emulator.control.addGroupMember(groupId, nestedId);
    emulator.control.addGroupMember(nestedId, member.id);
    const unknown = 'c0ffee00-0000-4000-8000-0000000000ff';
    const answer = (await (await check(member.id, [groupId, unknown])).json()) as { value: string[] };
    expect(answer.value).toEqual([groupId]);
    const none = (await (await check(outsider.id, [groupId])).json()) as { value: string[] };
    expect(none.value).toEqual([]);
  });

  test('refuses more than 20 groups, and an app without a group-read permission', async () => {
    const user = emulator.users[0];
    if (!user) throw new Error('the demo tenant has users');
    const tooMany = Array.from({ length: 21 }, (_, i) => `c0ffee00-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect((await check(user.id, tooMany)).status).toBe(400);
    emulator.control.revokeRoles('photoSync', 'graph', ['GroupMember.Read.All']);
    try {
      const denied = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${user.id}/checkMemberGroups`, {
        method: 'POST',
        headers: {
          ...bearer(await accessToken(emulator, { resource: emulator.urls.graphBaseUrl })),
          'content-type': 'application/json',
        },
        body: JSON.stringify({ groupIds: [groupId] }),
      });
      expect(denied.status).toBe(403);
      expect(((await denied.json()) as GraphErrorBody).error.code).toBe('Authorization_RequestDenied');
    } finally {
      emulator.control.grantRoles('photoSync', 'graph', ['GroupMember.Read.All']);
    }
  });
});

describe('photos', () => {
  test('PUT then GET $value returns the same bytes, and the metadata has a new mediaEtag and the image size', async () => {
    const user = userByMailbox('exchangeOnline');
    const before = (await (await graph(`/users/${user.id}/photo`)).json()) as Record<string, unknown>;
    const bytes = await jpeg('#884422', 320);
    const put = await graph(`/users/${user.id}/photo/$value`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    expect(put.status).toBe(200);
    const back = Buffer.from(await (await graph(`/users/${user.id}/photo/$value`)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
    const after = (await (await graph(`/users/${user.id}/photo`)).json()) as Record<string, unknown>;
    expect(after['@odata.mediaEtag']).not.toBe(before['@odata.mediaEtag']);
    expect(after).toMatchObject({ '@odata.mediaContentType': 'image/jpeg', width: 320, height: 320 });
  });

  test('any Graph client (the Graph JavaScript SDK) reads back what was written', async () => {
    const user = userByMailbox('exchangeOnline');
    const bytes = await jpeg('#113355', 200);
    await graph(`/users/${user.id}/photo/$value`, {
      method: 'PATCH',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    const client = Client.init({
      baseUrl: emulator.urls.graphBaseUrl,
      // The SDK compares host names without the port: `localhost`, not `localhost:8444`.
      customHosts: new Set([new URL(emulator.urls.graphBaseUrl).hostname]),
      authProvider: (done) => done(null, token),
    });
    const metadata = (await client.api(`/users/${user.id}/photo`).get()) as { width: number };
    expect(metadata.width).toBe(200);
    const stream = (await client.api(`/users/${user.id}/photo/$value`).getStream()) as ReadableStream<Uint8Array>;
    const read = Buffer.from(await new Response(stream).arrayBuffer());
    expect(read.equals(bytes)).toBe(true);
  });

  test('a user without an Exchange Online mailbox answers a bare 404 by default; on-premises MailboxNotHostedInExchangeOnline', async () => {
    const bytes = await jpeg('#222222');
    const none = await graph(`/users/${userByMailbox('none').id}/photo/$value`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    expect(none.status).toBe(404);
    // The least telling of the reported answers (each one: emulatorRealTenant.test.ts).
    expect(await none.text()).toBe('');
    const onPrem = await graph(`/users/${userByMailbox('onPremises').id}/photo/$value`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: bytes,
    });
    expect(((await onPrem.json()) as GraphErrorBody).error.code).toBe('MailboxNotHostedInExchangeOnline');
  });

  test('a user without a photo answers 404 ImageNotFound', async () => {
    const user = emulator.users.find((u) => u.mailbox === 'exchangeOnline' && !emulator.control.getPhoto(u.id));
    const response = await graph(`/users/${user?.id ?? ''}/photo`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as GraphErrorBody).error.code).toBe('ImageNotFound');
  });

  test('photos over 4 MB are refused with 413', async () => {
    const user = userByMailbox('exchangeOnline');
    const big = Buffer.alloc(4 * 1024 * 1024 + 1, 1);
    const response = await graph(`/users/${user.id}/photo/$value`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: big,
    });
    expect(response.status).toBe(413);
  });

  test('a tenant whose photo updates are managed on-premises refuses cloud writes and says so', async () => {
    emulator.control.setPhotoUpdateSource('onPremises');
    const settings = (await (
      await fetch(`${emulator.urls.graphBaseUrl}/beta/admin/people/photoUpdateSettings`, { headers: bearer(token) })
    ).json()) as { source: string };
    expect(settings.source).toBe('onPremises');
    const user = userByMailbox('exchangeOnline');
    const response = await graph(`/users/${user.id}/photo/$value`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: await jpeg('#010101'),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as GraphErrorBody).error.message).toMatch(/onPremises/);
  });
});

describe('$batch, throttling and faults', () => {
  test('a $batch of 20 photo metadata reads answers each request by id', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => emulator.users[i % emulator.users.length]?.id ?? '');
    const response = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: ids.map((id, i) => ({ id: String(i + 1), method: 'GET', url: `/users/${id}/photo` })),
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      responses: { id: string; status: number; body: Record<string, unknown> }[];
    };
    expect(body.responses.map((r) => r.id).sort()).toEqual(ids.map((_, i) => String(i + 1)).sort());
    for (const r of body.responses) {
      const id = ids[Number(r.id) - 1] ?? '';
      const stored = emulator.control.getPhoto(id);
      if (stored) expect(r).toMatchObject({ status: 200, body: { '@odata.mediaEtag': stored.mediaEtag } });
      else expect(r).toMatchObject({ status: 404, body: { error: { code: 'ImageNotFound' } } });
    }
    const tooMany = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' })),
      }),
    });
    expect(tooMany.status).toBe(400);
  });

  test('past the configured rate Graph answers 429 with Retry-After, also inside a batch', async () => {
    emulator.control.setThrottling({ service: 'graph', limit: 5, windowMs: 2000 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i += 1) {
      const response = await graph('/users?$top=1');
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.arrayBuffer();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const batch = await graph('/$batch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/users?$top=1' }] }),
    });
    const inner = ((await batch.json()) as { responses: { status: number; headers: Record<string, string> }[] })
      .responses[0];
    expect(batch.status).toBe(200);
    expect(inner?.status).toBe(429);
    expect(inner?.headers['retry-after']).toBeDefined();
    expect(emulator.control.stats().throttled).toBeGreaterThanOrEqual(4);
  });

  test('injected faults answer the configured status, then stop; a dropped connection fails the request', async () => {
    emulator.control.injectFault({
      service: 'graph',
      method: 'GET',
      pathPattern: '/photo$',
      status: 503,
      retryAfterSeconds: 2,
      times: 1,
    });
    const user = userByMailbox('exchangeOnline');
    const faulted = await graph(`/users/${user.id}/photo`);
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('retry-after')).toBe('2');
    expect(((await faulted.json()) as GraphErrorBody).error.code).toBe('ServiceUnavailable');
    expect((await graph(`/users/${user.id}/photo`)).status).toBe(200);

    emulator.control.injectFault({ service: 'graph', dropConnection: true });
    await expect(graph('/users')).rejects.toThrow();
  });
});

describe('control API over HTTPS', () => {
  test('PUT /_emulator/users/{upn}/photo changes the photo as the user would, visible through Graph', async () => {
    const user = userByMailbox('exchangeOnline');
    const bytes = await jpeg('#5500aa', 96);
    const response = await fetch(`${emulator.urls.graphBaseUrl}/_emulator/users/${user.userPrincipalName}/photo`, {
      method: 'PUT',
      body: bytes,
    });
    const { mediaEtag } = (await response.json()) as { mediaEtag: string };
    const metadata = (await (await graph(`/users/${user.id}/photo`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ '@odata.mediaEtag': mediaEtag, width: 96 });
    const stats = (await (await fetch(`${emulator.urls.graphBaseUrl}/_emulator/stats`)).json()) as {
      byRoute: Record<string, number>;
    };
    expect(stats.byRoute['graph PUT emulator.changePhoto']).toBeGreaterThanOrEqual(1);
  });
});
