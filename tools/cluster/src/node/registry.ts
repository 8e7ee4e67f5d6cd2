import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../process.ts';

const manifestType = 'application/vnd.oci.image.manifest.v1+json';

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
  data: Buffer;
}

function blob(mediaType: string, data: Buffer): Blob {
  return {
    mediaType,
    digest: `sha256:${createHash('sha256').update(data).digest('hex')}`,
    size: data.length,
    data,
  };
}

/**
 * A one-layer OCI image of files from `dir` (paths relative to it, owned by root, dated at the
 * epoch so equal inputs give an equal image), with the given entrypoint.
 */
export async function singleLayerImage(o: {
  dir: string;
  files: string[];
  entrypoint: string[];
  cmd?: string[];
  user?: string;
  env?: Record<string, string>;
  workingDir?: string;
}): Promise<{ config: Blob; layers: Blob[] }> {
  const work = await mkdtemp(join(tmpdir(), 'urumi-image-'));
  try {
    const tar = join(work, 'layer.tar');
    await run('tar', [
      '--create',
      '--file',
      tar,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--mtime=@0',
      '--sort=name',
      '-C',
      o.dir,
      ...o.files,
    ]);
    const layer = blob('application/vnd.oci.image.layer.v1.tar', await readFile(tar));
    const config = blob(
      'application/vnd.oci.image.config.v1+json',
      Buffer.from(
        JSON.stringify({
          architecture: 'amd64',
          os: 'linux',
          config: {
            Entrypoint: o.entrypoint,
            ...(o.cmd ? { Cmd: o.cmd } : {}),
            ...(o.user ? { User: o.user } : {}),
            Env: [
              'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
              ...Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
            ],
            ...(o.workingDir ? { WorkingDir: o.workingDir } : {}),
          },
          rootfs: { type: 'layers', diff_ids: [layer.digest] },
        }),
      ),
    );
    return { config, layers: [layer] };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Pushes an image to a registry over the distribution HTTP API (blobs first, each only when the
 * registry lacks it, then the manifest). Returns the manifest's digest.
 */
export async function pushImage(
  registry: string,
  repository: string,
  tag: string,
  image: { config: Blob; layers: Blob[] },
): Promise<string> {
  const base = `http://${registry}/v2/${repository}`;
  for (const b of [image.config, ...image.layers]) {
    const head = await fetch(`${base}/blobs/${b.digest}`, { method: 'HEAD' });
    if (head.ok) continue;
    const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    const location = start.headers.get('location');
    if (start.status !== 202 || !location) throw new Error(`registry refused an upload: ${start.status}`);
    const url = new URL(location, `http://${registry}`);
    url.searchParams.set('digest', b.digest);
    const put = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(b.data),
    });
    if (put.status !== 201)
      throw new Error(`registry refused blob ${b.digest}: ${put.status} ${await put.text()}`);
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: manifestType,
      config: { mediaType: image.config.mediaType, digest: image.config.digest, size: image.config.size },
      layers: image.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }),
  );
  const put = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'content-type': manifestType },
    body: new Uint8Array(manifest),
  });
  if (put.status !== 201) throw new Error(`registry refused the manifest: ${put.status} ${await put.text()}`);
  return `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
}
