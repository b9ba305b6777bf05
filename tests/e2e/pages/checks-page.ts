// Page module of the Checks view: the lab's checks (Run, Run all, a result badge, counts, evidence) and the Break it
// panel (restart an instance in a broken mode, back to correct).
import { expect, type Locator, type Page } from '@playwright/test';

export type CheckStatus = 'PASS' | 'FAIL' | 'SKIP' | 'ERROR';
const RESULT = /^(PASS|FAIL|SKIP|ERROR)$/;

export interface CheckRow {
  id: string;
  status: string;
  summary: string;
}

export class ChecksPage {
  constructor(readonly page: Page) {}

  card(id: string): Locator {
    return this.page.getByTestId(`check-${id}`);
  }

  status(id: string): Locator {
    return this.page.getByTestId(`check-status-${id}`);
  }

  runAllButton(): Locator {
    return this.page.getByTestId('checks-panel').getByRole('button', { name: 'Run all' });
  }

  /** The ids of the checks the view lists (the lab's manifest `checks`), in its order. */
  async declared(): Promise<string[]> {
    await expect(this.page.getByTestId('checks-panel')).toBeVisible();
    const cards = this.page.getByTestId('checks-panel').locator('article[data-testid^="check-"]');
    const ids: string[] = [];
    for (const c of await cards.all()) ids.push(((await c.getAttribute('data-testid')) ?? '').replace(/^check-/, ''));
    return ids;
  }

  /** Runs every check and waits until each has a result of this run and the run is over. */
  async runAll(ids: readonly string[], timeout: number): Promise<CheckRow[]> {
    await expect(this.runAllButton()).toBeEnabled({ timeout: 60_000 });
    const before = await this.runIds(ids);
    await this.runAllButton().click();
    return this.waitForResults(ids, before, timeout);
  }

  /** Runs one check and waits for its result. */
  async run(id: string, timeout: number): Promise<CheckRow> {
    await expect(this.runAllButton()).toBeEnabled({ timeout: 60_000 });
    const before = await this.runIds([id]);
    await this.card(id).getByRole('button', { name: /^Run / }).click();
    const [row] = await this.waitForResults([id], before, timeout);
    return row as CheckRow;
  }

  /** the run id of each check's last result ('' for none) */
  private async runIds(ids: readonly string[]): Promise<string[]> {
    return Promise.all(ids.map(async (id) => (await this.card(id).getAttribute('data-run')) ?? ''));
  }

  /** Waits until each check has a result newer than `before` (a run of its own) and the run is over. */
  private async waitForResults(ids: readonly string[], before: string[], timeout: number): Promise<CheckRow[]> {
    const deadline = Date.now() + timeout;
    const left = () => Math.max(1000, deadline - Date.now());
    const notice = this.page.getByTestId('checks-notice');
    // a refused run (ALREADY_RUNNING, a check the lab does not implement) shows a notice: fail at once with it
    const refused = notice.waitFor({ timeout }).then(async () => `refused: ${await notice.textContent()}`);
    const finished = (async () => {
      for (const [i, id] of ids.entries())
        await expect(this.card(id)).not.toHaveAttribute('data-run', before[i] ?? '', { timeout: left() });
      await expect(this.runAllButton()).toBeEnabled({ timeout: left() });
      return 'done';
    })();
    // the one that loses the race goes on alone: its end is nobody's business
    void refused.catch(() => undefined);
    void finished.catch(() => undefined);
    const outcome = await Promise.race([refused, finished]);
    if (outcome !== 'done') throw new Error(`the Checks view says the run was ${outcome}`);
    const rows: CheckRow[] = [];
    for (const id of ids) {
      await expect(this.status(id)).toHaveText(RESULT);
      rows.push({
        id,
        status: (await this.status(id).textContent()) ?? '',
        summary: (await this.page.getByTestId(`check-summary-${id}`).textContent()) ?? '',
      });
    }
    return rows;
  }

  /** The counts of a check's last result: name → value. */
  async counts(id: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const li of await this.page.getByTestId(`check-counts-${id}`).getByRole('listitem').all()) {
      const name = ((await li.locator('.count-name').textContent()) ?? '').trim();
      out[name] = Number((await li.locator('.count-value').textContent()) ?? 'NaN');
    }
    return out;
  }

  /** The evidence rows of a check's last result: source, ref, detail. */
  async evidence(id: string): Promise<{ source: string; ref: string; detail: string }[]> {
    const rows = this.page.getByTestId(`check-evidence-${id}`).getByTestId('evidence-row');
    const out: { source: string; ref: string; detail: string }[] = [];
    for (const r of await rows.all()) {
      const cells = await r.locator('td').allInnerTexts();
      out.push({ source: cells[0] ?? '', ref: cells[1] ?? '', detail: cells[2] ?? '' });
    }
    return out;
  }

  /** Break it: restarts `instance` in `mode` and waits until it runs in it. */
  async restartInMode(mode: string, instance: string): Promise<void> {
    const card = this.page.getByTestId(`broken-mode-${mode}`);
    await card.getByRole('button', { name: new RegExp(`^(Re)?[sS]tart ${instance} in this mode$`) }).click();
    await expect(this.page.getByTestId(`break-engaged-${mode}-${instance}`)).toBeVisible({ timeout: 60_000 });
  }

  /** Break it: restarts `instance` correct. */
  async backToCorrect(mode: string, instance: string): Promise<void> {
    await this.page
      .getByTestId(`broken-mode-${mode}`)
      .getByRole('button', { name: `Restart ${instance} correct` })
      .click();
    await expect(this.page.getByTestId(`break-engaged-${mode}-${instance}`)).toHaveCount(0, { timeout: 60_000 });
  }
}
