// Preloaded (node --require) into a process under measurement: its peak resident set
// (KiB, from the kernel via getrusage) is appended to $WEBTV_TEST_PEAK_RSS_FILE at exit.
'use strict'
const { appendFileSync } = require('node:fs')
process.on('exit', () => {
  const file = process.env.WEBTV_TEST_PEAK_RSS_FILE
  if (file) appendFileSync(file, `${process.resourceUsage().maxRSS}\n`)
})
