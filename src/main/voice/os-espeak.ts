import { join } from 'node:path'
import { findOnPath } from '../media/ffmpeg-path'
import { runTool } from './run-tool'
import { VOICE_ID, VoiceError, type SpeechRequest } from './types'

export const ESPEAK_INSTALL =
  'espeak-ng is not installed. Install it with your package manager (Debian/Ubuntu: sudo apt-get install espeak-ng; Fedora: sudo dnf install espeak-ng; Arch: sudo pacman -S espeak-ng).'

let counter = 0

/** Linux: espeak-ng, text on stdin, WAV out (`-w`); words per minute from the rate (175 = normal). */
export async function espeakSpeak(req: SpeechRequest, workDir: string, signal?: AbortSignal): Promise<string> {
  const exe = findOnPath('espeak-ng')
  if (!exe) throw new VoiceError(ESPEAK_INSTALL)
  if (!VOICE_ID.test(req.voice))
    throw new VoiceError(`"${req.voice}" is not a voice name espeak-ng knows (e.g. en-us, en+f3).`)
  const out = join(workDir, `espeak-${process.pid}-${++counter}.wav`)
  const wpm = Math.round(175 * Math.min(3, Math.max(0.3, req.rate)))
  await runTool(exe, ['-w', out, '-s', String(wpm), ...(req.voice ? ['-v', req.voice] : []), '--stdin'], {
    stdin: req.text,
    signal,
    name: 'espeak-ng'
  })
  return out
}
