#!/usr/bin/env node
// The `webtv` command: the headless studio core, built by `npm run build`.
const { existsSync } = require('node:fs')
const { join } = require('node:path')
const entry = join(__dirname, '..', 'out', 'main', 'cli.js')
if (!existsSync(entry)) {
  console.error('webtv: the studio is not built yet. Run `npm run build` in ' + join(__dirname, '..') + ' first.')
  process.exit(1)
}
require(entry).runCli(process.argv.slice(2))
