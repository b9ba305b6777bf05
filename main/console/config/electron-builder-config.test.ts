// `npm run dist` needs the internet, so CI validates the packaging config instead: electron-builder.yml against
// electron-builder's own JSON schema, with the targets and the docker/ and dist/services/ extra resources the design
// asks for (tests/unit/electron-bundle.test.ts builds that layout and runs the bundle from it).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require_ = createRequire(import.meta.url);

interface BuilderConfig {
  files: string[];
  extraResources: { from: string; to: string; filter?: string[] }[];
  asarUnpack?: string[];
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
  directories: { output: string };
}

describe('electron-builder.yml', () => {
  const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

  it("matches electron-builder's schema", () => {
    const schema = JSON.parse(readFileSync(require_.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    (addFormats as unknown as (a: Ajv) => void)(ajv);
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('builds AppImage + deb, NSIS and dmg, and ships docker/ as an extra resource', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'docker', to: 'docker' }));
  });

  it('packs what the main process loads (package.json main) and the built renderer', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main: string;
      scripts: Record<string, string>;
    };
    expect(pkg.main).toBe('dist/electron/app.cjs');
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/**', 'dist/renderer/**']));
    expect(pkg.scripts.dist).toContain('build:electron');
  });

  it('ships the services bundle once, outside app.asar, beside docker/ as in a checkout (compose mounts ../dist/services)', () => {
    expect(config.extraResources).toContainEqual({
      from: 'dist/services',
      to: 'dist/services',
      filter: ['**/*', '!**/*.map'],
    });
    expect(config.files.some((f) => f.startsWith('dist/services'))).toBe(false);
    expect(config.asarUnpack ?? []).toEqual([]);
    const compose = readFileSync(path.join(root, 'docker', 'compose.yml'), 'utf8');
    expect(compose).toContain('source: ../dist/services');
  });
});
