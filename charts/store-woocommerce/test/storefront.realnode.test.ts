// charts/store-woocommerce on the real node: the chart's own MariaDB StatefulSet, WordPress
// Deployment, Services, Ingress, NetworkPolicies and volumes, rendered by helm with the images built
// here (images/debian: MariaDB 11.8 and WordPress 6.8 from Debian 13), run as real containers.
//
// Not exercised here, and why: the woocommerce-setup Job. It runs WP-CLI and installs the WooCommerce
// plugin, and both are distributed only from GitHub and wordpress.org, which this machine cannot
// reach. The closest real step is tested instead: WordPress is installed through its own installer
// over HTTP (the same wp_install() WP-CLI's `core install` calls), and the admin signs in with the
// generated password through the ingress.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parseManifests, prepareRealNodeStore, useHelm } from '../../test-support/support.ts';
import { woocommerce } from '../../../apps/api/src/store-types/woocommerce/index.ts';
import { realNode } from '../../../tools/cluster/src/node/config.ts';
import { isPodReady, kube, testNamespace, waitFor } from '../../../tools/cluster/test/kube.ts';
import {
  cookiesOf,
  foldersRemoved,
  inPod,
  readyPod,
  realNodeScheduling,
  requireRealNode,
  throughIngress,
  volumeFolders,
} from '../../../tools/cluster/test/real-node.ts';
import { chartDir, localValues } from './support.ts';

const exec = promisify(execFile);
const kubectl = (args: string[]) =>
  exec(join(inject('binDir'), 'kubectl'), ['--kubeconfig', inject('kubeconfig'), ...args], {
    timeout: 60_000,
  });

describe('charts/store-woocommerce on the real node', () => {
  const helm = useHelm();
  beforeAll(requireRealNode);

  it('runs the chart with the images built here: WordPress answers through the ingress by host name, installs, the admin signs in, data survives both pods being killed, the volumes go with the namespace', async () => {
    const { core } = kube();
    const { namespace, storeId, host, valuesFile, dir } = await prepareRealNodeStore(
      'woo-real',
      woocommerce,
      { wordpress: 'wordpress', wordpressCli: 'wordpress', mariadb: 'mariadb' },
      { name: 'Corner Shop' },
    );
    const rendered = await helm.run([
      'template',
      `store-${storeId}`,
      chartDir,
      '--namespace',
      namespace,
      '--values',
      localValues,
      '--values',
      valuesFile,
    ]);
    // Everything but the setup Job (see the top of this file), as helm rendered it.
    const documents = rendered.split(/^---$/m).filter((document) => /^kind:/m.test(document));
    const kept = documents.filter((document) => {
      const [object] = parseManifests(document);
      return !(object?.kind === 'Job' && object.metadata?.name === 'woocommerce-setup');
    });
    expect(kept).toHaveLength(documents.length - 1);
    const manifest = join(dir, 'store.yaml');
    await writeFile(manifest, kept.join('\n---\n'));
    await kubectl(['apply', '--namespace', namespace, '--server-side', '-f', manifest]);

    const mariadb = await readyPod(namespace, 'app.kubernetes.io/component=database');
    const wordpress = await readyPod(namespace, 'app.kubernetes.io/component=storefront');
    expect(mariadb.spec?.nodeName).toBe(realNode.name);
    expect(wordpress.spec?.nodeName).toBe(realNode.name);
    expect((await inPod(namespace, wordpress.metadata!.name!, ['id', '-u'])).output.trim()).toBe('33');
    expect((await inPod(namespace, mariadb.metadata!.name!, ['id', '-u'])).output.trim()).toBe('999');

    // The storefront, through Traefik on the node, by host name: a new WordPress sends visitors to
    // its installer.
    const first = await waitFor(
      `http://${host}/ through the ingress`,
      async () => {
        const answer = await throughIngress(host, '/');
        return answer.status === 302 ? answer : undefined;
      },
      60_000,
      500,
    );
    expect(first.headers.location).toBe(`http://${host}/wp-admin/install.php`);

    const password = randomBytes(18).toString('base64url');
    const install = await throughIngress(host, '/wp-admin/install.php?step=2', {
      form: {
        weblog_title: 'Corner Shop',
        user_name: 'admin',
        admin_password: password,
        admin_password2: password,
        admin_email: 'owner@example.com',
        blog_public: '0',
        language: '',
        Submit: 'Install WordPress',
      },
    });
    expect(install.status, install.body.slice(0, 2_000)).toBe(200);
    expect(install.body).toContain('WordPress has been installed');

    const signIn = async (secret: string) => {
      const form = await throughIngress(host, '/wp-login.php');
      return throughIngress(host, '/wp-login.php', {
        form: { log: 'admin', pwd: secret, testcookie: '1', 'wp-submit': 'Log In' },
        cookies: cookiesOf(form),
      });
    };
    const wrong = await signIn('not-the-password');
    expect(wrong.status).toBe(200);
    expect(wrong.body).toContain('The password you entered for the username');
    const signedIn = await signIn(password);
    expect(signedIn.status).toBe(302);
    expect(signedIn.headers.location).toBe(`http://${host}/wp-admin/`);
    const session = cookiesOf(signedIn);
    expect(session.some((cookie) => cookie.startsWith('wordpress_logged_in_'))).toBe(true);
    const dashboard = await throughIngress(host, '/wp-admin/', { cookies: session });
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toContain('Dashboard');

    const storefront = async () => {
      const answer = await throughIngress(host, '/');
      return answer.status === 200 && answer.body.includes('Corner Shop');
    };
    expect(await storefront()).toBe(true);

    // Both pods killed: the StatefulSet and the Deployment bring them back, the database on its
    // volume and WordPress core copied again beside wp-content's volume; the store is still there.
    for (const pod of [mariadb, wordpress]) {
      await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace, gracePeriodSeconds: 0 });
    }
    await waitFor('MariaDB to come back', async () => {
      const pod = await readyPod(namespace, 'app.kubernetes.io/component=database');
      return pod.metadata?.uid !== mariadb.metadata?.uid;
    });
    await waitFor('WordPress to come back', async () => {
      const pod = await readyPod(namespace, 'app.kubernetes.io/component=storefront');
      return pod.metadata?.uid !== wordpress.metadata?.uid;
    });
    await waitFor('the storefront with its data', storefront, 60_000, 500);

    // The chart's policies: only WordPress (and the setup Job) reach MariaDB; a pod of another
    // namespace does not, though it resolves the Service and reaches WordPress's.
    const other = await testNamespace('woo-outsider');
    await core.createNamespacedPod({
      namespace: other,
      body: {
        metadata: { name: 'client' },
        spec: {
          ...realNodeScheduling,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 65534,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'client',
              image: inject('images').toolbox!,
              args: ['sleep', '3600'],
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            },
          ],
        },
      },
    });
    await waitFor('the client pod', async () =>
      isPodReady(await core.readNamespacedPod({ name: 'client', namespace: other })),
    );
    // Connected (exit 0) or not: BusyBox nc has no -z, so it connects and ends with its input.
    const probe = (service: string, port: number) =>
      inPod(other, 'client', [
        'sh',
        '-c',
        `sleep 2 | timeout 8 nc -w 3 ${service}.${namespace}.svc.cluster.local ${port}`,
      ]);
    expect((await probe('wordpress', 80)).code).toBe(0);
    expect((await probe('mariadb', 3306)).code).not.toBe(0);
    // The control: from WordPress, which the chart lets in, MariaDB greets.
    const wordpressNow = await readyPod(namespace, 'app.kubernetes.io/component=storefront');
    const greeting = await inPod(namespace, wordpressNow.metadata!.name!, [
      'bash',
      '-c',
      'exec 3<>/dev/tcp/mariadb/3306 && timeout 3 head -c 64 <&3',
    ]);
    expect(greeting.output).toContain('MariaDB');

    // Deleting the store's namespace deletes its claims; the node's provisioner then removes each
    // volume's folder, data included.
    const folders = await volumeFolders(namespace);
    expect(folders).toHaveLength(2);
    expect(folders.every((folder) => existsSync(folder))).toBe(true);
    expect(folders.some((folder) => existsSync(join(folder, 'uploads')))).toBe(true);
    await core.deleteNamespace({ name: namespace });
    await foldersRemoved(folders);
  });
});
