/**
 * `npm run bench`: every bench/*.bench.ts in turn. Each prints its own numbers and
 * the ratio against a baseline it measured in the same run.
 * Filter: `npm run bench -- library onair` runs only those whose name matches.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { killDescendants } from './children'

async function main(): Promise<void> {
  const filters = process.argv.slice(2)
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.ts'))
    // A filter that is a bench's whole name runs that one only ("ui", not also "comfyui"); otherwise a part of names.
    .filter((f, _, all) => {
      const name = (x: string): string => x.replace(/\.bench\.ts$/, '')
      const exact = (w: string): boolean => all.some((x) => name(x) === w)
      return filters.length === 0 || filters.some((w) => (exact(w) ? name(f) === w : f.includes(w)))
    })
    .sort()
  if (files.length === 0) {
    console.log('No benchmarks matched.')
    return
  }
  let failures = 0
  // Ctrl-C / SIGTERM: end what the running bench started before leaving.
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void killDescendants(1000).finally(() => process.exit(130)))
  for (const file of files) {
    console.log(`\n=== ${file} ===`)
    const started = Date.now()
    try {
      const mod = (await import(join(__dirname, file))) as { default?: () => Promise<void> }
      if (typeof mod.default !== 'function') throw new Error('does not export a default run() function')
      await mod.default()
    } catch (err) {
      failures++
      console.error(`${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
    }
    // A bench that failed (or forgot) leaves nothing running into the next one.
    const left = await killDescendants()
    if (left > 0) console.error(`${file} left ${left} process(es) running; ended them.`)
    console.log(`(${file}: ${((Date.now() - started) / 1000).toFixed(1)} s)`)
  }
  process.exitCode = failures ? 1 : 0
}

void main()
