import { describe, expect, test } from 'bun:test'
import { createIdleCollector } from '../../src/server/idle-collect.ts'
import { fakeUpstream, heldStream, sse, testRouter, waitFor } from '../helpers.ts'

describe('garbage collection while idle', () => {
  test('after a whole quiet interval with nothing in flight, once per quiet spell', () => {
    let served = 0
    let pending = 0
    let collections = 0
    const idle = createIdleCollector({
      served: () => served,
      pending: () => pending,
      collect: () => collections++,
    })
    idle.tick()
    expect(collections).toBe(0) // nothing served yet: nothing to collect
    served = 3
    idle.tick()
    expect(collections).toBe(0) // requests came during this interval
    pending = 1
    idle.tick()
    expect(collections).toBe(0) // quiet, but an answer is still streaming
    pending = 0
    idle.tick()
    expect(collections).toBe(1)
    idle.tick()
    idle.tick()
    expect(collections).toBe(1) // nothing served since
    served = 4
    idle.tick()
    idle.tick()
    expect(collections).toBe(2)
  })

  test('through the server: not while a stream is open, once it has ended', async () => {
    const held = heldStream(sse([{ type: 'message_start' }]))
    using upstream = fakeUpstream(held.response)
    await using router = testRouter(
      {
        Providers: [
          {
            name: 'anthro',
            api_base_url: `${upstream.url}/v1/messages`,
            api_key: 'sk-ant-test',
            models: ['m'],
          },
        ],
        Router: { default: 'anthro,m' },
      },
      { housekeepingMs: 10 },
    )
    const collected = () =>
      router.records.filter((record) => record.msg === 'garbage collected while idle')
    const client = new AbortController()
    const response = await fetch(`${router.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 5, stream: true, messages: [] }),
      signal: client.signal,
    })
    await response.body?.getReader().read()
    // Ten intervals with the stream open and no new request.
    await Bun.sleep(100)
    expect(collected()).toHaveLength(0)
    client.abort()
    await held.cancelled
    await waitFor(() => collected()[0], 'a collection once the stream ended')
    expect(collected()[0]?.fields.ms).toBeGreaterThanOrEqual(0)
    // Health probes are not API calls: they leave nothing to collect.
    for (let probe = 0; probe < 3; probe++) {
      await (await fetch(`${router.url}/health`)).arrayBuffer()
      await Bun.sleep(30)
    }
    expect(collected()).toHaveLength(1)
  })
})
