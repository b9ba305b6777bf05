import { describe, expect, it } from 'vitest';
import { BROKEN_MODES } from '../../../../../services/lab-b/broken-modes.js';
import { createLabB } from '../index.js';
import { LAB_B_CHECKS, LAB_B_CHECK_LIST, checkIdsOf } from './catalog.js';

describe("Lab B's checks as data", () => {
  const lab = createLabB({});

  it('has one check per invariant 1–6 of LABS.md, each implemented by the module and listed by its manifest', () => {
    expect(Object.keys(LAB_B_CHECKS).map(Number)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(lab.checks?.map((c) => c.id)).toEqual(LAB_B_CHECK_LIST.map((c) => c.id));
    expect(lab.manifest.checks.map((c) => c.id)).toEqual(LAB_B_CHECK_LIST.map((c) => c.id));
    expect(lab.manifest.views).toContain('checks');
    for (const c of lab.checks ?? []) expect(c.timeoutMs).toBeGreaterThan(0);
  });

  it('names, for each broken mode, the check ids of the invariants it breaks', () => {
    for (const m of BROKEN_MODES) {
      const declared = lab.manifest.brokenModes.find((b) => b.id === m.id);
      expect(declared?.breaks).toEqual(checkIdsOf(m.breaks));
    }
    // every check but routing (a bad-setup case) is broken by some mode
    const broken = new Set(lab.manifest.brokenModes.flatMap((m) => m.breaks));
    expect(LAB_B_CHECK_LIST.map((c) => c.id).filter((id) => !broken.has(id))).toEqual(['routing']);
    expect(() => checkIdsOf([7])).toThrow(/no invariant 7/);
  });
});
