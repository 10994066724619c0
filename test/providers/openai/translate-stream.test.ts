import { expect, test } from 'bun:test'
import { translateStream } from '../../../src/providers/openai/translate-stream.ts'

test('a silent provider gets pings between message_start and the end; cancelling cancels it', async () => {
  const encoder = new TextEncoder()
  const cancelled = Promise.withResolvers<unknown>()
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const chunk = {
        id: 'c',
        model: 'm',
        choices: [{ index: 0, delta: { role: 'assistant', content: '' } }],
      }
      controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`))
      // …then nothing: the model is thinking.
    },
    cancel: (reason) => cancelled.resolve(reason),
  })
  const reader = translateStream(body, {
    model: 'm',
    inputTokens: 5,
    thinkingSignature: 'ccr:t',
    pingIntervalMs: 20,
  }).getReader()
  const decoder = new TextDecoder()
  expect(decoder.decode((await reader.read()).value)).toStartWith('event: message_start\n')
  expect(decoder.decode((await reader.read()).value)).toBe('event: ping\ndata: {"type":"ping"}\n\n')
  await reader.cancel('client left')
  expect(await cancelled.promise).toBe('client left')
})
