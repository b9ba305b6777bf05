// `npm start`: the desktop app when an Electron binary is available, otherwise web mode (with one line saying why).
// Looks for the binary without downloading anything: node_modules/electron/dist (+ path.txt), ELECTRON_OVERRIDE_DIST_PATH,
// or an `electron` on PATH that answers `--version` within a few seconds.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function electronBinary() {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (existsSync(pathFile)) {
    const rel = readFileSync(pathFile, 'utf8').trim();
    const candidate = path.join(override !== undefined && override !== '' ? override : path.join(pkgDir, 'dist'), rel);
    if (existsSync(candidate)) return candidate;
  }
  const probe = spawnSync('electron', ['--version'], {
    timeout: 5000,
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  if (probe.status === 0 && /^v\d+/.test(probe.stdout.trim())) return 'electron';
  return undefined;
}

function run(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
  const forward = (signal) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 0 : 1)));
}

const binary = electronBinary();
if (binary !== undefined) {
  const built = spawnSync(process.execPath, [path.join(root, 'main', 'electron', 'build.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (built.status !== 0) process.exit(built.status ?? 1);
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  run(binary, ['.'], env);
} else {
  process.stdout.write(
    'No Electron binary is available here (node_modules/electron/dist is missing and no `electron` answers), so Eventscope starts in web mode.\n',
  );
  run(process.execPath, ['--import', 'tsx', path.join(root, 'main', 'web', 'server.ts')]);
}
