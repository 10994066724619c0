import { createParser } from 'eventsource-parser'
import { isRecord } from '../lib/is-record.ts'
import type { BodyCollector } from '../observability/body-observation.ts'
import type { Message } from '../protocol/events.ts'

export interface CollectOptions {
  /** A body longer than this is passed on but not collected: it would not fit the cache. */
  maxBytes: number
  /**
   * Called at most once, after the body has ended, with the complete message. Errors it throws
   * are caught: storing the answer must not break delivering it.
   */
  onMessage: (message: Message) => void
}

/** Builds a message from a body as it passes; `end()` is the message, if the body held one. */
interface Assembler {
  feed(bytes: Uint8Array): void
  end(): Message | undefined
}

/**
 * Collects a response's answer for the cache while the usage tap passes its bytes on, so the
 * body goes through one stream stage, not two: `onMessage` hears the complete Anthropic
 * message, rebuilt from the SSE events (as the official SDK accumulates them) or parsed from a
 * JSON body. Only an answer that ended properly is reported: not a stream without
 * `message_stop`, an `error` event, a broken or cancelled body, a body over `maxBytes`, or
 * anything the assembler cannot rebuild exactly. Give it 2xx answers only.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function createCollector(contentType: string, options: CollectOptions): BodyCollector {
  const assembler = contentType.toLowerCase().includes('text/event-stream')
    ? createSseAssembler()
    : createJsonAssembler()
  let collecting = true
  let bytesSeen = 0
  return {
    observe(bytes) {
      if (!collecting) return
      bytesSeen += bytes.byteLength
      if (bytesSeen > options.maxBytes) {
        collecting = false
        return
      }
      try {
        assembler.feed(bytes)
      } catch {
        collecting = false
      }
    },
    end(ended) {
      if (!collecting || !ended) return
      collecting = false
      try {
        const message = assembler.end()
        if (message !== undefined) options.onMessage(message)
      } catch {
        // The answer has reached the client; the cache simply does not get it.
      }
    },
  }
}

/** A JSON body: kept (it is within `maxBytes`) and parsed once it has ended. */
function createJsonAssembler(): Assembler {
  const chunks: Uint8Array[] = []
  return {
    feed: (bytes) => chunks.push(bytes),
    end() {
      const text = new TextDecoder().decode(Buffer.concat(chunks))
      try {
        const parsed: unknown = JSON.parse(text)
        return isReplayableMessage(parsed) ? parsed : undefined
      } catch {
        return undefined
      }
    },
  }
}

/**
 * Stream events rebuilt into the final message by the official SDK's rules: the message from
 * `message_start`, blocks appended by `content_block_start` and grown by their deltas, a tool's
 * input parsed from the whole of its JSON deltas (none at all: the start's input), and
 * `message_delta` setting the stop reason and overriding each usage counter it carries.
 * Whatever it cannot rebuild exactly (an unknown delta, a block left open, events out of order,
 * bad JSON) spoils the message rather than store something the provider did not say.
 *
 * @see https://github.com/anthropics/anthropic-sdk-typescript/blob/main/src/lib/MessageStream.ts
 */
function createSseAssembler(): Assembler {
  const decoder = new TextDecoder()
  let message: Record<string, unknown> | undefined
  const blocks: Record<string, unknown>[] = []
  const stoppedBlocks = new Set<number>()
  const toolInputs = new Map<number, string>()
  let stopped = false
  let spoiled = false

  /** Applies one event's data; false when the answer can no longer be rebuilt exactly. */
  const take = (data: string): boolean => {
    const event: unknown = JSON.parse(data)
    if (!isRecord(event) || event.type === 'error') return false
    // After message_stop the answer is whole; only an error can still spoil it.
    if (stopped || event.type === 'ping') return true
    if (event.type === 'message_start') {
      if (message !== undefined || !isRecord(event.message)) return false
      message = event.message
      return Array.isArray(message.content) && message.content.length === 0
    }
    if (message === undefined) return false
    const index = typeof event.index === 'number' ? event.index : -1
    const block = blocks[index]
    switch (event.type) {
      case 'content_block_start':
        if (index !== blocks.length || !isRecord(event.content_block)) return false
        blocks.push({ ...event.content_block })
        return true
      case 'content_block_delta':
        if (block === undefined || stoppedBlocks.has(index) || !isRecord(event.delta)) return false
        return applyDelta({ block, delta: event.delta, index, toolInputs })
      case 'content_block_stop':
        stoppedBlocks.add(index)
        return block !== undefined
      case 'message_delta':
        return applyMessageDelta(message, event)
      case 'message_stop':
        stopped = true
        return true
      default:
        // An event type the SDK does not know either: it ignores it, and so does the cache.
        return true
    }
  }

  const parser = createParser({
    onEvent(event) {
      if (spoiled) return
      if (event.event === 'error' || !take(event.data)) spoiled = true
    },
  })

  const feed = (text: string) => {
    if (text === '' || spoiled) return
    try {
      parser.feed(text)
    } catch {
      // Data that is not JSON: whatever it was, the cache cannot vouch for the answer.
      spoiled = true
    }
  }

  return {
    feed: (bytes) => feed(decoder.decode(bytes, { stream: true })),
    end() {
      feed(decoder.decode())
      if (spoiled || !stopped || message === undefined) return undefined
      if (stoppedBlocks.size !== blocks.length) return undefined
      for (const [index, json] of toolInputs) {
        const block = blocks[index]
        // As the SDK does: no JSON at all is an empty input.
        if (block !== undefined) block.input = json === '' ? {} : JSON.parse(json)
      }
      const assembled = { ...message, content: blocks }
      return isReplayableMessage(assembled) ? assembled : undefined
    },
  }
}

interface DeltaInput {
  block: Record<string, unknown>
  delta: Record<string, unknown>
  index: number
  toolInputs: Map<number, string>
}

function applyDelta({ block, delta, index, toolInputs }: DeltaInput): boolean {
  switch (delta.type) {
    case 'text_delta':
      return append(block, 'text', 'text', delta.text)
    case 'thinking_delta':
      return append(block, 'thinking', 'thinking', delta.thinking)
    case 'signature_delta':
      if (block.type !== 'thinking' || typeof delta.signature !== 'string') return false
      block.signature = delta.signature
      return true
    case 'input_json_delta':
      if (block.type !== 'tool_use' || typeof delta.partial_json !== 'string') return false
      toolInputs.set(index, (toolInputs.get(index) ?? '') + delta.partial_json)
      return true
    default:
      // `citations_delta` among them: a replay could not carry citations, so they spoil too.
      return false
  }
}

/** Adds a text delta to the block's field, when the block is of the type that has it. */
function append(
  block: Record<string, unknown>,
  type: string,
  field: string,
  text: unknown,
): boolean {
  if (block.type !== type || typeof text !== 'string') return false
  block[field] = (typeof block[field] === 'string' ? block[field] : '') + text
  return true
}

/**
 * `message_delta` carries the whole message's totals: a usage counter that is there overrides,
 * one that is missing or null keeps its earlier value (`output_tokens` is always there).
 */
function applyMessageDelta(
  message: Record<string, unknown>,
  event: Record<string, unknown>,
): boolean {
  const delta = event.delta
  if (!isRecord(delta)) return false
  message.stop_reason = delta.stop_reason ?? null
  message.stop_sequence = delta.stop_sequence ?? null
  if ('stop_details' in delta) message.stop_details = delta.stop_details
  if (delta.container != null) message.container = delta.container
  const usage = isRecord(message.usage) ? { ...message.usage } : {}
  if (isRecord(event.usage)) {
    for (const [name, value] of Object.entries(event.usage)) {
      if (value !== null && value !== undefined) usage[name] = value
    }
  }
  message.usage = usage
  return true
}

/**
 * Whether the value is a message the cache can replay faithfully: the four block types
 * `messageToEvents` renders, with the fields it renders. A server tool's blocks or a text with
 * citations would lose part of the answer on the way back out, so they are not cached.
 */
function isReplayableMessage(value: unknown): value is Message {
  if (!isRecord(value) || value.type !== 'message' || value.role !== 'assistant') return false
  if (typeof value.id !== 'string' || typeof value.model !== 'string') return false
  if (!Array.isArray(value.content) || !value.content.every(isReplayableBlock)) return false
  const usage = value.usage
  if (!isRecord(usage) || typeof usage.input_tokens !== 'number') return false
  if (typeof usage.output_tokens !== 'number') return false
  return isStringOrNull(value.stop_reason) && isStringOrNull(value.stop_sequence)
}

function isReplayableBlock(block: unknown): boolean {
  if (!isRecord(block)) return false
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' && !hasCitations(block.citations)
    case 'thinking':
      return typeof block.thinking === 'string' && typeof block.signature === 'string'
    case 'redacted_thinking':
      return typeof block.data === 'string'
    case 'tool_use':
      return typeof block.id === 'string' && typeof block.name === 'string'
    default:
      return false
  }
}

function hasCitations(citations: unknown): boolean {
  return Array.isArray(citations) && citations.length > 0
}

function isStringOrNull(value: unknown): boolean {
  return typeof value === 'string' || value === null
}
