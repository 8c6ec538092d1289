/**
 * The as-run export as it was before streaming (bench baseline, run as a child by
 * asrun.bench.ts): every entry read into one list, the CSV built as one string,
 * written in one call. Prints its own peak RSS in KiB.
 */
import { writeFileSync } from 'node:fs'
import { openLibrary } from '../src/main/library'
import { AsRunLog, asrunCsv } from '../src/main/outputs/asrun'

const [dataDir, out] = process.argv.slice(2)
const lib = openLibrary(dataDir!)
const log = new AsRunLog(lib.featureDatabase('asrun'), () => null)
writeFileSync(out!, asrunCsv(log.list({ limit: Number.MAX_SAFE_INTEGER })))
console.log(process.resourceUsage().maxRSS)
void lib.close()
