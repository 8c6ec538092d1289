import type { CliCommand } from './command'

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'Check ffmpeg, encoders, the data folder and ports',
  usage: 'webtv doctor [--data-dir DIR]',
  async run() {
    throw new Error('not implemented yet')
  }
}
