import { describe, expect, it } from 'vitest';
import { LAB_D, LAB_X } from '../../test/fixtures';
import { idRegex, instanceOfClient, instancesOf, plural, startOrder, toneOfStatus } from './manifest';

describe('manifest helpers', () => {
  it('lists the instances and orders the services by `after`', () => {
    expect(instancesOf(LAB_D)).toEqual(['loms', 'notifier-1', 'notifier-2', 'notifier-3']);
    expect(instancesOf(null)).toEqual([]);
    const services = [
      { kind: 'c', instances: ['c'], role: '', after: ['b'] },
      { kind: 'b', instances: ['b'], role: '', after: ['a', 'unknown'] },
      { kind: 'a', instances: ['a'], role: '' },
      { kind: 'x', instances: ['x'], role: '', after: ['y'] },
      { kind: 'y', instances: ['y'], role: '', after: ['x'] },
    ];
    // a cycle (x, y) falls back to manifest order instead of hanging
    expect(startOrder(services).map((s) => s.kind)).toEqual(['a', 'b', 'c', 'x', 'y']);
  });

  it('reads tones, the id pattern and the noun from the manifest', () => {
    expect(toneOfStatus(LAB_D, 'paid')).toBe('ok');
    expect(toneOfStatus(LAB_D, 'never heard of')).toBe('info');
    expect(idRegex(LAB_D)?.test('1042')).toBe(true);
    expect(idRegex(LAB_D)?.test('0')).toBe(false);
    expect(idRegex(LAB_X)?.test('tlk-7')).toBe(true);
    expect(idRegex(LAB_X)?.test('1042')).toBe(false);
    expect([plural('order'), plural('entry'), plural('class'), plural('presentation')]).toEqual([
      'orders',
      'entries',
      'classes',
      'presentations',
    ]);
  });

  it("names a Kafka member by the lab's instance its client or member id contains", () => {
    const names = [...instancesOf(LAB_D), 'notifier-12'];
    expect(instanceOfClient('notifier-notifier-2', names)).toBe('notifier-2');
    expect(instanceOfClient('notifier-notifier-2-5f0c7c1e-aaaa', names)).toBe('notifier-2');
    expect(instanceOfClient('notifier-notifier-12-0000', names)).toBe('notifier-12');
    expect(instanceOfClient('someone-else', names)).toBe('someone-else');
  });
});
