// Builds what Electron loads (CommonJS, one file per entry, no code splitting):
//   dist/electron/app.cjs      the main process (dependencies stay in node_modules; electron is external)
//   dist/electron/preload.cjs  the sandboxed preload (self-contained: a sandboxed preload can require only 'electron')
//   dist/services/cli.cjs      every lab's services, `node dist/services/cli.cjs <lab>/<service>` (`--list` names them):
//                              run by the console's supervisor in a packaged app (tsx is a development dependency) and
//                              by docker/compose.yml's lab profiles, mounted into a stock node image
// The services bundle inlines every npm dependency, so it runs from any folder with nothing installed (a container with
// only the bundle mounted, the app's resources). Checked: kafkajs, pg, fastify, zod and pino work bundled. pino writes
// with a synchronous destination and no transport, so thread-stream's worker file is never loaded; pg's optional
// `pg-native` becomes a stub that throws only if `pg.native` is touched, which the services never do. Its target is
// the Node of the service containers (NODE_VERSION in docker/.env) and is older than Electron's, which runs it too.
// So services read no file beside their source at run time (import it instead): where the bundle runs, there is none.
// Modules that compute paths from `import.meta.url` keep their source location: the plugin below rewrites it to the
// module's original path relative to the bundle, so `../../..` from main/console/stack/ still lands on the app root
// (the checkout in dev, app.asar when packaged).
// Usage: node main/electron/build.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { build } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const deps = Object.keys(pkg.dependencies ?? {});
const isDep = (id) => id === 'electron' || deps.some((d) => id === d || id.startsWith(`${d}/`));

/** import.meta.url → the source file's URL, computed from the bundle's __dirname at run time. */
function sourceImportMetaUrl(outDir) {
  return {
    name: 'eventscope-source-import-meta-url',
    transform(code, id) {
      if (!code.includes('import.meta.url') || id.includes('node_modules')) return null;
      const rel = path.relative(outDir, id).split(path.sep).join('/');
      const expr = `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${JSON.stringify(rel)})).href`;
      return { code: code.replaceAll('import.meta.url', expr), map: null };
    },
  };
}

async function bundle({ input, outDir, fileName, bundleDeps, target = 'node22' }) {
  const abs = path.join(root, outDir);
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    plugins: [sourceImportMetaUrl(abs)],
    ssr: bundleDeps ? { noExternal: true, external: ['electron'] } : {},
    build: {
      ssr: input,
      outDir,
      emptyOutDir: false,
      target,
      minify: false,
      sourcemap: true,
      rolldownOptions: {
        external: bundleDeps ? ['electron'] : (id) => isDep(id) || id.startsWith('node:'),
        output: { format: 'cjs', entryFileNames: fileName, codeSplitting: false },
      },
    },
  });
}

await bundle({ input: 'main/electron/app.ts', outDir: 'dist/electron', fileName: 'app.cjs', bundleDeps: false });
await bundle({ input: 'main/electron/preload.ts', outDir: 'dist/electron', fileName: 'preload.cjs', bundleDeps: true });
await bundle({
  input: 'services/cli.ts',
  outDir: 'dist/services',
  fileName: 'cli.cjs',
  bundleDeps: true,
  target: 'node20',
});
process.stdout.write('built dist/electron/app.cjs, dist/electron/preload.cjs, dist/services/cli.cjs\n');
