import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runTool } from './run-tool'
import { VoiceError, type SpeechRequest } from './types'

let counter = 0

/**
 * Windows: System.Speech through PowerShell. The script is fixed; the text file,
 * output path, voice and rate reach it in environment variables, so nothing the user
 * wrote is ever parsed as PowerShell.
 */
const SCRIPT = [
  'Add-Type -AssemblyName System.Speech',
  '$s = New-Object System.Speech.Synthesis.SpeechSynthesizer',
  'if ($env:WEBTV_VOICE) { $s.SelectVoice($env:WEBTV_VOICE) }',
  '$s.Rate = [int]$env:WEBTV_RATE',
  '$s.SetOutputToWaveFile($env:WEBTV_OUT)',
  '$s.Speak([IO.File]::ReadAllText($env:WEBTV_TEXT, [Text.Encoding]::UTF8))',
  '$s.Dispose()'
].join('; ')

export async function sapiSpeak(req: SpeechRequest, workDir: string, signal?: AbortSignal): Promise<string> {
  if (!/^[\w .()-]{0,80}$/.test(req.voice)) throw new VoiceError(`"${req.voice}" is not a Windows voice name.`)
  const n = ++counter
  const textFile = join(workDir, `sapi-${process.pid}-${n}.txt`)
  const out = join(workDir, `sapi-${process.pid}-${n}.wav`)
  writeFileSync(textFile, req.text, 'utf8')
  // System.Speech's rate is −10…10; 1× = 0, about ×1.1 a step.
  const rate = Math.max(-10, Math.min(10, Math.round(Math.log(Math.max(0.3, req.rate)) / Math.log(1.1))))
  await runTool('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', SCRIPT], {
    env: { ...process.env, WEBTV_TEXT: textFile, WEBTV_OUT: out, WEBTV_VOICE: req.voice, WEBTV_RATE: String(rate) },
    signal,
    name: 'Windows speech (System.Speech)'
  })
  return out
}
