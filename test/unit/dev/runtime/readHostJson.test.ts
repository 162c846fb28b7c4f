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
});
