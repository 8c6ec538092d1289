import { resolve } from 'node:path'
import { defineConfig, externalizeDepsPlugin } from 'electron-vite'
import react from '@vitejs/plugin-react'

// Three builds: main (the core, four entries: the Electron shell, the headless
// `webtv` command, which must never reach `electron`, the on-air media plane's
// worker thread, which both start from beside them: media-plane.ts, and the watch
// page's live relay process, which the studio server starts: live-handoff.ts), preload (CommonJS, because a
// sandboxed preload cannot be an ES module) and the renderer (served by both shells).
export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: {
      outDir: 'out/main',
      sourcemap: true,
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          cli: resolve(__dirname, 'src/main/cli.ts'),
          'media-worker': resolve(__dirname, 'src/main/onair/media-worker.ts'),
          'live-relay': resolve(__dirname, 'src/main/server/live-relay.ts')
        }
      }
    }
  },
  preload: {
    // Sandboxed preloads can require only `electron`: bundle everything else in.
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].js' }
      }
    }
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      // The renderer is also what `webtv serve` sends over the network to every
      // viewer of the watch page: minified, it is a third of the size.
      minify: 'esbuild',
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/renderer/index.html'),
          watch: resolve(__dirname, 'src/renderer/watch.html')
        }
      }
    }
  }
})
