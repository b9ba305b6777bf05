// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientProvider } from '../../../lib/client-context';
import { NavigationProvider } from '../../../lib/navigation';
import { createFakeClient, type FakeClient } from '../../../test/fake-client';
import { LAB_D_WITH_CHECKS, LAB_X, checkInfo, checkResult, info, instance } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { useServicesStore } from '../../service-instances/store';
import { useChecksStore } from '../store';
import { ChecksView } from './checks-view';

const FAILED = checkResult('outage-at-least-once', {
  status: 'FAIL',
  summary: '3 of 40 (order, status) pairs committed in Postgres never reached loms.order-events.',
  counts: { expected: 40, lost: 3, duplicated: 1, outOfOrder: 2 },
  evidence: [
    {
      source: 'row',
      ref: 'outbox #12',
      detail: 'order 1042 paid: marked done with last_error "gave up", no record on the topic',
      entity: '1042',
    },
    {
      source: 'record',
      ref: 'loms.order-events p1@73',
      detail: 'order 1042: cancelled follows new (awaiting payment missing)',
      entity: '1042',
      record: { topic: 'loms.order-events', partition: 1, offset: '73' },
    },
  ],
});

function show(client: FakeClient, navigate = vi.fn()) {
  render(
    <ClientProvider client={client}>
      <NavigationProvider navigate={navigate} focus={null}>
        <ChecksView />
      </NavigationProvider>
    </ClientProvider>,
  );
  return navigate;
}

beforeEach(() => {
  useLabsStore.getState().applyInfo(info({ labs: [LAB_D_WITH_CHECKS] }));
  useChecksStore.getState().reset('lab-d');
});
afterEach(() => {
  cleanup();
  useChecksStore.getState().reset(null);
  useServicesStore.getState().reset(null);
  useLabsStore.setState({ labs: [], lab: null });
});

describe('ChecksView', () => {
  it('lists every check with its invariant and tags, and a badge, counts and evidence per result', () => {
    useChecksStore
      .getState()
      .applyList([
        checkInfo('topic-shape', { last: checkResult('topic-shape') }),
        checkInfo('per-order-ordering', { last: checkResult('per-order-ordering', { status: 'SKIP' }) }),
        checkInfo('resume', { last: checkResult('resume', { status: 'ERROR', summary: 'TIMEOUT: did not finish' }) }),
        checkInfo('outage-at-least-once', { last: FAILED }),
      ]);
    const navigate = show(createFakeClient());
    const cards = screen.getAllByRole('article').filter((a) => a.dataset.testid?.startsWith('check-') === true);
    expect(cards.map((c) => c.dataset.testid)).toEqual([
      'check-topic-shape',
      'check-per-order-ordering',
      'check-resume',
      'check-outage-at-least-once',
    ]);
    expect(screen.getByTestId('check-topic-shape').textContent).toContain('loms.order-events has 2 partitions');
    // tags: active (it drives the system) and additional task
    expect(screen.queryByTestId('check-active-topic-shape')).toBeNull();
    expect(screen.getByTestId('check-active-outage-at-least-once').textContent).toBe('active');
    expect(screen.getByTestId('check-additional-outage-at-least-once').textContent).toBe('additional task');
    expect(screen.queryByTestId('check-additional-per-order-ordering')).toBeNull();
    // badges: PASS green, FAIL red, SKIP grey, ERROR amber
    const badge = (id: string) => screen.getByTestId(`check-status-${id}`);
    expect([badge('topic-shape').textContent, badge('topic-shape').className]).toEqual(['PASS', 'badge badge-ok']);
    expect(badge('outage-at-least-once').className).toBe('badge badge-bad');
    expect(badge('per-order-ordering').className).toBe('badge badge-idle');
    expect(badge('resume').className).toBe('badge badge-warn');
    expect(screen.getByTestId('checks-tally').textContent).toBe('1 PASS · 1 FAIL · 1 ERROR · 1 SKIP');
    // the counts, the ones that hurt in red
    const counts = within(screen.getByTestId('check-counts-outage-at-least-once')).getAllByRole('listitem');
    expect(counts.map((c) => [c.textContent, c.className])).toEqual([
      ['expected 40', ''],
      ['lost 3', 'count-bad'],
      ['duplicated 1', ''],
      ['out of order 2', 'count-bad'],
    ]);
    // which broken modes are made to fail it
    expect(screen.getByTestId('check-outage-at-least-once').textContent).toContain(
      'Made to fail by the broken mode Relay gives up.',
    );
    // the evidence: source, ref, detail and links
    const rows = within(screen.getByTestId('check-evidence-outage-at-least-once')).getAllByTestId('evidence-row');
    expect(rows.map((r) => [...r.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent))).toEqual([
      ['table row', 'outbox #12', 'order 1042 paid: marked done with last_error "gave up", no record on the topic'],
      ['Kafka record', 'loms.order-events p1@73', 'order 1042: cancelled follows new (awaiting payment missing)'],
    ]);
    expect(within(rows[0] as HTMLElement).queryByRole('button', { name: /tail/ })).toBeNull();
    fireEvent.click(within(rows[1] as HTMLElement).getByRole('button', { name: 'record p1@73' }));
    expect(navigate).toHaveBeenLastCalledWith('topics', {
      kind: 'record',
      topic: 'loms.order-events',
      partition: 1,
      offset: '73',
    });
    fireEvent.click(within(rows[0] as HTMLElement).getByRole('button', { name: 'timeline of order 1042' }));
    expect(navigate).toHaveBeenLastCalledWith('timeline', { kind: 'entity', entity: '1042' });
    // a FAIL's evidence is open, a PASS without evidence has none
    expect(screen.getByTestId('check-outage-at-least-once').querySelector('details')?.open).toBe(true);
    expect(screen.queryByTestId('check-evidence-topic-shape')).toBeNull();
  });

  it('runs all, shows the progress of the check that runs and disables Run while the run goes on', async () => {
    const client = createFakeClient({
      'checks:run': () => ({ runId: 'r1', checks: LAB_D_WITH_CHECKS.checks.map((c) => c.id) }),
    });
    useChecksStore.getState().applyList(LAB_D_WITH_CHECKS.checks.map((c) => checkInfo(c.id)));
    show(client);
    expect(screen.getByTestId('check-status-topic-shape').textContent).toBe('not run yet');
    fireEvent.click(screen.getByRole('button', { name: 'Run all' }));
    await waitFor(() => expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run all' }).disabled).toBe(true));
    expect(client.calls).toEqual([{ name: 'checks:run', req: {} }]);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run Topic shape' }).disabled).toBe(true);
    expect(screen.getByTestId('check-status-resume').textContent).toBe('queued');
    act(() =>
      useChecksStore
        .getState()
        .applyProgress({ runId: 'r1', check: 'topic-shape', message: 'reading metadata', fraction: 0.5 }),
    );
    const progress = screen.getByTestId('check-progress-topic-shape');
    expect(progress.textContent).toBe('reading metadata');
    expect(progress.querySelector('progress')?.value).toBe(0.5);
    expect(screen.getByTestId('check-status-topic-shape').textContent).toBe('running…');
    act(() => {
      for (const c of LAB_D_WITH_CHECKS.checks) useChecksStore.getState().applyDone(checkResult(c.id, { runId: 'r1' }));
    });
    expect(screen.queryByTestId('check-progress-topic-shape')).toBeNull();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run all' }).disabled).toBe(false);
    expect(screen.getByTestId('checks-tally').textContent).toBe('4 PASS');
    // one check alone
    fireEvent.click(screen.getByRole('button', { name: 'Run At least once through a Kafka outage' }));
    await waitFor(() => expect(client.calls).toHaveLength(2));
    expect(client.calls[1]).toEqual({ name: 'checks:run', req: { checks: ['outage-at-least-once'] } });
  });

  it('says ALREADY_RUNNING as a notice and waits for that run', async () => {
    const client = createFakeClient({
      'checks:run': () => {
        throw Object.assign(new Error('checks are running (run r9)'), { code: 'ALREADY_RUNNING' });
      },
      'checks:list': () => ({ checks: [checkInfo('topic-shape', { running: true })] }),
    });
    show(client);
    fireEvent.click(screen.getByRole('button', { name: 'Run all' }));
    await waitFor(() =>
      expect(screen.getByTestId('checks-notice').textContent).toContain('Checks are running already'),
    );
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run all' }).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('checks-notice')).toBeNull();
  });

  it('says so when the lab has no checks yet', () => {
    useLabsStore.getState().applyInfo(info({ labs: [{ ...LAB_D_WITH_CHECKS, checks: [], brokenModes: [] }] }));
    show(createFakeClient());
    expect(screen.getByTestId('checks-empty').textContent).toContain('Lab D · LOMS has no checks yet');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Run all' }).disabled).toBe(true);
    expect(screen.queryByTestId('break-it-panel')).toBeNull();
  });
});

describe('Break it panel', () => {
  it('lists the broken modes with the bug, the service, the checks they break, and restarts an instance in one', async () => {
    const client = createFakeClient({
      'services:restart': (req) => {
        const { instance: name, brokenMode } = req as { instance: string; brokenMode: string | null };
        return { instance: instance(name, { brokenMode, startedAt: 2000 }) };
      },
    });
    useServicesStore
      .getState()
      .applyList([
        instance('loms'),
        instance('notifier-1', { state: 'stopped' }),
        instance('notifier-2'),
        instance('notifier-3'),
      ]);
    useChecksStore.getState().applyList([checkInfo('outage-at-least-once', { last: FAILED })]);
    show(client);
    const mode = screen.getByTestId('broken-mode-relay-gives-up');
    expect(mode.textContent).toContain('A send that fails marks its outbox rows done');
    expect(mode.querySelector('.break-bug code')?.textContent).toBe('done');
    expect(mode.textContent).toContain('Applies toloms');
    expect(mode.textContent).toContain('Must make failAt least once through a Kafka outage FAIL, Per-order ordering');
    // a mode of the notifier offers each notifier instance; a stopped one is started in the mode
    const notifierMode = screen.getByTestId('broken-mode-commit-before-process');
    expect(
      within(notifierMode)
        .getAllByRole('button')
        .map((b) => b.textContent),
    ).toEqual(['Start notifier-1 in this mode', 'Restart notifier-2 in this mode', 'Restart notifier-3 in this mode']);
    fireEvent.click(within(mode).getByRole('button', { name: 'Restart loms in this mode' }));
    await waitFor(() => expect(screen.getByTestId('break-engaged-relay-gives-up-loms')).toBeTruthy());
    expect(client.calls).toEqual([
      { name: 'services:restart', req: { instance: 'loms', brokenMode: 'relay-gives-up' } },
    ]);
    expect(mode.className).toContain('break-mode-on');
    fireEvent.click(within(mode).getByRole('button', { name: 'Restart loms correct' }));
    await waitFor(() => expect(screen.queryByTestId('break-engaged-relay-gives-up-loms')).toBeNull());
    expect(client.calls[1]).toEqual({ name: 'services:restart', req: { instance: 'loms', brokenMode: null } });
    expect(within(mode).getByRole('button', { name: 'Restart loms in this mode' })).toBeTruthy();
  });

  it('offers one picker where a mode applies to many instances', async () => {
    const lab = {
      ...LAB_X,
      services: [...LAB_X.services, { kind: 'worker', instances: ['w-1', 'w-2', 'w-3'], role: 'works' }],
      brokenModes: [
        { id: 'auto-ack', label: 'Auto-ack', bug: 'acks first', services: ['projector', 'worker'], breaks: [] },
      ],
    };
    useLabsStore.getState().applyInfo(info({ lab: LAB_X.id, labs: [lab] }));
    useServicesStore.getState().reset(LAB_X.id);
    const client = createFakeClient({
      'services:restart': (req) => {
        const { instance: name, brokenMode } = req as { instance: string; brokenMode: string | null };
        return { instance: instance(name, { lab: LAB_X.id, kind: 'worker', brokenMode }) };
      },
    });
    show(client);
    const mode = screen.getByTestId('broken-mode-auto-ack');
    expect(mode.textContent).toContain('Must make failno check yet');
    fireEvent.change(within(mode).getByRole('combobox', { name: 'Instance to run Auto-ack' }), {
      target: { value: 'w-2' },
    });
    fireEvent.click(within(mode).getByRole('button', { name: 'Start w-2 in this mode' }));
    await waitFor(() => expect(screen.getByTestId('break-engaged-auto-ack-w-2')).toBeTruthy());
    expect(client.calls).toEqual([{ name: 'services:restart', req: { instance: 'w-2', brokenMode: 'auto-ack' } }]);
    expect(within(mode).getByRole<HTMLButtonElement>('button', { name: 'Restart w-2 in this mode' }).disabled).toBe(
      true,
    );
  });
});
