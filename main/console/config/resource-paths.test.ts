import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDockerDir, resolveRendererDir } from './resource-paths.js';

describe('resource paths', () => {
  it('finds docker/ at the checkout root in dev', () => {
    expect(resolveDockerDir({ packaged: false, repoRoot: '/home/me/eventscope', resourcesPath: '/ignored' })).toBe(
      path.join('/home/me/eventscope', 'docker'),
    );
  });
  it('finds docker/ in the resources folder of a packaged app (AppImage/deb, NSIS, dmg layouts)', () => {
    expect(
      resolveDockerDir({
        packaged: true,
        repoRoot: '/tmp/.mount_x/resources/app.asar',
        resourcesPath: '/tmp/.mount_x/resources',
      }),
    ).toBe(path.join('/tmp/.mount_x/resources', 'docker'));
    expect(
      resolveDockerDir({
        packaged: true,
        repoRoot: '/x',
        resourcesPath: '/Applications/Eventscope.app/Contents/Resources',
      }),
    ).toBe(path.join('/Applications/Eventscope.app/Contents/Resources', 'docker'));
  });
  it('refuses a packaged layout without a resources path', () => {
    expect(() => resolveDockerDir({ packaged: true, repoRoot: '/x' })).toThrow(/resourcesPath/);
  });
  it('finds the built renderer under dist/renderer', () => {
    expect(resolveRendererDir({ appRoot: '/repo' })).toBe(path.join('/repo', 'dist', 'renderer'));
  });
});
