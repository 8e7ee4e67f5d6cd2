import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { SiteAnswer, SitePort, SiteRequest } from '../../domain/ports.ts';
import { storeAuthority } from '../../domain/store-id.ts';

export type SiteCheckMode = 'ingress' | 'service';

export interface HttpSiteOptions {
  /**
   * `ingress`: the store's own URL, as a browser opens it (its host name, through the ingress
   * controller). `service`: the store's Service by its cluster DNS name, for a platform running in
   * the cluster; the Host header still names the store, so the site answers as it would publicly.
   */
  mode: SiteCheckMode;
  scheme: 'http' | 'https';
  /** The port of store URLs (ingress mode); the scheme's default when absent. */
  urlPort?: number;
  /** Where the ingress controller listens (`host:port`), when store host names do not resolve to it. */
  ingressAddress?: { host: string; port: number };
  timeoutMs?: number;
}

/**
 * Sends one GET to a store and reports the status line, never following redirects (a redirect is
 * an answer) and never reading more of the body than it must. Certificates are not verified: the
 * check proves the store answers, while certificate issuance (cert-manager) is not the store's.
 */
export class HttpSite implements SitePort {
  readonly #o: HttpSiteOptions;

  constructor(options: HttpSiteOptions) {
    this.#o = options;
  }

  get(site: SiteRequest): Promise<SiteAnswer> {
    const target = this.#target(site);
    const url = `${target.scheme}://${target.authority}${site.path}`;
    const hostHeader = this.#o.mode === 'service' ? site.host : target.authority;
    const send = target.scheme === 'https' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = send(
        {
          host: target.connectHost,
          port: target.port,
          path: site.path,
          method: 'GET',
          headers: { host: hostHeader, 'user-agent': 'urumi-verify', accept: 'text/html,*/*' },
          servername: target.scheme === 'https' ? site.host : undefined,
          rejectUnauthorized: false,
          timeout: this.#o.timeoutMs ?? 5_000,
          agent: false,
        },
        (response: IncomingMessage) => {
          response.destroy();
          resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', url });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.#o.timeoutMs ?? 5_000} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: describe(error), url }));
      req.end();
    });
  }

  #target(site: SiteRequest) {
    if (this.#o.mode === 'service') {
      const { namespace, name, port } = site.service;
      const connectHost = `${name}.${namespace}.svc`;
      return { scheme: 'http', connectHost, port, authority: `${connectHost}:${port}` } as const;
    }
    const urlPort = this.#o.urlPort ?? (this.#o.scheme === 'https' ? 443 : 80);
    const authority = storeAuthority(site.host, this.#o.scheme, urlPort);
    // RFC 6761: every name under localhost is the loopback address, as browsers treat it, though
    // the system resolver may not know the name.
    const local = site.host === 'localhost' || site.host.endsWith('.localhost');
    const connectHost = this.#o.ingressAddress?.host ?? (local ? '127.0.0.1' : site.host);
    const port = this.#o.ingressAddress?.port ?? urlPort;
    return { scheme: this.#o.scheme, connectHost, port, authority };
  }
}

function describe(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'the connection was refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ECONNRESET':
      return 'the connection was reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host is unreachable';
    default:
      return error.message;
  }
}
