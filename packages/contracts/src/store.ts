import { z } from 'zod';

/** Store ids are 12 lowercase hex characters; the namespace is `store-<id>`. */
export const storeIdSchema = z
  .string()
  .regex(/^[0-9a-f]{12}$/, 'a store id is 12 lowercase hexadecimal characters');

/**
 * Names a merchant may not take: they would read as platform or Kubernetes system objects, or as
 * hostnames that belong to the platform itself.
 */
export const reservedStoreNames: ReadonlySet<string> = new Set([
  'admin',
  'api',
  'app',
  'dashboard',
  'default',
  'www',
  'urumi',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'localhost',
  'metrics',
  'status',
]);

/** A store name is a DNS-1123 label (lowercase letters, digits, '-'; 1-63 characters) and not reserved. */
export const storeNameSchema = z
  .string()
  .min(1, 'a store name cannot be empty')
  .max(63, 'a store name has at most 63 characters')
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    "a store name uses lowercase letters, digits and '-', and starts and ends with a letter or digit",
  )
  .refine((name) => !reservedStoreNames.has(name), { message: 'this store name is reserved' });

export const storeTypes = ['woocommerce', 'medusa'] as const;
export const storeTypeSchema = z.enum(storeTypes);
export type StoreType = z.infer<typeof storeTypeSchema>;

export const storeStatuses = ['Provisioning', 'Ready', 'Degraded', 'Failed', 'Deleting', 'Deleted'] as const;
export const storeStatusSchema = z.enum(storeStatuses);
export type StoreStatus = z.infer<typeof storeStatusSchema>;
