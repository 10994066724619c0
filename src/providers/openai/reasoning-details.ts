import { recentMap } from '../../lib/memo.ts'
import { isRecord } from '../../lib/is-record.ts'

/**
 * OpenRouter's `reasoning_details`: the model's reasoning as OpenRouter carries it between
 * turns (text, summaries, and the encrypted signatures Gemini 3 and others require). For Gemini 3
 * it must come back on the assistant message that called tools, or the next request fails,
 * as through Google's own endpoint (`thought-signatures.ts`; CCR issue #1057). Anthropic's
 * messages have no room for it, so ccr remembers it by the message's first tool call id (in
 * memory, the last 1 024 steps) and puts it back when the conversation returns. Streamed, it
 * comes in pieces that share an `index`; they are joined as OpenRouter's own clients join them.
 *
 * @see https://openrouter.ai/docs/use-cases/reasoning-tokens#preserving-reasoning-blocks
 */

export type ReasoningDetail = Record<string, unknown>

const remembered = recentMap<ReasoningDetail[]>(1024)

export function rememberDetails(firstToolCallId: string, details: ReasoningDetail[]): void {
  remembered.set(firstToolCallId, details)
}

export function rememberedDetails(firstToolCallId: string): ReasoningDetail[] | undefined {
  return remembered.get(firstToolCallId)
}

/** Whether the endpoint is OpenRouter's, which takes `reasoning_details` back. */
export function carriesReasoningDetails(hostname: string | undefined): boolean {
  return hostname === 'openrouter.ai'
}

/** The details of a whole answer's message, when there are some. */
export function detailsOf(message: unknown): ReasoningDetail[] | undefined {
  if (!isRecord(message) || !Array.isArray(message.reasoning_details)) return undefined
  const details = message.reasoning_details.filter(isRecord)
  return details.length === 0 ? undefined : details
}

/** Streamed pieces joined by `index`: their text, summary and data appended in order. */
export function createDetailsCollector() {
  const byIndex = new Map<unknown, ReasoningDetail>()
  return {
    add(delta: unknown): void {
      for (const piece of detailsOf(delta) ?? []) {
        const key = piece.index ?? byIndex.size
        const known = byIndex.get(key)
        if (known === undefined) {
          byIndex.set(key, { ...piece })
          continue
        }
        for (const [field, value] of Object.entries(piece)) {
          const before = known[field]
          known[field] =
            (field === 'text' || field === 'summary' || field === 'data') &&
            typeof before === 'string' &&
            typeof value === 'string'
              ? before + value
              : (value ?? before)
        }
      }
    },
    details: (): ReasoningDetail[] => [...byIndex.values()],
  }
}
