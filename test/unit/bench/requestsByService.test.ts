import { endpointNames, requestsPerPhoto, sumCounts } from '../../../bench/e2e/requestsByService';

describe('requestsPerPhoto', () => {
  const names = endpointNames({
    'blob storage': 'http://127.0.0.1:10000/devstoreaccount1',
    queues: 'http://127.0.0.1:10001/devstoreaccount1',
    Graph: 'https://localhost:8444/v1.0',
    absent: undefined,
  });

  it('names each destination by its service and divides what happened between two counts over the photos', () => {
    const before = { '127.0.0.1:10000': 100, '127.0.0.1:10001': 10, 'localhost:8444': 5 };
    const after = { '127.0.0.1:10000': 1_500, '127.0.0.1:10001': 510, 'localhost:8444': 405, 'elsewhere:1': 100 };
    expect(requestsPerPhoto(before, after, names, 100)).toEqual([
      ['blob storage', 14],
      ['queues', 5],
      ['Graph', 4],
      ['elsewhere:1', 1],
    ]);
  });

  it('leaves out services with no request in between', () => {
    expect(requestsPerPhoto({ '127.0.0.1:10001': 3 }, { '127.0.0.1:10001': 3 }, names, 10)).toEqual([]);
  });

  it('adds up the counts of several instances', () => {
    expect(
      sumCounts([
        { a: 1, b: 2 },
        { b: 3, c: 4 },
      ]),
    ).toEqual({ a: 1, b: 5, c: 4 });
  });
});
