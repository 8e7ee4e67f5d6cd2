import { describe, expect, it } from 'vitest';
import { storeIdSchema, storeNameSchema } from '../src/store.ts';

describe('storeIdSchema', () => {
  it.each(['0123456789ab', 'ffffffffffff'])('accepts %s', (id) => {
    expect(storeIdSchema.safeParse(id).success).toBe(true);
  });

  it.each(['0123456789AB', '0123456789a', '0123456789abc', 'store-123456', '../../etc/pa', ''])(
    'refuses %j',
    (id) => {
      expect(storeIdSchema.safeParse(id).success).toBe(false);
    },
  );
});

describe('storeNameSchema', () => {
  it.each(['shop', 'my-shop-2', 'a', '1st', 'a'.repeat(63)])('accepts %s', (name) => {
    expect(storeNameSchema.safeParse(name).success).toBe(true);
  });

  it.each([
    ['', 'cannot be empty'],
    ['a'.repeat(64), 'at most 63'],
    ['My-Shop', 'lowercase'],
    ['-shop', 'starts and ends'],
    ['shop-', 'starts and ends'],
    ['shop_1', 'lowercase'],
    ['shop.example', 'lowercase'],
    ['admin', 'reserved'],
    ['kube-system', 'reserved'],
  ])('refuses %j with a message saying why', (name, reason) => {
    const result = storeNameSchema.safeParse(name);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(reason);
  });
});
