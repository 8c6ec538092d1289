import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runTool } from './run-tool'
import { VOICE_ID, VoiceError, type SpeechRequest } from './types'

let counter = 0

/** macOS: `say`, text from a file (`-f`), 16-bit WAV out; words per minute from the rate (180 = normal). */
export async function saySpeak(req: SpeechRequest, workDir: string, signal?: AbortSignal): Promise<string> {
  if (!VOICE_ID.test(req.voice)) throw new VoiceError(`"${req.voice}" is not a macOS voice name (see say -v '?').`)
  const n = ++counter
  const textFile = join(workDir, `say-${process.pid}-${n}.txt`)
  const out = join(workDir, `say-${process.pid}-${n}.wav`)
  writeFileSync(textFile, req.text, 'utf8')
  const wpm = Math.round(180 * Math.min(3, Math.max(0.3, req.rate)))
  await runTool(
    '/usr/bin/say',
    [
      '-o',
      out,
      '--file-format=WAVE',
      '--data-format=LEI16@22050',
      '-r',
      String(wpm),
      ...(req.voice ? ['-v', req.voice] : []),
      '-f',
      textFile
    ],
    { signal, name: 'say' }
  )
  return out
}
