import type { StreamEvent } from '../../protocol/events.ts'
import { messageOf } from '../../lib/errors.ts'
import type { EndingRelay } from '../../observability/stream-ending.ts'
import { encodeEvent, eventText } from '../../protocol/sse.ts'
import type { Static, TSchema } from '@sinclair/typebox'
import { createItemParser, describe, readFailure, type SseItem } from '../sse-json.ts'
import { ChatChunk } from './api.ts'
import { createConversion, type StreamOptions } from './convert-stream.ts'

export interface TranslateOptions extends StreamOptions {
  /** While the provider is silent this long, a `ping` goes out. */
  pingIntervalMs: number
  /** Hears every event as it is made (the usage tap), before it is encoded. */
  onEvent?: (event: StreamEvent) => void
  /** Told once how the stream ended, and when its first bytes went out. */
  ending?: EndingRelay
}

/**
 * An OpenAI Chat Completions SSE body → Anthropic SSE bytes, in one stage: each upstream read
 * is decoded, parsed (`createItemParser`), converted (`createConversion`, the same code as
 * `toAnthropicEvents`) and encoded before the next read. A chain of TransformStreams costs a
 * few microseconds per stage per chunk, which is most of the router's time on a 100-chunk
 * stream; fused, the client's reads pull the provider's chunks one for one (backpressure), and
 * cancelling the result cancels the provider's body. The events made from one upstream read
 * leave as one chunk: one encode and one write instead of one per event. Pings keep a silent
 * stream alive.
 */
export function translateStream(
  body: ReadableStream<Uint8Array>,
  options: TranslateOptions,
): ReadableStream<Uint8Array> {
  return translateEvents(body, ChatChunk, (push) => push, options)
}

/**
 * `translateStream` for a provider whose events say what Chat chunks say in other words (the
 * Responses API): each event of `schema` goes through `toChunks`, which hands on the chunks
 * and the end it means.
 */
export function translateEvents<T extends TSchema>(
  body: ReadableStream<Uint8Array>,
  schema: T,
  toChunks: (push: (item: SseItem<ChatChunk>) => void) => (item: SseItem<Static<T>>) => void,
  options: TranslateOptions,
): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  const encoder = new TextEncoder()
  // The events made from one upstream read, as text: encoded and handed on as one chunk.
  let pending = ''
  let ended = false
  let lastSent = Date.now()
  let started = false
  let firstByteAt: number | undefined

  const conversion = createConversion(options, (event: StreamEvent) => {
    if (event.type === 'message_start') started = true
    options.onEvent?.(event)
    pending += eventText(event)
  })
  const items = createItemParser(
    schema,
    toChunks((item) => {
      if (!ended && conversion.accept(item) === 'ended') ended = true
    }),
  )

  let timer: ReturnType<typeof setInterval> | undefined
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        timer = setInterval(
          () => {
            if (!started || ended || Date.now() - lastSent < options.pingIntervalMs) return
            lastSent = Date.now()
            try {
              controller.enqueue(encodeEvent({ type: 'ping' }))
            } catch {
              stopTimer()
            }
          },
          Math.max(10, Math.floor(options.pingIntervalMs / 2)),
        )
      },
      // Not an async function: the pull is the fill's own promise, one frame less per chunk.
      pull(controller) {
        return fill(controller).catch(async (error: unknown) => {
          // Not expected (the conversion reports bad input in-stream); said, not swallowed.
          ended = true
          stopTimer()
          const message = `ccr failed to translate the stream: ${messageOf(error)}`
          options.ending?.report(
            { kind: 'broken', error: { type: 'api_error', message } },
            firstByteAt,
          )
          controller.error(error)
          await reader.cancel().catch(() => undefined)
        })
      },
      async cancel(reason) {
        ended = true
        stopTimer()
        options.ending?.report({ kind: 'client_closed' }, firstByteAt)
        await reader.cancel(reason).catch(() => undefined)
      },
    },
    { highWaterMark: 0 },
  )

  async function fill(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    // Read until this pull has something to hand on, or the answer is over.
    while (pending === '' && !ended) {
      let next: Awaited<ReturnType<typeof reader.read>>
      try {
        next = await reader.read()
      } catch (error) {
        conversion.accept(readFailure(describe(error)))
        ended = true
        break
      }
      if (next.done) {
        items.feed(decoder.decode())
        if (!ended) conversion.end()
        ended = true
        break
      }
      items.feed(decoder.decode(next.value, { stream: true }))
    }
    if (pending !== '') {
      lastSent = Date.now()
      firstByteAt ??= performance.now()
      controller.enqueue(encoder.encode(pending))
      pending = ''
    }
    if (ended) {
      stopTimer()
      controller.close()
      options.ending?.report({ kind: 'ended' }, firstByteAt)
      // After [DONE] or an error the provider has nothing more to say that counts.
      await reader.cancel().catch(() => undefined)
    }
  }
}
