import { describe, expect, it } from 'vitest';
import { chooseProvider, chooseProviderKind } from './choose.js';

const yes = () => Promise.resolve(true);
const no = () => Promise.resolve(false);

describe('chooseProviderKind', () => {
  it('follows EVENTSCOPE_STACK when set', async () => {
    expect(await chooseProviderKind({ env: { EVENTSCOPE_STACK: 'local' }, dockerAnswers: yes })).toEqual({
      kind: 'local',
      reason: 'EVENTSCOPE_STACK=local',
    });
    expect((await chooseProviderKind({ env: { EVENTSCOPE_STACK: 'external' }, dockerAnswers: yes })).kind).toBe(
      'external',
    );
    expect((await chooseProviderKind({ env: { EVENTSCOPE_STACK: 'docker' }, dockerAnswers: no })).kind).toBe('docker');
  });

  it('takes docker when an engine answers, else local', async () => {
    expect((await chooseProviderKind({ env: {}, dockerAnswers: yes })).kind).toBe('docker');
    expect((await chooseProviderKind({ env: {}, dockerAnswers: no })).kind).toBe('local');
  });

  it('rejects an unknown EVENTSCOPE_STACK', async () => {
    await expect(chooseProviderKind({ env: { EVENTSCOPE_STACK: 'kubernetes' } })).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
    });
  });

  it('builds the chosen provider; external validates its configuration', async () => {
    expect((await chooseProvider({ env: {}, dockerAnswers: no })).provider.kind).toBe('local');
    await expect(chooseProvider({ env: { EVENTSCOPE_STACK: 'external' } })).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
    });
  });
});
