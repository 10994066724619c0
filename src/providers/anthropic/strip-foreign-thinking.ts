import { elementSpans, topLevelValueStart, type Span } from '../../protocol/json-span.ts'
import type { MessagesRequest } from '../../protocol/messages.ts'
import { isCcrSignature } from '../thinking-signature.ts'

/**
 * Anthropic rejects thinking blocks it did not sign. When a conversation began on another
 * provider, its reasoning came back to Claude Code as thinking blocks signed `ccr:…`; those
 * are removed before the conversation reaches Anthropic. Returns undefined when there are none,
 * so the usual request keeps its exact bytes.
 *
 * Which blocks is read from the parsed request; they are cut out of the client's bytes, every
 * other byte kept as sent, where parsing and writing the whole body again took twice as long
 * (300 KB with 71 such blocks: 400–460 → 180–245 µs) on every later request of the session.
 * Where the bytes do not hold the blocks where the parse has them (a key written twice), the
 * body is parsed and written again after all.
 */
export function stripForeignThinking(
  request: MessagesRequest,
  rawBody: Uint8Array,
): { body: Uint8Array; removed: number } | undefined {
  const foreign = new Map<number, Set<number>>()
  let removed = 0
  const messages = request.messages
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index]
    if (message?.role !== 'assistant' || typeof message.content === 'string') continue
    const content = message.content
    for (let block = 0; block < content.length; block++) {
      const each = content[block]
      if (each?.type !== 'thinking' || !isCcrSignature(each.signature)) continue
      foreign.set(index, (foreign.get(index) ?? new Set()).add(block))
      removed++
    }
  }
  if (removed === 0) return undefined
  const body = cutBlocks(request, rawBody, foreign) ?? rewritten(rawBody)
  return { body, removed }
}

/**
 * The body with the `foreign` blocks' bytes cut out, and the commas that joined them, or
 * undefined where the bytes do not hold the blocks the parse has.
 */
function cutBlocks(
  request: MessagesRequest,
  body: Uint8Array,
  foreign: Map<number, Set<number>>,
): Uint8Array | undefined {
  const messagesStart = topLevelValueStart(body, 'messages')
  if (messagesStart === undefined) return undefined
  const messages = elementSpans(body, messagesStart)
  if (messages?.length !== request.messages.length) return undefined
  const cuts: Span[] = []
  for (const [index, blocks] of foreign) {
    const message = messages[index]
    const content = request.messages[index]?.content
    if (message === undefined || content === undefined) return undefined
    const contentStart = topLevelValueStart(body, 'content', message.start)
    if (contentStart === undefined) return undefined
    const elements = elementSpans(body, contentStart)
    if (elements?.length !== content.length) return undefined
    // Each with the comma before it once a block is kept before it, else the one after it.
    let keptBefore = false
    elements.forEach((element, at) => {
      if (!blocks.has(at)) {
        keptBefore = true
        return
      }
      const previous = elements[at - 1]
      const next = elements[at + 1]
      cuts.push(
        keptBefore && previous !== undefined
          ? { start: previous.end, end: element.end }
          : { start: element.start, end: next?.start ?? element.end },
      )
    })
  }
  const pieces: Uint8Array[] = []
  let from = 0
  for (const cut of cuts) {
    pieces.push(body.subarray(from, cut.start))
    from = cut.end
  }
  pieces.push(body.subarray(from))
  return Buffer.concat(pieces)
}

/** The body parsed, the foreign blocks filtered out, and written again. */
function rewritten(rawBody: Uint8Array): Uint8Array {
  const parsed = JSON.parse(Buffer.from(rawBody).toString('utf8')) as { messages?: unknown }
  if (!Array.isArray(parsed.messages)) return rawBody
  for (const message of parsed.messages as { role?: unknown; content?: unknown }[]) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) continue
    message.content = message.content.filter(
      (block: { type?: unknown; signature?: unknown } | null) =>
        !(block?.type === 'thinking' && isCcrSignature(block.signature)),
    )
  }
  return Buffer.from(JSON.stringify(parsed))
}
