import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, simulatedTypes, siteCheckOf, unaskedTypes } from '../src/config.ts';

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

  it('reads STORE_PODS for every type or per type, decides the site check from it, and refuses anything else naming the variable', () => {
    const of = (env: Record<string, string>) => {
      const config = parseConfig(env);
      return { simulated: simulatedTypes(config), check: siteCheckOf(config), unasked: unaskedTypes(config) };
    };
    expect(of({})).toEqual({ simulated: [], check: 'ingress', unasked: [] });
    expect(of({ STORE_PODS: 'simulated' })).toEqual({
      simulated: ['woocommerce', 'medusa'],
      check: 'off',
      unasked: ['woocommerce', 'medusa'],
    });
    expect(of({ STORE_PODS: 'medusa=real,woocommerce=simulated' })).toEqual({
      simulated: ['woocommerce'],
      check: 'ingress',
      unasked: ['woocommerce'],
    });
    // A type not named is real; every type simulated asks nothing unless told to.
    expect(of({ STORE_PODS: 'medusa=simulated' })).toEqual({
      simulated: ['medusa'],
      check: 'ingress',
      unasked: ['medusa'],
    });
    expect(of({ STORE_PODS: 'woocommerce=simulated,medusa=simulated' }).check).toBe('off');
    // A site check set explicitly asks every store, simulated or not (e.g. a stand-in ingress).
    expect(of({ STORE_PODS: 'simulated', STORE_SITE_CHECK: 'service' })).toMatchObject({
      check: 'service',
      unasked: [],
    });
    for (const bad of ['', 'fake', 'medusa', 'shopify=real', 'medusa=maybe', 'medusa=real,']) {
      expect(() => parseConfig({ STORE_PODS: bad }), bad).toThrow(ConfigError);
      expect(() => parseConfig({ STORE_PODS: bad }), bad).toThrow(
        /STORE_PODS: real, simulated, or <type>=real\|simulated/,
      );
    }
  });
});
