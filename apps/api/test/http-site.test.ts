import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { HttpSite } from '../src/adapters/site/http-site.ts';

/** A real HTTP server on 127.0.0.1 that records what it was asked and answers `status(path)`. */
async function site(status: (path: string) => number) {
  const seen: { path: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    const code = status(req.url ?? '');
    res.writeHead(code, code >= 300 && code < 400 ? { location: '/elsewhere' } : {});
    res.end('x'.repeat(100_000));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, seen };
}

const service = { namespace: 'store-abc', name: 'wordpress', port: 80 };

describe('HttpSite: the requests of the verify step', () => {
  it('asks a *.localhost store on 127.0.0.1 by its URL, with the port in the Host header, and reports a redirect without following it', async () => {
    const { port, seen } = await site((path) => (path === '/' ? 302 : 200));
    const http = new HttpSite({ mode: 'ingress', scheme: 'http', urlPort: port });
    const answer = await http.get({ host: 'abc.localhost', path: '/', service });
    expect(answer).toEqual({ status: 302, statusText: 'Found', url: `http://abc.localhost:${port}/` });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.host).toBe(`abc.localhost:${port}`);
    expect(seen[0]!.headers['user-agent']).toBe('urumi-verify');
  });

  it('sends the ingress check to STORE_INGRESS_ADDRESS when store names do not resolve there, naming the store in Host', async () => {
    const { port, seen } = await site(() => 503);
    const http = new HttpSite({
      mode: 'ingress',
      scheme: 'http',
      ingressAddress: { host: '127.0.0.1', port },
    });
    const answer = await http.get({ host: 'abc.shops.example.com', path: '/wp-login.php', service });
    expect(answer).toEqual({
      status: 503,
      statusText: 'Service Unavailable',
      url: 'http://abc.shops.example.com/wp-login.php',
    });
    expect(seen.map((s) => [s.path, s.headers.host])).toEqual([['/wp-login.php', 'abc.shops.example.com']]);
  });

  it('says in words why nothing answered: a refused connection, a name that does not resolve', async () => {
    const { port } = await site(() => 200);
    const closed = new HttpSite({
      mode: 'ingress',
      scheme: 'http',
      ingressAddress: { host: '127.0.0.1', port: 1 },
    });
    expect(await closed.get({ host: 'abc.localhost', path: '/', service })).toEqual({
      error: 'the connection was refused',
      url: 'http://abc.localhost/',
    });
    // The service mode asks the cluster's DNS, which this machine does not have.
    const inCluster = new HttpSite({ mode: 'service', scheme: 'https', urlPort: port });
    expect(await inCluster.get({ host: 'abc.localhost', path: '/health', service })).toEqual({
      error: 'the host name does not resolve',
      url: 'http://wordpress.store-abc.svc:80/health',
    });
  });

  it('gives up on a site that accepts the connection but never answers', async () => {
    const { createServer: tcp } = await import('node:net');
    const silent = tcp(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => {
      silent.close();
    });
    const port = (silent.address() as AddressInfo).port;
    const http = new HttpSite({
      mode: 'ingress',
      scheme: 'http',
      ingressAddress: { host: '127.0.0.1', port },
      timeoutMs: 300,
    });
    expect(await http.get({ host: 'abc.localhost', path: '/', service })).toEqual({
      error: 'no answer within 300 ms',
      url: 'http://abc.localhost/',
    });
  });
});
