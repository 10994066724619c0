import { isCcrSignature } from '../thinking-signature.ts'

/**
 * Anthropic rejects thinking blocks it did not sign. When a conversation began on another
 * provider, its reasoning came back to Claude Code as thinking blocks signed `ccr:…`; those
 * are removed before the conversation reaches Anthropic. Returns undefined when there are none,
 * so the usual request keeps its exact bytes.
 */
export function stripForeignThinking(
  rawBody: Uint8Array,
): { body: Uint8Array; removed: number } | undefined {
  // Cheap test first, on the bytes: nearly every request has no such block.
  const bytes = Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength)
  if (!bytes.includes('"ccr:')) return undefined
  const parsed = JSON.parse(bytes.toString('utf8')) as { messages?: unknown }
  if (!Array.isArray(parsed.messages)) return undefined
  let removed = 0
  for (const message of parsed.messages as { role?: unknown; content?: unknown }[]) {
    if (message.role !== 'assistant' || !Array.isArray(message.content)) continue
    message.content = message.content.filter(
      (block: { type?: unknown; signature?: unknown } | null) => {
        const foreign = block?.type === 'thinking' && isCcrSignature(block.signature)
        if (foreign) removed++
        return !foreign
      },
    )
  }
  return removed === 0 ? undefined : { body: Buffer.from(JSON.stringify(parsed)), removed }
}
