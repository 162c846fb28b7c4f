import { parseHostJson } from '../../../../dev/runtime/readHostJson';
import { LocalRuntimeError } from '../../../../dev/runtime/LocalRuntimeError';

describe('parseHostJson: extensions.blobs', () => {
  it('defaults maxDegreeOfParallelism to 8 × the available cores, as the blob extension documents', () => {
    expect(parseHostJson({}, 2).blobs.maxDegreeOfParallelism).toBe(16);
    expect(parseHostJson({ extensions: { blobs: {} } }, 3).blobs.maxDegreeOfParallelism).toBe(24);
  });

  it('takes an explicit maxDegreeOfParallelism whatever the cores', () => {
    expect(
      parseHostJson({ extensions: { blobs: { maxDegreeOfParallelism: 6 } } }, 2).blobs.maxDegreeOfParallelism,
    ).toBe(6);
  });

  it('refuses a maxDegreeOfParallelism below the documented minimum of 1, naming the setting', () => {
    const parse = () => parseHostJson({ extensions: { blobs: { maxDegreeOfParallelism: 0 } } }, 2);
    expect(parse).toThrow(LocalRuntimeError);
    expect(parse).toThrow(/extensions\.blobs\.maxDegreeOfParallelism must be 1\.\./);
  });

  it('tries a failing blob poisonBlobThreshold times (default 5, minimum 1), whatever the queues maxDequeueCount', () => {
    expect(parseHostJson({ extensions: { queues: { maxDequeueCount: 9 } } }, 2).blobs.poisonBlobThreshold).toBe(5);
    expect(
      parseHostJson({ extensions: { blobs: { poisonBlobThreshold: 2 }, queues: { maxDequeueCount: 9 } } }, 2).blobs
        .poisonBlobThreshold,
    ).toBe(2);
    expect(() => parseHostJson({ extensions: { blobs: { poisonBlobThreshold: 0 } } }, 2)).toThrow(
      /extensions\.blobs\.poisonBlobThreshold must be 1\.\./,
    );
  });
});
