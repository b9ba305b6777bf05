// Where bundled resources live at run time. In a checkout they sit at the repository root; in a packaged build
// electron-builder copies `docker/` and `dist/services/` into `process.resourcesPath` as extra resources (see
// electron-builder.yml), side by side as in the checkout, so compose.yml's `../dist/services` mount finds the bundle in
// both layouts.
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

/** The folder that holds docker/ and dist/services/: the resources folder when packaged, else the checkout. */
function resourceRoot(layout: ResourceLayout, what: string): string {
  if (!layout.packaged) return layout.repoRoot;
  if (layout.resourcesPath === undefined || layout.resourcesPath === '')
    throw new Error(`a packaged build needs process.resourcesPath to find ${what}`);
  return layout.resourcesPath;
}

/** The folder that holds compose.yml (the brokers and one profile per lab) and its .env. */
export function resolveDockerDir(layout: ResourceLayout): string {
  return path.join(resourceRoot(layout, 'docker/'), 'docker');
}

/** docker/compose.yml in that folder. */
export function resolveComposeFile(layout: ResourceLayout): string {
  return path.join(resolveDockerDir(layout), 'compose.yml');
}

/**
 * The bundled lab services (main/electron/build.mjs): `node <entry> <lab>/<service>` runs one, `--list` names them all.
 * Every npm dependency is inlined, so it runs with no node_modules beside it. In a checkout it exists after
 * `npm run build:electron`.
 */
export function resolveServicesEntry(layout: ResourceLayout): string {
  return path.join(resourceRoot(layout, 'dist/services/'), 'dist', 'services', 'cli.cjs');
}

/** The built renderer (vite's outDir). Packaged: inside app.asar next to dist/electron. */
export function resolveRendererDir(layout: { appRoot: string }): string {
  return path.join(layout.appRoot, 'dist', 'renderer');
}
