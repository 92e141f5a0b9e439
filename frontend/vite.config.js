import { defineConfig } from 'vite';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Pyodide's runtime (the interpreter as WebAssembly and the standard library) is copied as-is into
// dist/pyodide/, so the server serves it like any other asset and nothing comes from a CDN. The
// room's Web Worker loads it from there the first time someone presses Run.
const PYODIDE_FILES = ['pyodide.mjs', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'];

function copyPyodide() {
  let outDir = '';
  return {
    name: 'mockroom-copy-pyodide',
    apply: 'build',
    // The build's own output directory, which a check of the committed build sets elsewhere.
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const from = fileURLToPath(new URL('./node_modules/pyodide/', import.meta.url));
      const to = join(outDir, 'pyodide');
      mkdirSync(to, { recursive: true });
      for (const f of PYODIDE_FILES) copyFileSync(join(from, f), join(to, f));
    },
  };
}

// The build lands in dist/, which is committed and embedded into the Go binary (embed.go), so
// `go run ./cmd/mockroom` serves the app without Node. No source maps: they would double the
// size of what every binary carries.
export default defineConfig({
  base: '/',
  plugins: [copyPyodide()],
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev` proxies the API to a server started with `go run ./cmd/mockroom`.
    proxy: {
      '/api': { target: 'http://localhost:8080', ws: true },
    },
  },
});
