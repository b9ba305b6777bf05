// The renderer build: renderer/ → dist/renderer (served by main/web/server.ts and loaded by the Electron window).
// CSP-compatible output: one module script file, no inline scripts, no eval; relative asset paths (file:// in Electron).
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // no inline <script> for the module preload polyfill (CSP script-src 'self')
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
  server: { host: '127.0.0.1' },
});
