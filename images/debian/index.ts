import type { DebianImageSpec } from '../../tools/cluster/src/node/debian-image.ts';
import { mariadb } from './mariadb/image.ts';
import { toolbox } from './toolbox/image.ts';
import { wordpress } from './wordpress/image.ts';

/** Every image built here from Debian packages, pushed to the real node's registry. */
export const debianImages: DebianImageSpec[] = [mariadb, toolbox, wordpress];
