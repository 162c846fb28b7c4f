// The emulator's Graph answers to every call the product makes, checked against Microsoft's published description
// of Graph v1.0 (test/fixtures/conformance/graph-v1.0.json, extracted from microsoftgraph/msgraph-metadata) and,
// for `$batch`, against the OData JSON batch format. The calls are the product's own (GraphClient over
// M365Transport); every answer is recorded and checked, so a call added to the product without a check fails here.

import { createServer, type Server } from 'node:http';
import sharp from 'sharp';
import { startM365Emulator, type M365Emulator } from '../../../dev/m365-emulator';
import { GraphClient } from '../../../src/m365/GraphClient';
import { GraphSubscriptions } from '../../../src/m365/GraphSubscriptions';
import {
  declaredProperties,
  entitySetType,
  graphCollectionViolations,
  graphSchemaViolations,
  navigationType,
} from '../../support/graphSchemaViolations';
import { accessToken, bearer } from './emulatorClients';
import { jsonBody, recordedM365Clients, type RecordedExchange } from './recordedM365Clients';
import { waitFor } from '../../support/localStackFixture';

const USER = entitySetType('users');
const conformanceGroupId = 'c0ffee00-0000-4000-8000-00000000c0de';
const PHOTO = navigationType('microsoft.graph.user/photo');
const SUBSCRIPTION = entitySetType('subscriptions');
const ERROR = 'microsoft.graph.publicErrorResponse';
const NOTIFICATIONS = 'microsoft.graph.changeNotificationCollection';

/** The product's Graph routes, by method and path (ids replaced). */
function graphRoute(exchange: RecordedExchange): string {
  const path = exchange.url.pathname
    .replace(/^\/v1\.0\/users\/[^/]+/i, '/v1.0/users/{id}')
    .replace(/^\/v1\.0\/subscriptions\/[^/]+/i, '/v1.0/subscriptions/{id}');
  return `${exchange.method} ${decodeURIComponent(path)}`;
}

let emulator: M365Emulator;
let receiver: Server;
let graph: GraphClient;
let exchanges: RecordedExchange[];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An error answer: Graph's error body (`publicErrorResponse`) with the code and message clients key on. */
function errorViolations(exchange: RecordedExchange, where: string): string[] {
  const body = jsonBody(exchange);
  // The tenant's default answer to a photo write for a person without a mailbox is a bare 404, as reported
  // (microsoft-graph-docs #8236): the one error the docs' shape does not cover, listed in docs/m365-emulator.md.
  if (
    body === undefined &&
    exchange.status === 404 &&
    /\/photo\/\$value$/.test(decodeURIComponent(exchange.url.pathname))
  )
    return [];
  const violations = graphSchemaViolations(ERROR, body, { where });
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  if (typeof error.code !== 'string' || typeof error.message !== 'string')
    violations.push(`${where}.error: code and message must be strings`);
  if (!exchange.contentType.startsWith('application/json'))
    violations.push(`${where}: content-type ${exchange.contentType}`);
  return violations;
}

function selected(exchange: RecordedExchange): string[] | undefined {
  return exchange.url.searchParams.get('$select')?.split(',');
}

/** OData: `$select` returns exactly the selected properties (plus control information). */
function selectViolations(user: unknown, select: string[] | undefined, where: string): string[] {
  if (!select || !isRecord(user)) return [];
  const names = Object.keys(user).filter((k) => !k.startsWith('@'));
  return [
    ...select.filter((s) => !names.includes(s)).map((s) => `${where}: selected ${s} is missing`),
    ...names.filter((n) => !select.includes(n)).map((n) => `${where}: ${n} was not selected`),
  ];
}

function headerValue(headers: unknown, name: string): string {
  if (!isRecord(headers)) return '';
  const value = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return typeof value === 'string' ? value : '';
}

/**
 * A JSON batch answer (OData JSON Format 4.01 §19, as Graph's json-batching page describes it):
 * `{"responses":[{id, status, headers?, body?}]}`, ids matching the requests; bodies checked by the inner request.
 */
function batchViolations(exchange: RecordedExchange, requests: { id: string; url: string }[]): string[] {
  const body = jsonBody(exchange);
  if (!isRecord(body) || !Array.isArray(body.responses)) return ['$: a batch answer must be {"responses":[...]}'];
  const violations = Object.keys(body)
    .filter((k) => k !== 'responses' && k !== '@odata.nextLink')
    .map((k) => `$.${k}: not part of a batch answer`);
  if (body.responses.length !== requests.length)
    violations.push(`$.responses: ${body.responses.length} answers to ${requests.length} requests`);
  body.responses.forEach((item: unknown, i) => {
    const where = `$.responses[${i}]`;
    if (!isRecord(item)) return void violations.push(`${where}: must be an object`);
    for (const key of Object.keys(item))
      if (!['id', 'status', 'headers', 'body', 'atomicityGroup'].includes(key))
        violations.push(`${where}.${key}: not part of a batch response`);
    const request = requests.find((r) => r.id === item.id);
    if (!request) violations.push(`${where}.id: ${JSON.stringify(item.id)} names no request`);
    if (!Number.isInteger(item.status)) violations.push(`${where}.status: must be an integer`);
    const headers = item.headers ?? {};
    if (!isRecord(headers) || Object.values(headers).some((v) => typeof v !== 'string'))
      violations.push(`${where}.headers: must be an object of strings`);
    const inner: RecordedExchange = {
      ...exchange,
      url: new URL(`/v1.0${request?.url ?? ''}`, exchange.url),
      status: Number(item.status),
      contentType: headerValue(headers, 'content-type'),
      body: item.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(item.body)),
    };
    violations.push(
      ...(inner.status >= 400
        ? errorViolations(inner, `${where}.body`)
        : graphSchemaViolations(PHOTO, item.body, { where: `${where}.body` })),
    );
  });
  return violations;
}

const jpeg = (colour: string) =>
  sharp({ create: { width: 320, height: 320, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();

beforeAll(async () => {
  emulator = await startM365Emulator({ seed: 'demo', subscriptions: { retryDelaysMs: [100, 200] } });
  // Our notification endpoint's part of the handshake (echo the token), and 202 to notifications.
  receiver = createServer((req, res) => {
    const token = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('validationToken');
    req.resume();
    req.on('end', () => {
      if (token !== null) res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      else res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const notificationUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/notify`;

  const clients = recordedM365Clients(emulator);
  ({ graph, exchanges } = clients);
  const user = (mailbox: string, withPhoto: boolean) => {
    const found = emulator.users.find(
      (u) => u.mailbox === mailbox && Boolean(emulator.control.getPhoto(u.id)) === withPhoto,
    );
    if (!found) throw new Error(`no demo user with mailbox ${mailbox} and photo ${withPhoto}`);
    return found;
  };
  const withPhoto = user('exchangeOnline', true);
  const withoutPhoto = user('exchangeOnline', false);
  const mailboxless = user('none', false);
  const onPremises = user('onPremises', false);
  const refused = (work: Promise<unknown>) =>
    work.then(
      () => 'answered',
      () => 'refused',
    );

  // Every Graph call the product makes (src/m365/GraphClient.ts, GraphSubscriptions.ts), answered and refused.
  await graph.getUser(withPhoto.userPrincipalName);
  await graph.getUser(withPhoto.id, { select: ['id', 'userPrincipalName'] });
  await graph.getUser('nobody@contoso.com');
  await graph.findUsersByEmployeeId('E1003');
  await graph.searchUsersByName('A', 5);
  for await (const page of graph.listUsers({ select: ['id', 'userPrincipalName'], pageSize: 3 })) void page;
  // Reconcile's page by page read, with what it needs to skip accounts (worthSyncing.ts).
  const reconcileSelect = ['id', 'userPrincipalName', 'userType', 'accountEnabled', 'assignedLicenses'];
  const firstPage = await graph.readUsersPage(undefined, { select: reconcileSelect, pageSize: 3 });
  if (firstPage.nextLink) await graph.readUsersPage(firstPage.nextLink);
  await graph.putPhoto(withPhoto.id, await jpeg('#406080'));
  await refused(graph.putPhoto(mailboxless.id, await jpeg('#604080')));
  await refused(graph.putPhoto(onPremises.id, await jpeg('#806040')));
  await graph.getPhotoMetadata(withPhoto.id);
  await graph.getPhotoMetadata(withoutPhoto.id);
  await graph.getPhotoContent(withPhoto.id);
  await graph.batchGetPhotoMetadata([withPhoto.id, withoutPhoto.id, 'nobody@contoso.com', onPremises.id]);
  await graph.getPhotoUpdateSettings();
  // Protected accounts (PROTECTED_ACCOUNTS_GROUP_ID): a member, someone else, and nobody.
  emulator.control.addGroupMember(conformanceGroupId, withPhoto.id);
  await graph.checkMemberGroups(withPhoto.id, [conformanceGroupId]);
  await graph.checkMemberGroups(withoutPhoto.id, [conformanceGroupId]);
  await refused(graph.checkMemberGroups('0badc0de-0000-4000-8000-000000000000', [conformanceGroupId]));
  const expirationDateTime = () => new Date(Date.now() + 60 * 60_000).toISOString();
  const subscription = await graph.subscriptions.create({
    changeType: 'updated',
    notificationUrl,
    lifecycleNotificationUrl: notificationUrl,
    resource: '/users',
    expirationDateTime: expirationDateTime(),
    clientState: 'conformance-state',
  });
  await refused(
    graph.subscriptions.create({ changeType: 'updated', notificationUrl, resource: '/users', expirationDateTime: '' }),
  );
  await graph.subscriptions.renew(subscription.id, expirationDateTime());
  await graph.subscriptions.get(subscription.id);

  // What Graph sends to the product: a change notification and a lifecycle notification. Whether a photo change
  // raises a /users notification at all is uncertain (a tenant option); this test turns it on to check its shape.
  emulator.control.setNotifyOnPhotoChange(true);
  await emulator.control.changePhotoAsUser(withPhoto.id, await jpeg('#208040'));
  emulator.control.triggerLifecycleEvent(subscription.id, 'reauthorizationRequired');
  await waitFor(() => emulator.control.deliveries().filter((d) => d.delivered).length >= 2, {
    what: 'both notifications delivered',
    timeoutMs: 10_000,
    intervalMs: 25,
  });

  await graph.subscriptions.delete(subscription.id);
  await graph.subscriptions.get(subscription.id);

  // Removals last (no subscription left to notify): a photo, no photo, no mailbox.
  await graph.deletePhoto(withPhoto.id);
  await graph.deletePhoto(withoutPhoto.id);
  await refused(graph.deletePhoto(onPremises.id));
});

afterAll(async () => {
  await emulator.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const graphExchanges = () => exchanges.filter((e) => e.service === 'graph');
const on = (route: string) => {
  const found = graphExchanges().filter((e) => graphRoute(e) === route);
  if (found.length === 0) throw new Error(`the product made no ${route} call`);
  return found;
};

/** The methods of a class, as the test sees them at run time (TypeScript's private ones included). */
const methodsOf = (type: { prototype: object }) =>
  Object.getOwnPropertyNames(type.prototype).filter((name) => name !== 'constructor');

test('every Graph method of the product is called above, so a new one needs its answers checked here first', () => {
  // `call` and `batchItem` are GraphClient's plumbing (every method goes through the first; the second reads $batch).
  expect(methodsOf(GraphClient).sort()).toEqual(
    [
      'call',
      'getUser',
      'findUsersByEmployeeId',
      'searchUsersByName',
      'listUsers',
      'readUsersPage',
      'putPhoto',
      'deletePhoto',
      'getPhotoMetadata',
      'getPhotoContent',
      'batchGetPhotoMetadata',
      'getPhotoUpdateSettings',
      'checkMemberGroups',
      'batchItem',
    ].sort(),
  );
  expect(methodsOf(GraphSubscriptions).sort()).toEqual(['create', 'renew', 'delete', 'get'].sort());
});

test('the product calls exactly the Graph routes this test checks', () => {
  expect([...new Set(graphExchanges().map(graphRoute))].sort()).toEqual(
    [
      'GET /v1.0/users',
      'GET /v1.0/users/{id}',
      'GET /v1.0/users/{id}/photo',
      'GET /v1.0/users/{id}/photo/$value',
      'PUT /v1.0/users/{id}/photo/$value',
      'DELETE /v1.0/users/{id}/photo/$value',
      'POST /v1.0/$batch',
      'POST /v1.0/subscriptions',
      'PATCH /v1.0/subscriptions/{id}',
      'GET /v1.0/subscriptions/{id}',
      'DELETE /v1.0/subscriptions/{id}',
      'GET /beta/admin/people/photoUpdateSettings',
      'POST /v1.0/users/{id}/checkMemberGroups',
    ].sort(),
  );
});

test('users: a collection of microsoft.graph.user with exactly the selected properties, paged by @odata.nextLink', () => {
  const answers = on('GET /v1.0/users');
  expect(answers.some((e) => e.url.searchParams.has('$skiptoken'))).toBe(true);
  const violations = answers.flatMap((e) => {
    const body = jsonBody(e);
    const items = isRecord(body) && Array.isArray(body.value) ? body.value : [];
    return [
      ...(e.status === 200 ? graphCollectionViolations(USER, body) : errorViolations(e, '$')),
      ...items.flatMap((item, i) => selectViolations(item, selected(e), `$.value[${i}]`)),
    ];
  });
  expect(violations).toEqual([]);
});

test('a user: a microsoft.graph.user entity with exactly the selected properties, or Graph error body', () => {
  const answers = on('GET /v1.0/users/{id}');
  expect(answers.map((e) => e.status).sort()).toEqual([200, 200, 404]);
  const violations = answers.flatMap((e) =>
    e.status === 200
      ? [...graphSchemaViolations(USER, jsonBody(e)), ...selectViolations(jsonBody(e), selected(e), '$')]
      : errorViolations(e, '$'),
  );
  expect(violations).toEqual([]);
  // Everything the product selects is a property Graph declares on user.
  const selects = new Set(answers.flatMap((e) => selected(e) ?? []));
  expect([...selects].filter((name) => !declaredProperties(USER).includes(name))).toEqual([]);
});

test('photo metadata: a microsoft.graph.profilePhoto media entity (@odata.mediaEtag allowed), or an error body', () => {
  const answers = on('GET /v1.0/users/{id}/photo');
  expect(answers.map((e) => e.status).sort()).toEqual([200, 404]);
  const violations = answers.flatMap((e) =>
    e.status === 200 ? graphSchemaViolations(PHOTO, jsonBody(e)) : errorViolations(e, '$'),
  );
  expect(violations).toEqual([]);
});

test('photo bytes: $value is the image itself; writes answer 200 with no body, or an error body', () => {
  const [read] = on('GET /v1.0/users/{id}/photo/$value');
  expect(read?.status).toBe(200);
  expect(read?.contentType).toMatch(/^image\//);
  const writes = on('PUT /v1.0/users/{id}/photo/$value');
  expect(writes.map((e) => e.status).sort()).toEqual([200, 404, 404]);
  const violations = writes.flatMap((e) =>
    e.status === 200 ? (e.body.length === 0 ? [] : ['$: a body on a 200 photo write']) : errorViolations(e, '$'),
  );
  expect(violations).toEqual([]);
});

test('photo removal: 200 with no body (profilephoto-delete documents 200 OK), or an error body', () => {
  const removals = on('DELETE /v1.0/users/{id}/photo/$value');
  expect(removals.map((e) => e.status).sort()).toEqual([200, 404, 404]);
  const violations = removals.flatMap((e) =>
    e.status === 200 ? (e.body.length === 0 ? [] : ['$: a body on a 200 photo removal']) : errorViolations(e, '$'),
  );
  expect(violations).toEqual([]);
});

test('checkMemberGroups: 200 with a String collection (the member groups among those asked), or an error body', () => {
  // directoryobject-checkmembergroups: "200 OK and a String collection object"; the action is not in the extracted
  // fixture (entity types only), so the collection's shape is checked here as OData writes Collection(Edm.String).
  const answers = on('POST /v1.0/users/{id}/checkMemberGroups');
  expect(answers.map((e) => e.status).sort()).toEqual([200, 200, 404]);
  const violations = answers.flatMap((e) => {
    if (e.status !== 200) return errorViolations(e, '$');
    const body = jsonBody(e);
    const problems: string[] = [];
    if (!isRecord(body) || !Array.isArray(body.value) || !body.value.every((v) => typeof v === 'string'))
      problems.push('$.value: must be an array of strings');
    if (!isRecord(body) || !String(body['@odata.context']).endsWith('$metadata#Collection(Edm.String)'))
      problems.push('$.@odata.context: must name Collection(Edm.String)');
    return problems;
  });
  expect(violations).toEqual([]);
  const values = answers.filter((e) => e.status === 200).map((e) => (jsonBody(e) as { value: string[] }).value);
  expect(values).toEqual(expect.arrayContaining([[conformanceGroupId], []]));
});

test('$batch: the JSON batch answer, each photo answer a profilePhoto or an error body', () => {
  const [batch] = on('POST /v1.0/$batch');
  if (!batch) throw new Error('no batch');
  // The product's requests, as GraphClient.batchGetPhotoMetadata builds them: ids '0'…'3', each a photo read.
  const requests = ['0', '1', '2', '3'].map((id) => ({ id, url: '/users/{id}/photo' }));
  const body = jsonBody(batch) as { responses: { id: string; status: number }[] };
  expect(body.responses.map((r) => r.id).sort()).toEqual(requests.map((r) => r.id));
  expect(body.responses.map((r) => r.status).sort()).toEqual([200, 404, 404, 404]);
  expect(batchViolations(batch, requests)).toEqual([]);
});

test('subscriptions: created, renewed and read as microsoft.graph.subscription; deleted with 204; errors in shape', () => {
  const violations = [
    ...on('POST /v1.0/subscriptions'),
    ...on('PATCH /v1.0/subscriptions/{id}'),
    ...on('GET /v1.0/subscriptions/{id}'),
  ].flatMap((e) => (e.status < 300 ? graphSchemaViolations(SUBSCRIPTION, jsonBody(e)) : errorViolations(e, '$')));
  expect(violations).toEqual([]);
  expect(
    on('POST /v1.0/subscriptions')
      .map((e) => e.status)
      .sort(),
  ).toEqual([201, 400]);
  expect(on('GET /v1.0/subscriptions/{id}').map((e) => e.status)).toEqual([200, 404]);
  const [deleted] = on('DELETE /v1.0/subscriptions/{id}');
  expect([deleted?.status, deleted?.body.length]).toEqual([204, 0]);
});

test('notifications Graph posts to the product are microsoft.graph.changeNotificationCollection', () => {
  const deliveries = emulator.control.deliveries();
  expect(deliveries.map((d) => d.kind).sort()).toEqual(['change', 'lifecycle']);
  const violations = deliveries.flatMap((d) =>
    graphSchemaViolations(NOTIFICATIONS, d.payload, { where: `${d.kind}`, nested: true }),
  );
  expect(violations).toEqual([]);
});

test('a $select of a property microsoft.graph.user does not declare is refused, as Graph refuses it', async () => {
  const token = await accessToken(emulator, { resource: emulator.urls.graphBaseUrl });
  const user = emulator.users[0]?.id ?? '';
  const answer = await fetch(`${emulator.urls.graphBaseUrl}/v1.0/users/${user}?$select=id,photoUrl`, {
    headers: bearer(token),
  });
  expect(answer.status).toBe(400);
  const recorded: RecordedExchange = {
    service: 'graph',
    method: 'GET',
    url: new URL(answer.url),
    requestHeaders: new Headers(),
    status: answer.status,
    contentType: answer.headers.get('content-type') ?? '',
    body: Buffer.from(await answer.arrayBuffer()),
  };
  expect(errorViolations(recorded, '$')).toEqual([]);
  expect(declaredProperties(USER)).not.toContain('photoUrl');
});
