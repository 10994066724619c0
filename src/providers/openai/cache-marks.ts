import type { MessagesRequest } from '../../protocol/messages.ts'
import { isRecord } from '../../lib/is-record.ts'
import type { ChatMessage } from './api.ts'

/** Anthropic's cache mark, as Claude Code wrote it (`ephemeral`, perhaps with a `ttl`). */
export type CacheMark = Record<string, unknown>

/** Where Claude Code asked for the prompt to be cached: after the system prompt, at the end. */
export interface CacheMarks {
  system: CacheMark | undefined
  end: CacheMark | undefined
}

/**
 * Claude Code marks where Anthropic should cache the prompt: its system prompt (which follows
 * the tools, so the ~40 KB prefix is cached with it) and the conversation's last block, so each
 * turn reads what the turn before wrote. Chat Completions has no such field, but gateways to
 * models that cache by marks take Anthropic's on text parts: OpenRouter for its `anthropic/` and
 * `google/` models (CCR's `openrouter` transformer kept them), LiteLLM for Claude. Without
 * them every turn of a Claude session through such a gateway paid its whole prompt at the full
 * input price. The two marks are kept, on the system message and on the last message's last
 * text; marks elsewhere are dropped as before.
 *
 * @see https://openrouter.ai/docs/features/prompt-caching
 * @see https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching
 */
export function keepsCacheMarks(hostname: string | undefined, model: string): boolean {
  return hostname === 'openrouter.ai' && /^(anthropic|google)\//.test(model)
}

/** The request's two marks, or undefined when it has neither. */
export function cacheMarksOf(
  request: Pick<MessagesRequest, 'system' | 'messages'>,
): CacheMarks | undefined {
  const system = typeof request.system === 'string' ? undefined : lastMark(request.system ?? [])
  const last = request.messages.at(-1)?.content
  const end = last === undefined || typeof last === 'string' ? undefined : lastMark(last)
  return system === undefined && end === undefined ? undefined : { system, end }
}

function lastMark(blocks: readonly unknown[]): CacheMark | undefined {
  for (let index = blocks.length - 1; index >= 0; index--) {
    const block = blocks[index]
    if (isRecord(block) && isRecord(block.cache_control)) return block.cache_control
  }
  return undefined
}

/** The converted conversation with the marks on its system message and its last text. */
export function withCacheMarks(messages: readonly ChatMessage[], marks: CacheMarks): ChatMessage[] {
  const marked = [...messages]
  const first = marked[0]
  if (marks.system !== undefined && first?.role === 'system') {
    marked[0] = { role: 'system', content: markedText(first.content, marks.system) }
  }
  const lastIndex = marked.length - 1
  const last = marked[lastIndex]
  if (marks.end !== undefined && last !== undefined && last.content !== null) {
    if (last.role === 'user') {
      const content =
        typeof last.content === 'string'
          ? markedText(last.content, marks.end)
          : markLastText(last.content, marks.end)
      marked[lastIndex] = { role: 'user', content }
    } else if (last.role === 'tool') {
      marked[lastIndex] = { ...last, content: markedText(last.content, marks.end) }
    } else if (last.role === 'system' && lastIndex > 0) {
      marked[lastIndex] = { role: 'system', content: markedText(last.content, marks.end) }
    }
  }
  return marked
}

function markedText(
  content: string | readonly { type: 'text'; text: string }[],
  mark: CacheMark,
): { type: 'text'; text: string; cache_control: CacheMark }[] {
  const text = typeof content === 'string' ? content : content.map((part) => part.text).join('\n\n')
  return [{ type: 'text', text, cache_control: mark }]
}

/** The parts with the mark on the last text part (images and files take none). */
function markLastText<Part extends { type: string }>(
  parts: readonly Part[],
  mark: CacheMark,
): Part[] {
  const marked = [...parts]
  for (let index = marked.length - 1; index >= 0; index--) {
    const part = marked[index]
    if (part?.type === 'text') {
      marked[index] = { ...part, cache_control: mark }
      break
    }
  }
  return marked
}
