// Page module of the Consumer groups view: the members × partitions matrix and the lag table of the notifier group.
import { expect, type Page } from '@playwright/test';

export class GroupsPage {
  constructor(readonly page: Page) {}

  private get group() {
    return this.page.getByTestId('group-notifier');
  }

  /** Waits for `members` members of which `owning` own a partition. */
  async expectMembers(members: number, owning: number, timeout = 90_000): Promise<void> {
    await expect(this.group.getByTestId('group-member-count')).toHaveText(String(members), { timeout });
    await expect(this.group.getByTestId('group-owning-count')).toHaveText(String(owning), { timeout });
  }

  /** The instance that owns partition p (from the lag table). */
  async ownerOf(p: number): Promise<string> {
    return (await this.group.getByTestId(`owner-p${p}`).innerText()).trim();
  }

  /** Instances marked idle in the matrix. */
  async idleMembers(): Promise<string[]> {
    const rows = this.group.locator('[data-testid^="member-"][data-idle="true"]');
    const out: string[] = [];
    for (const row of await rows.all())
      out.push(((await row.getAttribute('data-testid')) ?? '').replace(/^member-/, ''));
    return out;
  }

  async expectOwner(p: number, instance: string, timeout = 90_000): Promise<void> {
    await expect(this.group.getByTestId(`owner-p${p}`)).toHaveText(instance, { timeout });
    await expect(this.group.getByTestId(`owns-${instance}-p${p}`)).toBeVisible({ timeout });
  }
}
