import { describe, expect, it } from 'vitest';
import { profileOfForm } from './components/connect-panel';

const base = {
  name: ' course-cluster ',
  lab: '',
  brokers: 'b1.example.com:9093, b2.example.com:9093\nb3.example.com:9093',
  mechanism: 'SCRAM-SHA-512' as const,
  username: 'alice',
  password: '',
  tls: true,
  caFile: '/etc/ca.pem',
  certFile: '',
  keyFile: '',
  insecure: false,
  rabbitmqUrl: '',
  managementUrl: '',
  postgresUrl: '',
  mongodbUrl: '',
  redisUrl: '',
};

describe('the Connect form', () => {
  it('makes a Kafka-only profile; an empty password is left out (the saved one stays)', () => {
    expect(profileOfForm(base)).toEqual({
      name: 'course-cluster',
      kafka: {
        brokers: ['b1.example.com:9093', 'b2.example.com:9093', 'b3.example.com:9093'],
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice' },
        tls: { caFile: '/etc/ca.pem', insecure: false },
      },
    });
  });

  it('sends a typed password, no TLS section when TLS is off, and only the components filled in', () => {
    const p = profileOfForm({ ...base, password: 'pw', tls: false, rabbitmqUrl: 'amqps://mq:5671', lab: 'lab-x' });
    expect(p).toEqual({
      name: 'course-cluster',
      lab: 'lab-x',
      kafka: {
        brokers: ['b1.example.com:9093', 'b2.example.com:9093', 'b3.example.com:9093'],
        sasl: { mechanism: 'SCRAM-SHA-512', username: 'alice', password: 'pw' },
      },
      rabbitmq: { url: 'amqps://mq:5671' },
    });
  });
});
