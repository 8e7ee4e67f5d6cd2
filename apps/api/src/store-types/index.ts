import type { StoreType } from '@urumi/contracts';
import type { StoreTypeDefinition } from '../domain/store-type.ts';
import { woocommerce } from './woocommerce/index.ts';

/** Every store type the platform offers, by its API name. */
export const storeTypes: ReadonlyMap<StoreType, StoreTypeDefinition> = new Map([
  [woocommerce.type, woocommerce],
]);
