// A test run must leave the tracked tree as it found it (no rewritten screenshot,
// fixture or lockfile, no stray file). `record` notes the state before the run,
// `check` compares after; files already edited before the run only fail if the
// run changed them again. Outside a git checkout (a source tarball) it says so and passes.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

const STATE_FILE = 'reports/tree-before.json'

function git(args) {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
}

function inGitCheckout() {
  try {
    return git(['rev-parse', '--is-inside-work-tree']).trim() === 'true'
  } catch {
    return false
  }
}

/** Every path git reports as changed or untracked (not ignored), with a hash of its content. */
function treeState() {
  const entries = git(['status', '--porcelain=v1', '-z', '--untracked-files=all']).split('\0').filter(Boolean)
  const state = {}
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    const code = entry.slice(0, 2)
    const path = entry.slice(3)
    // A rename lists its source as the next entry.
    if (code[0] === 'R' || code[0] === 'C') i++
    state[path] = `${code}:${hashOf(path)}`
  }
  return state
}

function hashOf(path) {
  try {
    if (!statSync(path).isFile()) return 'not-a-file'
    return createHash('sha256').update(readFileSync(path)).digest('hex')
  } catch {
    return 'missing'
  }
}

/** Paths whose state differs between two snapshots. */
function changedPaths(before, after) {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...paths].filter((p) => before[p] !== after[p]).sort()
}

function main(mode) {
  if (!inGitCheckout()) {
    console.log('tree check: not a git checkout, skipped')
    return 0
  }
  if (mode === 'record') {
    mkdirSync(dirname(STATE_FILE), { recursive: true })
    writeFileSync(STATE_FILE, JSON.stringify(treeState()))
    return 0
  }
  if (mode === 'check') {
    if (!existsSync(STATE_FILE)) {
      console.error(
        `tree check: ${STATE_FILE} is missing; run \`node scripts/tree-state.mjs record\` before the tests.`
      )
      return 1
    }
    const changed = changedPaths(JSON.parse(readFileSync(STATE_FILE, 'utf8')), treeState())
    if (changed.length === 0) {
      console.log('tree check: the test run left the tracked tree unchanged')
      return 0
    }
    console.error(
      `tree check: the test run changed ${changed.length} file(s) in the checkout:\n` +
        changed.map((p) => `  ${p}`).join('\n') +
        '\nTests must write only to ignored folders (test-results/, reports/, a temp dir). ' +
        'Refresh the README screenshots on purpose with `npm run screenshots`.'
    )
    return 1
  }
  console.error('usage: node scripts/tree-state.mjs record|check')
  return 2
}

process.exit(main(process.argv[2]))
