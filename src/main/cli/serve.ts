import type { CliCommand } from './command'

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the studio headless and serve its UI on 127.0.0.1',
  usage: 'webtv serve [--port 8710] [--data-dir DIR]',
  options: { port: { type: 'string' } },
  async run() {
    throw new Error('not implemented yet')
  }
}
