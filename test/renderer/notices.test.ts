import { beforeEach, describe, expect, it } from 'vitest'
import { BridgeError } from '../../src/renderer/src/api/bridge'
import { notifyFailure, useNotices } from '../../src/renderer/src/stores/notices'

describe('notifyFailure', () => {
  beforeEach(() => useNotices.setState({ notices: [] }))

  it('says what failed and why, as an error that stays', () => {
    notifyFailure('Destination not added', new BridgeError('invalid_input', 'The URL has no stream key.'))
    const [n] = useNotices.getState().notices
    expect(n).toMatchObject({ level: 'error', message: 'Destination not added: The URL has no stream key.' })
  })

  it('names the field the core pointed at', () => {
    notifyFailure('Not sent', new BridgeError('invalid_input', 'Too short.', 'theme'))
    expect(useNotices.getState().notices[0]!.message).toBe('Not sent: Too short. (field: theme)')
  })

  it('takes anything thrown, not only errors', () => {
    notifyFailure('Could not delete', 'disk full')
    notifyFailure('Could not delete', null)
    expect(useNotices.getState().notices.map((n) => n.message)).toEqual([
      'Could not delete: disk full',
      'Could not delete: null'
    ])
  })
})
