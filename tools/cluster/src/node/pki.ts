import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../process.ts';

/**
 * A client certificate signed by the cluster's CA (kwokctl's `pki/ca.key`), made with openssl:
 * `<dir>/<name>.crt` and `.key`. Kept when it exists, so restarts reuse it.
 */
export async function clientCertificate(o: {
  caDir: string;
  dir: string;
  name: string;
  commonName: string;
  organization?: string;
}): Promise<{ cert: string; key: string }> {
  const cert = join(o.dir, `${o.name}.crt`);
  const key = join(o.dir, `${o.name}.key`);
  if (existsSync(cert) && existsSync(key)) return { cert, key };
  const csr = join(o.dir, `${o.name}.csr`);
  const subject = `${o.organization ? `/O=${o.organization}` : ''}/CN=${o.commonName}`;
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    subject,
    '-out',
    csr,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(o.caDir, 'ca.crt'),
    '-CAkey',
    join(o.caDir, 'ca.key'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '365',
    '-out',
    cert,
  ]);
  await rm(csr, { force: true });
  return { cert, key };
}

/** A kubeconfig (JSON, which is YAML) for a client certificate against `server`. */
export function certificateKubeconfig(o: {
  server: string;
  caFile: string;
  cert: string;
  key: string;
}): string {
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'urumi', cluster: { server: o.server, 'certificate-authority': o.caFile } }],
      users: [{ name: 'urumi', user: { 'client-certificate': o.cert, 'client-key': o.key } }],
      contexts: [{ name: 'urumi', context: { cluster: 'urumi', user: 'urumi' } }],
      'current-context': 'urumi',
    },
    null,
    2,
  )}\n`;
}
