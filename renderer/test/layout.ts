// jsdom lays nothing out, so a virtualised list (VirtualList, FilterTable) measures its scroll box as 0 px high and
// renders no row. `layoutFromStyle()` in a test file makes every element report the height its inline style gives
// it, as a browser would for those boxes.
import { afterAll, beforeAll } from 'vitest';

export function layoutFromStyle(): void {
  const original = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  beforeAll(() => {
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get(this: HTMLElement) {
        return Number.parseInt(this.style.height || '0', 10);
      },
    });
  });
  afterAll(() => {
    if (original !== undefined) Object.defineProperty(HTMLElement.prototype, 'clientHeight', original);
  });
}
