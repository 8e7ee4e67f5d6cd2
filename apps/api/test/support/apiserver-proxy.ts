import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/**
 * A plain-HTTP proxy on 127.0.0.1 in front of the test cluster's real kube-apiserver, for fault
 * injection: everything is forwarded with the cluster's admin credentials, and the test can make
 * the watches fail the way an apiserver does when their resourceVersion has been compacted away.
 */
export interface ApiserverProxy {
  /** A kubeconfig file that points at the proxy (no credentials: the proxy adds them). */
  kubeconfig: string;
  /** Watches currently streaming through the proxy. */
  openWatches(): number;
  /** Paths of the LIST (non-watch GET on a collection) requests seen so far, in order. */
  lists(): string[];
  /**
   * Ends every open watch with an `ERROR` event of code 410 (Expired), and answers the next watch
   * request of each of those paths with HTTP 410: both ways a real apiserver reports "too old
   * resource version". Returns the paths whose watches were broken.
   */
  expireWatches(): string[];
  close(): Promise<void>;
}

const expired = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'too old resource version (injected by the test proxy)',
  reason: 'Expired',
  code: 410,
};
const hopByHop = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

export async function startApiserverProxy(adminKubeconfig: string, dir: string): Promise<ApiserverProxy> {
  const kc = new KubeConfig();
  kc.loadFromFile(adminKubeconfig);
  const upstream = new URL(kc.getCurrentCluster()!.server);
  const tls: RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const watches = new Set<{ path: string; res: ServerResponse; abort: () => void }>();
  const seenLists: string[] = [];
  const refuseNextWatch = new Set<string>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const isWatch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    if (isWatch && refuseNextWatch.delete(url.pathname)) {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify(expired));
      return;
    }
    if (req.method === 'GET' && !isWatch) seenLists.push(url.pathname);
    const headers = { ...req.headers, host: upstream.host };
    const forward = httpsRequest(
      {
        ...tls,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (answer) => {
        const copied = Object.fromEntries(
          Object.entries(answer.headers).filter(([name]) => !hopByHop.has(name.toLowerCase())),
        );
        res.writeHead(answer.statusCode ?? 502, copied);
        if (!isWatch) {
          answer.pipe(res);
          return;
        }
        const entry = {
          path: url.pathname,
          res,
          abort: () => {
            answer.unpipe(res);
            forward.destroy();
          },
        };
        watches.add(entry);
        // A quiet watch sends no body for a while; its client waits for the headers meanwhile.
        res.flushHeaders();
        res.on('close', () => {
          watches.delete(entry);
          forward.destroy();
        });
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy did not get a port');
  const kubeconfig = join(dir, 'proxy-kubeconfig.json');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses a plain-http server unless TLS checks are off (there is no TLS to check).
      clusters: [
        {
          name: 'proxy',
          cluster: { server: `http://127.0.0.1:${address.port}`, 'insecure-skip-tls-verify': true },
        },
      ],
      users: [{ name: 'proxy', user: {} }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'proxy' } }],
      'current-context': 'proxy',
    }),
  );

  return {
    kubeconfig,
    openWatches: () => watches.size,
    lists: () => [...seenLists],
    expireWatches() {
      const broken: string[] = [];
      for (const watch of [...watches]) {
        watches.delete(watch);
        watch.abort();
        refuseNextWatch.add(watch.path);
        broken.push(watch.path);
        watch.res.end(`${JSON.stringify({ type: 'ERROR', object: expired })}\n`);
      }
      return broken;
    },
    async close() {
      for (const watch of watches) watch.abort();
      // Stop accepting first, then cut what is open, so no client slips in between.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
