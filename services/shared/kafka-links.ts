// Kafka links through proxies: a client learns its brokers' addresses from metadata and then connects to them
// directly, so a proxy on the bootstrap address alone does not carry its traffic. `KAFKA_LINKS` maps each broker
// address (as the cluster advertises it) onto the proxy to use instead, `host:port=host:port,…`, and the kafkajs
// `socketFactory` here connects through the mapped address (an address not in the map is connected directly).
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import { AppError } from './app-error.js';

const ADDRESS = /^[^\s=,]+:\d{1,5}$/;

/** `a:1=b:2,c:3=d:4` → {a:1 → b:2, c:3 → d:4}; '' → none. A malformed pair is a CONFIG_ERROR. */
export function parseKafkaLinks(text: string | undefined): Map<string, string> {
  const links = new Map<string, string>();
  for (const pair of (text ?? '').split(',').map((p) => p.trim())) {
    if (pair === '') continue;
    const [from, to, extra] = pair.split('=');
    if (from === undefined || to === undefined || extra !== undefined || !ADDRESS.test(from) || !ADDRESS.test(to))
      throw new AppError('CONFIG_ERROR', `KAFKA_LINKS: "${pair}" is not broker-host:port=proxy-host:port`, {
        variables: ['KAFKA_LINKS'],
      });
    links.set(from, to);
  }
  return links;
}

/** A kafkajs socket factory that connects to the proxy mapped to each broker address. */
export function linkedSocketFactory(links: ReadonlyMap<string, string>): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const to = links.get(`${host}:${port}`);
    const [h, p] =
      to === undefined ? [host, port] : [to.slice(0, to.lastIndexOf(':')), Number(to.slice(to.lastIndexOf(':') + 1))];
    const socket = ssl
      ? tls.connect({ host: h, port: p, ...(net.isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
      : net.connect({ host: h, port: p }, onConnect);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}
