/**
 * A typed service registry: a feature provides a service under a key whose type
 * names what it holds, and other features look it up by that key — no string
 * names, no casts. Keys are declared once, in `src/main/services.ts`.
 */
export interface ServiceKey<T> {
  readonly name: string
  /** Never set: carries T so `get(key)` returns it. */
  readonly __type?: T
}

export function serviceKey<T>(name: string): ServiceKey<T> {
  return { name }
}

export class ServiceRegistry {
  private readonly entries = new Map<ServiceKey<unknown>, unknown>()

  provide<T>(key: ServiceKey<T>, service: T): void {
    if (this.entries.has(key))
      throw new Error(`The service "${key.name}" is already provided; install each feature once.`)
    this.entries.set(key, service)
  }

  /** The service, or undefined when no installed feature provides it (a core opened with fewer features). */
  find<T>(key: ServiceKey<T>): T | undefined {
    return this.entries.get(key) as T | undefined
  }

  /** The service; throws a readable error naming the missing service and who asked. */
  get<T>(key: ServiceKey<T>, neededBy?: string): T {
    if (!this.entries.has(key)) {
      const who = neededBy ? `${neededBy} needs` : 'This core has no'
      throw new Error(
        `${who} the "${key.name}" service: open the studio with the feature that provides it, installed before ${neededBy ?? 'its users'}.`
      )
    }
    return this.entries.get(key) as T
  }
}
