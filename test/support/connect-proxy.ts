import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A forward proxy on 127.0.0.1 for tests: CONNECT tunnels (HTTPS) and absolute-URI requests
 * (plain HTTP), each recorded. Host names are routed to local servers by the test (`route`), so a
 * request for https://auth.example.test:443 reaches a TLS server on 127.0.0.1 and nothing leaves
 * the machine; an unrouted host is answered 502, as a real proxy that cannot reach it would.
 */
export interface ProxyRecord {
  method: string;
  /** host:port for CONNECT, the absolute URL otherwise. */
  target: string;
  headers: http.IncomingHttpHeaders;
}

export interface TestProxy {
  url: string;
  records: ProxyRecord[];
  close(): Promise<void>;
}

export async function startConnectProxy(route: (host: string, port: number) => { host: string; port: number } | undefined): Promise<TestProxy> {
  const records: ProxyRecord[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    records.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    let u: URL;
    try {
      u = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI expected');
      return;
    }
    const to = route(u.hostname, Number(u.port || 80));
    if (!to) {
      res.writeHead(502).end('no route');
      return;
    }
    const up = http.request({ host: to.host, port: to.port, method: req.method, path: u.pathname + u.search, headers: { ...req.headers, host: u.host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end('upstream failed'));
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    records.push({ method: 'CONNECT', target: req.url ?? '', headers: req.headers });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const [host, port] = (req.url ?? '').split(':');
    const to = route(host ?? '', Number(port ?? 443));
    if (!to) {
      client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const up = net.connect(to.port, to.host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
