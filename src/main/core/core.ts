import { EventBus } from './events'
import { dispatchCall, type PartialHandlers, type Handlers } from './dispatch'
import { ensureWritableDir } from './data-dir'
import type { CallResult } from '../../shared/contract'
import { ServiceRegistry } from './services'
import type { SecretCipher } from '../secrets'

export interface CoreOptions {
  dataDir: string
  shell: 'electron' | 'headless'
  version: string
  /** Desktop: Electron safeStorage. Headless: none (the secrets file is 0600). */
  secretCipher?: SecretCipher
}

/** What a feature module sees when it installs itself into the core. */
export interface CoreContext {
  readonly dataDir: string
  readonly shell: 'electron' | 'headless'
  readonly version: string
  readonly secretCipher: SecretCipher | undefined
  readonly bus: EventBus
  readonly startedAt: number
  /** Run at shutdown, in reverse order of registration (last opened, first closed). */
  onClose(fn: () => void | Promise<void>): void
  /**
   * Work that only long-running processes do (job workers, autopilot): started by
   * `webtv serve`, `air`, `demo` and the desktop app — never by a quick CLI call.
   */
  onBackground(fn: () => void | Promise<void>): void
  /** Services features provide to each other, under the typed keys of `src/main/services.ts`. */
  readonly services: ServiceRegistry
}

/**
 * One feature of the studio: installs its services into the context and returns the
 * contract handlers it serves. The composition root (`src/main/studio.ts`) lists them;
 * the core itself knows none.
 */
export type Feature = (ctx: CoreContext) => PartialHandlers | Promise<PartialHandlers>

export class Core implements CoreContext {
  readonly bus = new EventBus()
  readonly startedAt = Date.now()
  readonly services = new ServiceRegistry()
  private readonly handlers: Partial<Handlers> = {}
  /** Which feature registered each handler, to name both sides of a clash. */
  private readonly owners = new Map<string, string>()
  private readonly closers: Array<() => void | Promise<void>> = []
  private readonly background: Array<() => void | Promise<void>> = []
  private backgroundStarted = false
  private closed = false

  private constructor(private readonly opts: CoreOptions) {}

  get dataDir(): string {
    return this.opts.dataDir
  }
  get shell(): 'electron' | 'headless' {
    return this.opts.shell
  }
  get version(): string {
    return this.opts.version
  }
  get secretCipher(): SecretCipher | undefined {
    return this.opts.secretCipher
  }

  /** Open a core with exactly these features, installed in order (later ones may use earlier ones' services). */
  static async open(opts: CoreOptions, features: readonly Feature[]): Promise<Core> {
    ensureWritableDir(opts.dataDir)
    const core = new Core(opts)
    try {
      for (const feature of features) core.register(await feature(core), feature.name || 'an unnamed feature')
    } catch (err) {
      await core.close()
      throw err
    }
    return core
  }

  /**
   * Add a feature's handlers. A name another feature already serves is refused — before
   * any of this feature's handlers are added — instead of silently replacing the first.
   */
  register(partial: PartialHandlers, featureName = 'a feature'): void {
    for (const name of Object.keys(partial)) {
      const owner = this.owners.get(name)
      if (owner !== undefined)
        throw new Error(
          `The handler "${name}" is registered twice: by ${owner} and by ${featureName}. Each call name must be served by one feature; rename or remove one of them.`
        )
    }
    for (const name of Object.keys(partial)) this.owners.set(name, featureName)
    Object.assign(this.handlers, partial)
  }

  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn)
  }

  onBackground(fn: () => void | Promise<void>): void {
    this.background.push(fn)
    if (this.backgroundStarted) void fn()
  }

  /** Start the long-running work features registered (idempotent). */
  async startBackground(): Promise<void> {
    if (this.backgroundStarted) return
    this.backgroundStarted = true
    for (const fn of this.background) await fn()
  }

  /** Validate and run a call by name; always resolves to a result, never throws. */
  dispatch(name: unknown, input: unknown): Promise<CallResult<unknown>> {
    return dispatchCall(this.handlers, name, input)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const fn of this.closers.reverse()) {
      try {
        await fn()
      } catch (err) {
        console.error('[webtv] error while shutting down:', err instanceof Error ? err.message : err)
      }
    }
  }
}
