import type { Static, TSchema } from '@sinclair/typebox'
import { compiledCheck } from '../lib/compiled-check.ts'
import { createParser, type EventSourceMessage } from 'eventsource-parser'
import { EventSourceParserStream } from 'eventsource-parser/stream'

/**
 * One event of an upstream's SSE stream: a JSON value that matched the schema, something that
 * did not (kept raw, with the reason, so the converter can report it), or the `[DONE]` marker.
 */
export type SseItem<T> =
  { kind: 'value'; value: T } | { kind: 'invalid'; raw: string; reason: string } | { kind: 'done' }

/**
 * Larger than any single event a model sends (a whole file as one tool-call fragment), small
 * enough that a server streaming garbage without blank lines cannot exhaust memory.
 */
const maxEventCharacters = 32 * 1024 * 1024

/**
 * Upstream SSE bytes → typed items. Comments (`: OPENROUTER PROCESSING`) and empty keep-alive
 * events are skipped. After `[DONE]` the body is cancelled, so a server that keeps the
 * connection open cannot hang the answer. A body that fails mid-read ends with an `invalid`
 * item naming the failure, so the converter reports it in-stream instead of breaking the
 * client's connection. Cancelling the returned stream cancels `body`.
 *
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function parseJsonEvents<T extends TSchema>(
  body: ReadableStream<Uint8Array>,
  schema: T,
): ReadableStream<SseItem<Static<T>>> {
  const toItem = itemReader(schema)
  const events = body
    .pipeThrough(decodeText())
    .pipeThrough(new EventSourceParserStream({ maxBufferSize: maxEventCharacters }))
    .getReader()

  return new ReadableStream<SseItem<Static<T>>>({
    async pull(controller) {
      // Loop until one item is enqueued: skipped events must not leave `pull` without progress.
      for (;;) {
        const next = await events.read().catch((error: unknown) => ({ failure: describe(error) }))
        if ('failure' in next) {
          controller.enqueue(readFailure(next.failure))
          controller.close()
          return
        }
        if (next.done) {
          controller.close()
          return
        }
        const item = toItem(next.value)
        if (item === undefined) continue
        controller.enqueue(item)
        if (item.kind === 'done') {
          controller.close()
          await events.cancel().catch(() => undefined)
        }
        return
      }
    },
    async cancel(reason) {
      await events.cancel(reason)
    },
  })
}

/**
 * The same parsing, pushed instead of pulled: text in, items out through `onItem`, with no
 * stream machinery per event. The translating hot path uses this; `parseJsonEvents` is the
 * composable form.
 */
export function createItemParser<T extends TSchema>(
  schema: T,
  onItem: (item: SseItem<Static<T>>) => void,
): { feed(text: string): void } {
  const toItem = itemReader(schema)
  const parser = createParser({
    onEvent: (event) => {
      const item = toItem(event)
      if (item !== undefined) onItem(item)
    },
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded')
        onItem({ kind: 'invalid', raw: '', reason: error.message })
    },
    maxBufferSize: maxEventCharacters,
  })
  return { feed: (text) => parser.feed(text) }
}

/** The item a body that failed mid-read ends with. */
export function readFailure(reason: string): SseItem<never> {
  return { kind: 'invalid', raw: '', reason: `reading the stream failed: ${reason}` }
}

/** One event's data → an item; empty keep-alives are undefined. The schema is compiled once. */
function itemReader<T extends TSchema>(
  schema: T,
): (event: EventSourceMessage) => SseItem<Static<T>> | undefined {
  const check = compiledCheck(schema)
  return (event) => {
    const data = event.data.trim()
    if (data === '') return undefined
    if (data === '[DONE]') return { kind: 'done' }
    let value: unknown
    try {
      value = JSON.parse(data)
    } catch (error) {
      return { kind: 'invalid', raw: event.data, reason: `not JSON: ${describe(error)}` }
    }
    if (check.Check(value)) return { kind: 'value', value }
    const first = check.Errors(value).First()
    const where = first === undefined || first.path === '' ? 'chunk' : first.path
    const reason = first === undefined ? 'unexpected shape' : `${where}: ${first.message}`
    return { kind: 'invalid', raw: event.data, reason }
  }
}

/** UTF-8 bytes → text, keeping characters split across network reads whole. */
function decodeText(): TransformStream<Uint8Array, string> {
  const decoder = new TextDecoder()
  return new TransformStream({
    transform(bytes, controller) {
      const text = decoder.decode(bytes, { stream: true })
      if (text !== '') controller.enqueue(text)
    },
    flush(controller) {
      const rest = decoder.decode()
      if (rest !== '') controller.enqueue(rest)
    },
  })
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
