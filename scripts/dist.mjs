// Builds this machine's installer with electron-builder (dmg + update zip on macOS,
// NSIS on Windows, AppImage on Linux), signing and notarising only when the
// credentials are there. The release workflow runs it with `--publish always` on each
// runner; `npm run dist` runs it locally with `--publish never`.
//
//   node scripts/dist.mjs [--publish always|never] [--platform darwin|win32|linux] [--dry-run]
//
// CI secrets that are not set arrive as empty strings, and electron-builder treats an
// empty CSC_LINK as a certificate to import: empty values are dropped here so an
// unsigned build is a clean, logged skip instead of a failure. --dry-run prints the
// plan (variable names only, never their values) without building.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const MAC_CERT = ['CSC_LINK', 'CSC_KEY_PASSWORD']
const WIN_CERT = ['WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD']
const NOTARY = ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID']
const SIGNING = [...MAC_CERT, ...WIN_CERT, ...NOTARY]
const TARGET_FLAG = { darwin: '--mac', win32: '--win', linux: '--linux' }

function option(args, name, fallback) {
  const i = args.indexOf(name)
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback
}

/** The environment electron-builder gets, what it will do, and what is wrong. */
function plan(platform, publish, env, version) {
  const out = { ...env }
  const notes = []
  const errors = []
  const drop = (names) => names.forEach((n) => delete out[n])
  drop(SIGNING.filter((n) => !(typeof out[n] === 'string' && out[n].trim() !== '')))

  if (!TARGET_FLAG[platform]) errors.push(`Unknown platform "${platform}": use darwin, win32 or linux.`)
  if (!['always', 'never'].includes(publish)) errors.push(`--publish takes "always" or "never", not "${publish}".`)
  if (publish === 'always' && !out.GH_TOKEN)
    errors.push('Publishing to GitHub Releases needs GH_TOKEN (the workflow passes secrets.GITHUB_TOKEN).')
  if (out.GITHUB_REF_TYPE === 'tag' && out.GITHUB_REF_NAME !== `v${version}`)
    errors.push(
      `The tag ${out.GITHUB_REF_NAME} does not match package.json's version ${version}: ` +
        `set "version" to the tag without its "v", commit, and tag that commit.`
    )

  if (platform === 'darwin') {
    drop(WIN_CERT)
    if (!out.CSC_LINK) {
      drop([...MAC_CERT, ...NOTARY])
      out.CSC_IDENTITY_AUTO_DISCOVERY = 'false'
      notes.push('macOS: no CSC_LINK, so the app is not signed or notarised (and macOS will not apply its updates).')
    } else {
      notes.push('macOS: signing with the CSC_LINK certificate.')
      const have = NOTARY.filter((n) => out[n])
      if (have.length === NOTARY.length) notes.push('macOS: notarising with APPLE_ID and APPLE_TEAM_ID.')
      else if (have.length === 0) notes.push('macOS: no APPLE_ID, so the signed app is not notarised.')
      else
        errors.push(
          `Notarisation needs ${NOTARY.join(', ')} together; missing: ${NOTARY.filter((n) => !out[n]).join(', ')}.`
        )
    }
  } else if (platform === 'win32') {
    // electron-builder falls back from WIN_CSC_LINK to CSC_LINK: never try the macOS certificate here.
    drop([...MAC_CERT, ...NOTARY])
    if (out.WIN_CSC_LINK) notes.push('Windows: signing with the WIN_CSC_LINK certificate.')
    else {
      drop(WIN_CERT)
      notes.push('Windows: no WIN_CSC_LINK, so the installer is not signed (SmartScreen will warn).')
    }
  } else {
    drop(SIGNING)
    notes.push('Linux: the AppImage is not signed.')
  }
  const args = [TARGET_FLAG[platform] ?? '', '--publish', publish]
  return { env: out, args, notes, errors }
}

const argv = process.argv.slice(2)
const platform = option(argv, '--platform', process.platform)
const publish = option(argv, '--publish', 'never')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const p = plan(platform, publish, process.env, version)

if (argv.includes('--dry-run')) {
  const signing = SIGNING.filter((n) => p.env[n] !== undefined)
  console.log(JSON.stringify({ args: p.args, notes: p.notes, errors: p.errors, signing }, null, 1))
  process.exit(p.errors.length ? 1 : 0)
}
for (const e of p.errors) console.error(`[dist] ${e}`)
if (p.errors.length) process.exit(1)
for (const n of p.notes) console.log(`[dist] ${n}`)

const cli = createRequire(import.meta.url).resolve('electron-builder/cli.js')
const r = spawnSync(process.execPath, [cli, ...p.args], { cwd: root, env: p.env, stdio: 'inherit' })
process.exit(r.status ?? 1)
