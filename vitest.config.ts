import { defineConfig } from 'vitest/config'

// Two projects: unit (pure functions, fast) and integration (real ffmpeg, SQLite
// files, RTMP servers and local protocol servers on 127.0.0.1).
export default defineConfig({
  test: {
    // ffmpeg-heavy suites on a 2-core machine: don't oversubscribe.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts', 'test/e2e/**', 'node_modules/**'],
          environment: 'node',
          // Some unit tests start node or git once; on a busy 2-core machine one start can take
          // seconds. A limit is a hang guard, not a speed goal (those live in bench/).
          testTimeout: 30_000
        }
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          exclude: ['test/e2e/**', 'node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000
        }
      }
    ]
  }
})
