import { graphCollectionViolations, graphSchemaViolations } from '../../support/graphSchemaViolations';

const user = 'microsoft.graph.user';

test('a user with declared properties of the right kinds passes, base types included (id from entity)', () => {
  expect(
    graphSchemaViolations(user, {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
      id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
      displayName: 'Adele Vance',
      mail: null,
      businessPhones: [],
      accountEnabled: true,
      deletedDateTime: null,
    }),
  ).toEqual([]);
});

test('a property the type does not declare, a wrong primitive kind and a null where not nullable are each reported', () => {
  expect(
    graphSchemaViolations(user, { id: 'x', photoUrl: 'https://x', accountEnabled: 'true', businessPhones: null }),
  ).toEqual([
    '$.photoUrl: microsoft.graph.user has no property photoUrl',
    '$.accountEnabled: Edm.Boolean must be true/false, got "true"',
    '$.businessPhones: null, but microsoft.graph.user.businessPhones is not nullable',
  ]);
});

test('control information is allowed only where OData puts it: media annotations on media entities only', () => {
  expect(
    graphSchemaViolations('microsoft.graph.profilePhoto', { '@odata.mediaEtag': 'W/"1"', id: '1', width: 1 }),
  ).toEqual([]);
  expect(graphSchemaViolations(user, { '@odata.mediaEtag': 'W/"1"', '@odata.nextLink': 'x' })).toEqual([
    '$.@odata.mediaEtag: control information OData does not allow on microsoft.graph.user',
    '$.@odata.nextLink: control information OData does not allow on microsoft.graph.user',
  ]);
});

test('integers, GUIDs, dates and enums are checked by their EDM type', () => {
  expect(graphSchemaViolations('microsoft.graph.profilePhoto', { width: 64.5, height: 2 ** 31 })).toHaveLength(2);
  expect(
    graphSchemaViolations('microsoft.graph.changeNotification', {
      subscriptionId: 'not-a-guid',
      subscriptionExpirationDateTime: '2026-01-01',
      changeType: 'modified',
      tenantId: '2b6f9e3c-4d1a-4c8e-9f7b-5a0d3e1c8b42',
      resource: 'Users/1',
    }),
  ).toEqual([
    '$.subscriptionId: Edm.Guid must be a GUID string, got "not-a-guid"',
    '$.subscriptionExpirationDateTime: Edm.DateTimeOffset must be an ISO 8601 string with offset, got "2026-01-01"',
    '$.changeType: microsoft.graph.changeType must be one of created, updated, deleted, got "modified"',
  ]);
});

test('open types in the list take dynamic primitives; a collection wrapper takes only value and its control information', () => {
  expect(
    graphSchemaViolations('microsoft.graph.publicErrorResponse', {
      error: { code: 'x', message: 'y', innerError: { date: '2026-01-01T00:00:00', 'request-id': 'r' } },
    }),
  ).toEqual([]);
  expect(graphCollectionViolations(user, { value: [{ id: 'a' }], '@odata.nextLink': 'n', total: 1 })).toEqual([
    "$.total: not allowed beside a collection's value",
  ]);
});
