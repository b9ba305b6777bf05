// Where bundled resources live at run time. In a checkout they sit at the repository root; in a packaged build
// electron-builder copies `docker/` into `process.resourcesPath` as an extra resource (see electron-builder.yml).
// Pure functions: the hosts pass in what they know (Electron's app.isPackaged / process.resourcesPath).
import path from 'node:path';

export interface ResourceLayout {
  /** true in a packaged app (Electron's app.isPackaged) */
  packaged: boolean;
  /** Electron's process.resourcesPath (packaged builds) */
  resourcesPath?: string | undefined;
  /** the checkout root (dev) */
  repoRoot: string;
}

/** The folder that holds compose.yml and the service Dockerfiles. */
export function resolveDockerDir(layout: ResourceLayout): string {
  if (layout.packaged) {
    if (layout.resourcesPath === undefined || layout.resourcesPath === '')
      throw new Error('a packaged build needs process.resourcesPath to find docker/');
    return path.join(layout.resourcesPath, 'docker');
  }
  return path.join(layout.repoRoot, 'docker');
}

/** The built renderer (vite's outDir). Packaged: inside app.asar next to dist/electron. */
export function resolveRendererDir(layout: { appRoot: string }): string {
  return path.join(layout.appRoot, 'dist', 'renderer');
}
