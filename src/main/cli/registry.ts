import type { CliCommand } from './command'
import { serveCommand } from './serve'
import { doctorCommand } from './doctor'
import { libraryCommands } from './library-commands'
import { historyCommands } from './history-commands'
import { onairCommands } from './onair-commands'
import { generationCommands } from './generation-commands'
import { demoCommand } from './demo'
import { destinationsCommand } from './destination-commands'
import { comfyCommand } from './comfy-commands'
import { statusCommands } from './status-commands'
import { showCommand } from './show-commands'
import { gateCommand } from './gate-commands'

/** Every `webtv` subcommand, in the order `webtv --help` lists them. Features append theirs. */
export const commands: CliCommand[] = [
  demoCommand,
  serveCommand,
  doctorCommand,
  ...libraryCommands,
  ...historyCommands,
  ...generationCommands,
  showCommand,
  gateCommand,
  comfyCommand,
  ...onairCommands,
  destinationsCommand,
  ...statusCommands
]
