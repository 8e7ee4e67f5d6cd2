import { storeIdSchema } from '@urumi/contracts';
import { describe, expect, it } from 'vitest';
import { newStoreId, storeNamespace } from '../src/domain/store-id.ts';

describe('store ids', () => {
  it('are valid by the shared contract and do not repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newStoreId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(storeIdSchema.safeParse(id).success).toBe(true);
  });

  it('name the store namespace', () => {
    expect(storeNamespace(newStoreId(() => Buffer.from('00ff00ff00ff', 'hex')))).toBe('store-00ff00ff00ff');
  });
});
