import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../src/config.ts';

describe('parseConfig', () => {
  it('starts with any NODE_ENV, staging included', () => {
    for (const value of ['staging', 'production', 'development', 'test', 'qa-eu-1']) {
      expect(parseConfig({ NODE_ENV: value }).NODE_ENV).toBe(value);
    }
  });

  it('reads TRUSTED_PROXIES as addresses, CIDRs and named ranges, and refuses anything else naming the variable', () => {
    expect(parseConfig({}).TRUSTED_PROXIES).toEqual([]);
    expect(
      parseConfig({ TRUSTED_PROXIES: '10.42.0.0/16, 127.0.0.1,fd00::/8,uniquelocal' }).TRUSTED_PROXIES,
    ).toEqual(['10.42.0.0/16', '127.0.0.1', 'fd00::/8', 'uniquelocal']);
    for (const bad of ['10.42.0.0/33', 'ingress-nginx', '10.0.0.0/8/1', '999.1.1.1', 'fd00::/129']) {
      expect(() => parseConfig({ TRUSTED_PROXIES: bad }), bad).toThrow(ConfigError);
      expect(() => parseConfig({ TRUSTED_PROXIES: bad }), bad).toThrow(/TRUSTED_PROXIES/);
    }
  });
});
