import type { DebianImageSpec } from '../../tools/cluster/src/node/debian-image.ts';
import { mariadb } from './mariadb/image.ts';
import { medusaImage } from './medusa/image.ts';
import { postgres } from './postgres/image.ts';
import { redis } from './redis/image.ts';
import { toolbox } from './toolbox/image.ts';
import { wordpress } from './wordpress/image.ts';

/**
 * Every image built here from Debian packages, pushed to the real node's registry. The Medusa
 * image's spec is made after its application is built (its inputs name the build).
 */
export async function debianImages(): Promise<DebianImageSpec[]> {
  return [mariadb, toolbox, wordpress, postgres, redis, await medusaImage()];
}
