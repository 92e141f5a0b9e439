import { defineConfig } from 'vite';

// The build lands in dist/, which is committed and embedded into the Go binary (embed.go), so
// `go run ./cmd/mockroom` serves the app without Node. No source maps: they would double the
// size of what every binary carries.
export default defineConfig({
  base: '/',
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
