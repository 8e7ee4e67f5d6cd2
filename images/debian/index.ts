import type { DebianImageSpec } from '../../tools/cluster/src/node/debian-image.ts';
import { mariadb } from './mariadb/image.ts';
import { medusaImage } from './medusa/image.ts';
import { postgres } from './postgres/image.ts';
import { redis } from './redis/image.ts';
import { toolbox } from './toolbox/image.ts';
import { urumiImage } from './urumi/image.ts';
import { wordpress } from './wordpress/image.ts';

/**
 * Every image built here from Debian packages, by name. The Medusa and Urumi images' specs are made
 * after their applications are built (their inputs name the build), so only when asked for.
 */
const specs: Record<string, (log: (line: string) => void) => DebianImageSpec | Promise<DebianImageSpec>> = {
  mariadb: () => mariadb,
  toolbox: () => toolbox,
  wordpress: () => wordpress,
  postgres: () => postgres,
  redis: () => redis,
  medusa: () => medusaImage(),
  urumi: urumiImage,
};

export const debianImageNames = Object.keys(specs);

/** The specs of the named images (default: all of them), in that order. */
export async function debianImages(
  log: (line: string) => void,
  names: readonly string[] = debianImageNames,
): Promise<DebianImageSpec[]> {
  const result: DebianImageSpec[] = [];
  for (const name of names) {
    const spec = specs[name];
    if (!spec)
      throw new Error(`no image ${name} is built here (images/debian: ${debianImageNames.join(', ')})`);
    result.push(await spec(log));
  }
  return result;
}
