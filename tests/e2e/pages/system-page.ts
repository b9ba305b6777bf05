// Page module of the System view: the graph of the running lab (nodes and edges as xyflow draws them), a click on a
// node, the report export and the architecture as code.
import { expect, type Locator, type Page } from '@playwright/test';

export class SystemPage {
  constructor(readonly page: Page) {}

  /** A node of the graph by its id (`instance:loms`, `topic:loms.order-events`). */
  node(id: string): Locator {
    return this.page.getByTestId(`topo-node-${id}`);
  }

  /** The drawn edge from one node to another (xyflow's edge group, labelled `<source> to <target>: …`). */
  edge(source: string, target: string): Locator {
    return this.page.locator(`.react-flow__edge[aria-label^="${source} to ${target}"]`);
  }

  async expectNodes(ids: readonly string[], timeout = 30_000): Promise<void> {
    for (const id of ids) await expect(this.node(id)).toBeVisible({ timeout });
  }

  /** Waits until the edge is drawn cut (dashed red, `link cut` on its label). */
  async expectCut(source: string, target: string, timeout = 30_000): Promise<void> {
    const e = this.edge(source, target);
    await expect(e).toHaveClass(/topo-edge-cut/, { timeout });
    await expect(e).toHaveAttribute('aria-label', /link cut/);
  }

  async expectNotCut(source: string, target: string, timeout = 30_000): Promise<void> {
    await expect(this.edge(source, target)).not.toHaveClass(/topo-edge-cut/, { timeout });
  }

  /** Exports the report and returns the HTML file's path. */
  async exportReport(timeout = 60_000): Promise<{ html: string; markdown: string }> {
    await this.page.getByRole('button', { name: 'Export report' }).click();
    const written = this.page.getByTestId('report-written');
    await expect(written).toBeVisible({ timeout });
    const codes = written.locator('code');
    return { html: (await codes.nth(0).textContent()) ?? '', markdown: (await codes.nth(1).textContent()) ?? '' };
  }
}
