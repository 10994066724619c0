import { describe, expect, test } from 'bun:test'
import type { StreamEvent } from '../../src/protocol/events.ts'
import { encodeEvent, withPings } from '../../src/protocol/sse.ts'

const start: StreamEvent = {
  type: 'message_start',
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'm',
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: { input_tokens: 1, output_tokens: 0 },
  },
}

describe('SSE', () => {
  test('events are framed with event: and data: lines', () => {
    expect(new TextDecoder().decode(encodeEvent({ type: 'ping' }))).toBe(
      'event: ping\ndata: {"type":"ping"}\n\n',
    )
  })

  test('pings go out while the source is silent, only inside a message', async () => {
    const source = new TransformStream<StreamEvent, StreamEvent>()
    const writer = source.writable.getWriter()
    const reader = source.readable.pipeThrough(withPings(20)).getReader()
    void writer.write(start)
    expect((await reader.read()).value).toEqual(start)
    // Nothing more comes from the source: the next event is a ping.
    expect((await reader.read()).value).toEqual({ type: 'ping' })
    void writer.write({ type: 'message_stop' })
    expect((await reader.read()).value).toEqual({ type: 'message_stop' })
    void writer.close()
    expect((await reader.read()).done).toBe(true)
  })
})
