import { describe, expect, it } from 'vitest';
import { FailedSignIns, secretsEqual } from '../src/http/auth.ts';

describe('FailedSignIns', () => {
  it('blocks an address after its limit within the window, says for how long, and forgets it after', () => {
    const limiter = new FailedSignIns({ limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i += 1) {
      expect(limiter.blockedFor('a', 1_000)).toBe(0);
      limiter.record('a', 1_000);
    }
    expect(limiter.blockedFor('a', 1_000)).toBe(60);
    expect(limiter.blockedFor('a', 31_000)).toBe(30);
    expect(limiter.blockedFor('b', 31_000)).toBe(0);
    expect(limiter.blockedFor('a', 61_000)).toBe(0);
  });

  it('remembers at most maxAddresses under 100,000 distinct failing addresses, keeping the most recent', () => {
    const limiter = new FailedSignIns({ limit: 1, maxAddresses: 10_000 });
    let largest = 0;
    for (let i = 0; i < 100_000; i += 1) {
      limiter.record(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 0);
      largest = Math.max(largest, limiter.size);
    }
    expect(largest).toBe(10_000);
    // The newest address is still blocked; the oldest was forgotten.
    expect(limiter.blockedFor(`10.1.134.159`, 1)).toBeGreaterThan(0);
    expect(limiter.blockedFor('10.0.0.0', 1)).toBe(0);
  });
});

describe('secretsEqual', () => {
  it('is true only for the same secret, whatever the lengths', () => {
    expect(secretsEqual('metrics-token-123456', 'metrics-token-123456')).toBe(true);
    expect(secretsEqual('metrics-token-123457', 'metrics-token-123456')).toBe(false);
    expect(secretsEqual('short', 'metrics-token-123456')).toBe(false);
    expect(secretsEqual('', 'metrics-token-123456')).toBe(false);
  });
});
