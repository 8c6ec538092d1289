import { describe, expect, it } from 'vitest'
import { scrubSecrets } from '../../../src/main/notifications/scrub'

describe('scrubSecrets: no secret reaches a notification', () => {
  it('removes known secrets, also URL-encoded', () => {
    const key = 'live_123/abc+def'
    const out = scrubSecrets(`failed with ${key} and ${encodeURIComponent(key)}`, [key])
    expect(out).not.toContain(key)
    expect(out).not.toContain(encodeURIComponent(key))
  })

  it('removes the key segment of RTMP URLs, SRT streamids and passphrases, query tokens, bearer tokens and API keys', () => {
    const text = [
      'rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop',
      'rtmps://live-api-s.facebook.com:443/rtmp/FB-1234-0-Abc?s_bl=1',
      'srt://ingest.example:9000?streamid=#!::r=live/secretstream,m=publish&passphrase=hunter2hunter2',
      'https://x.example/api?token=tok_9f8e7d6c5b',
      'Authorization: Bearer abc.def.ghi',
      'hf_AbCdEfGhIjKlMnOp sk-proj-ABCDEFGHIJ'
    ].join(' ')
    const out = scrubSecrets(text)
    for (const secret of [
      'abcd-efgh-ijkl-mnop',
      'FB-1234-0-Abc',
      'secretstream',
      'hunter2hunter2',
      'tok_9f8e7d6c5b',
      'abc.def.ghi',
      'hf_AbCdEfGhIjKlMnOp',
      'sk-proj-ABCDEFGHIJ'
    ])
      expect(out).not.toContain(secret)
    // What a person needs to recognise the destination stays.
    expect(out).toContain('rtmp://a.rtmp.youtube.com/live2/')
    expect(out).toContain('srt://ingest.example:9000')
  })
})
