import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { linkedSocketFactory, parseKafkaLinks } from './kafka-links.js';

describe('Kafka links', () => {
  it('parses broker=proxy pairs and refuses a malformed one', () => {
    expect([...parseKafkaLinks('127.0.0.1:9092=127.0.0.1:40001, k2:9094=127.0.0.1:40002')]).toEqual([
      ['127.0.0.1:9092', '127.0.0.1:40001'],
      ['k2:9094', '127.0.0.1:40002'],
    ]);
    expect(parseKafkaLinks('').size).toBe(0);
    expect(() => parseKafkaLinks('127.0.0.1:9092')).toThrow(/KAFKA_LINKS/);
  });

  it('connects a mapped broker through its proxy', async () => {
    const server = net.createServer((s) => s.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const factory = linkedSocketFactory(new Map([['kafka9:9092', `127.0.0.1:${port}`]]));
    const text = await new Promise<string>((resolve, reject) => {
      const args = { host: 'kafka9', port: 9092, onConnect: () => undefined };
      const socket = factory(args as Parameters<typeof factory>[0]);
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(text).toBe('hi');
    await new Promise((resolve) => server.close(resolve));
  });
});
