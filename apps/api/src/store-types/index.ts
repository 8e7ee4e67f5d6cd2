import type { StoreType } from '@urumi/contracts';
import type { StoreTypeDefinition } from '../domain/store-type.ts';
import { medusa } from './medusa/index.ts';
import { woocommerce } from './woocommerce/index.ts';

const definitions = { woocommerce, medusa } satisfies Record<StoreType, StoreTypeDefinition>;

/** Every store type the platform offers, by its API name. */
export const storeTypes: ReadonlyMap<StoreType, StoreTypeDefinition> = new Map(
  Object.entries(definitions) as [StoreType, StoreTypeDefinition][],
);

/** Path of each store type's admin UI, appended to the store URL. */
export const adminPaths = Object.fromEntries(
  Object.values(definitions).map((d) => [d.type, d.adminPath]),
) as Record<StoreType, string>;
