import { registryAddress, registryHost } from '../../tools/cluster/src/node/config.ts';
import { buildDebianImage } from '../../tools/cluster/src/node/debian-image.ts';
import { pushImage } from '../../tools/cluster/src/node/registry.ts';
import { debianImages } from './index.ts';

/**
 * Builds the named images of `debianImages()` (default: all; each taken from its cache when it was
 * built before) and pushes them to the running real node's registry. Returns each image by name as
 * the node pulls it: `registry.urumi.test/<name>:<tag>@<digest>`.
 */
export async function pushDebianImages(
  log: (line: string) => void,
  names?: readonly string[],
): Promise<Record<string, string>> {
  const images: Record<string, string> = {};
  for (const spec of await debianImages(log, names)) {
    const image = await buildDebianImage(spec, log);
    const digest = await pushImage(registryAddress, spec.name, spec.tag, image);
    images[spec.name] = `${registryHost}/${spec.name}:${spec.tag}@${digest}`;
  }
  return images;
}
