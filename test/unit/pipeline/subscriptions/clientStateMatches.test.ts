import { clientStateMatches } from '../../../../src/pipeline/subscriptions/clientStateMatches';

describe('clientStateMatches', () => {
  it('accepts the exact secret', () => {
    expect(clientStateMatches('s3cret-value', 's3cret-value')).toBe(true);
  });

  it.each([
    ['a different secret of the same length', 's3cret-valuf'],
    ['a prefix of the secret', 's3cret'],
    ['a longer string', 's3cret-value-and-more'],
    ['the secret in another case', 'S3CRET-VALUE'],
    ['an empty string', ''],
  ])('refuses %s', (_name, received) => {
    expect(clientStateMatches(received, 's3cret-value')).toBe(false);
  });

  it('refuses a notification without clientState', () => {
    expect(clientStateMatches(undefined, 's3cret-value')).toBe(false);
  });

  it('refuses everything when no secret is configured', () => {
    expect(clientStateMatches('', undefined)).toBe(false);
    expect(clientStateMatches(undefined, undefined)).toBe(false);
    expect(clientStateMatches('', '')).toBe(false);
  });
});
