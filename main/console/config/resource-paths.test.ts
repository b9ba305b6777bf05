import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveComposeFile, resolveDockerDir, resolveRendererDir, resolveServicesEntry } from './resource-paths.js';

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
    expect(() => resolveServicesEntry({ packaged: true, repoRoot: '/x', resourcesPath: '' })).toThrow(/resourcesPath/);
  });
  it('finds the compose file and the services bundle beside each other, as compose.yml mounts ../dist/services', () => {
    const dev = { packaged: false, repoRoot: '/home/me/eventscope', resourcesPath: '/ignored' };
    expect(resolveComposeFile(dev)).toBe(path.join('/home/me/eventscope', 'docker', 'compose.yml'));
    expect(resolveServicesEntry(dev)).toBe(path.join('/home/me/eventscope', 'dist', 'services', 'cli.cjs'));
    const packaged = {
      packaged: true,
      repoRoot: '/opt/Eventscope/resources/app.asar',
      resourcesPath: '/opt/Eventscope/resources',
    };
    expect(resolveComposeFile(packaged)).toBe(path.join('/opt/Eventscope/resources', 'docker', 'compose.yml'));
    // outside app.asar: a child process (and a container's bind mount) can read it
    expect(resolveServicesEntry(packaged)).toBe(path.join('/opt/Eventscope/resources', 'dist', 'services', 'cli.cjs'));
    for (const layout of [dev, packaged])
      expect(path.resolve(resolveDockerDir(layout), '../dist/services')).toBe(
        path.dirname(resolveServicesEntry(layout)),
      );
  });
  it('finds the built renderer under dist/renderer', () => {
    expect(resolveRendererDir({ appRoot: '/repo' })).toBe(path.join('/repo', 'dist', 'renderer'));
  });
});
