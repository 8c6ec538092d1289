import { GenerationError } from '../errors'

/**
 * The server itself is unreachable or broke the connection: the job is not at
 * fault. The pool takes the server out (and probes it back); the job goes to
 * another server without spending an attempt.
 */
export class EndpointDownError extends GenerationError {
  constructor(
    readonly endpoint: string,
    message: string
  ) {
    super('transient', message)
    this.name = 'EndpointDownError'
  }
}

interface NodeError {
  errors?: Array<{ type?: string; message?: string; details?: string; extra_info?: { input_name?: string } }>
  class_type?: string
}

/** A 400 from POST /prompt ({ error, node_errors }) in plain words, with what to do. */
export function describeValidation(body: unknown, endpoint: string): string {
  const b = (body ?? {}) as {
    error?: { type?: string; message?: string; details?: string } | string
    node_errors?: Record<string, NodeError> | unknown[]
  }
  const err = typeof b.error === 'string' ? { message: b.error } : (b.error ?? {})
  const lines: string[] = []
  const nodeErrors = b.node_errors && !Array.isArray(b.node_errors) ? b.node_errors : {}
  for (const [id, ne] of Object.entries(nodeErrors)) {
    for (const e of ne.errors ?? []) {
      const what = `node ${id} (${ne.class_type ?? '?'})`
      switch (e.type) {
        case 'value_not_in_list':
          lines.push(
            `${what}: ${e.details ?? e.message} — the model or file is not installed on that server; install it into ComfyUI's models folder or pick one it has.`
          )
          break
        case 'required_input_missing':
          lines.push(
            `${what}: the required input "${e.details ?? e.extra_info?.input_name ?? '?'}" is missing — export the workflow again with "Export (API)".`
          )
          break
        case 'value_bigger_than_max':
        case 'value_smaller_than_min':
          lines.push(`${what}: ${e.details ?? e.message} — change that value in the workflow or the step's length.`)
          break
        default:
          lines.push(`${what}: ${e.message ?? 'invalid'}${e.details ? ` (${e.details})` : ''}`)
      }
    }
  }
  if (err.type === 'invalid_prompt' && /does not exist/i.test(err.message ?? '')) {
    return (
      `The ComfyUI server at ${endpoint} refused the workflow: ${err.message} ${err.details ?? ''}`.trim() +
      ' — install the custom node pack that provides it (ComfyUI Manager → Install Missing Custom Nodes) or update ComfyUI.'
    )
  }
  if (err.type === 'prompt_no_outputs')
    return `The ComfyUI server at ${endpoint} refused the workflow: it has no output node. Add a Save Video (or Save Audio) node and export it again.`
  const head = `The ComfyUI server at ${endpoint} refused the workflow (${err.message ?? 'invalid prompt'})`
  return lines.length ? `${head}: ${lines.join('; ')}` : `${head}${err.details ? `: ${err.details}` : ''}.`
}

export interface ExecutionErrorData {
  node_id?: string
  node_type?: string
  exception_type?: string
  exception_message?: string
}

export function isOutOfMemory(e: ExecutionErrorData): boolean {
  return (
    /OutOfMemoryError/.test(e.exception_type ?? '') ||
    /Allocation on device|out of memory/i.test(e.exception_message ?? '')
  )
}

/** An execution_error message: out-of-memory is worth another try (maybe on another GPU); a broken node is not. */
export function describeExecutionError(e: ExecutionErrorData, endpoint: string): GenerationError {
  const where = `node ${e.node_id ?? '?'} (${e.node_type ?? '?'})`
  if (isOutOfMemory(e)) {
    return new GenerationError(
      'transient',
      `The GPU at ${endpoint} ran out of memory in ${where}. Lower the resolution or the length in the workflow, use a smaller (fp8 / 5B) model, or start ComfyUI with --lowvram.`
    )
  }
  const first = (e.exception_message ?? '').split('\n')[0]!.slice(0, 300)
  return new GenerationError(
    'permanent',
    `The workflow failed on ${endpoint} in ${where}: ${e.exception_type ?? 'error'}: ${first}. Open the workflow in ComfyUI to see the node, fix it and export it again.`
  )
}
