import type { ThinkTriggers } from '../config/schema.ts'
import { isContentBlock, type MessagesRequest } from '../protocol/messages.ts'

/**
 * The model name `ccr code` gives Claude Code for its small/fast calls (titles and the like),
 * through `ANTHROPIC_DEFAULT_HAIKU_MODEL` and `ANTHROPIC_SMALL_FAST_MODEL`. In 2.1.332 these
 * calls otherwise use the main model and look like any other request.
 */
export const backgroundMarker = 'ccr-background'

/** Why a request looks like Claude Code background work, or undefined. */
export function backgroundSignal(
  request: Pick<MessagesRequest, 'model' | 'tools' | 'output_config'>,
): string | undefined {
  if (request.model === backgroundMarker) return 'the small/fast model marker that ccr code sets'
  if (/haiku/i.test(request.model))
    return `a haiku model (${request.model}), which Claude Code uses for background work`
  const format = (request.output_config as { format?: { type?: unknown } } | undefined)?.format
  if ((request.tools ?? []).length === 0 && format?.type === 'json_schema') {
    return "no tools and a JSON-schema answer, the shape of Claude Code's session titles"
  }
  return undefined
}

const effortRank = { low: 1, medium: 2, high: 3, xhigh: 4, max: 5 } as const
type Effort = keyof typeof effortRank

function isEffort(value: unknown): value is Effort {
  return typeof value === 'string' && value in effortRank
}

/**
 * Why the user seems to have asked for harder thinking, or undefined. Claude Code sends
 * `thinking` on every main request, so its presence decides nothing: what counts is an effort
 * above Claude Code's own default for the model (`/effort`, or `ultrathink`, sent as `xhigh`),
 * an explicit budget above Claude Code's usual one, or plan mode.
 */
export function thinkSignal(
  request: Pick<MessagesRequest, 'model' | 'thinking' | 'output_config' | 'messages'>,
  triggers: ThinkTriggers,
): string | undefined {
  const effort = (request.output_config as { effort?: unknown } | undefined)?.effort
  if (triggers.effort !== 'never' && isEffort(effort)) {
    // Claude Code 2.1.332 asks for `medium` on Claude models and `high` on other names.
    const usual: Effort = /^claude/i.test(request.model) ? 'medium' : 'high'
    if (effort !== usual && effortRank[effort] >= effortRank[triggers.effort]) {
      return `effort ${effort} (Claude Code's default here is ${usual})`
    }
  }
  const thinking = request.thinking
  if (thinking?.type === 'enabled' && (thinking.budget_tokens ?? 0) >= triggers.budgetTokens) {
    return `a thinking budget of ${thinking.budget_tokens} tokens`
  }
  if (
    triggers.planMode &&
    currentTurnText(request.messages).some((text) => text.includes('Plan mode is active'))
  ) {
    return 'plan mode'
  }
  return undefined
}

/** Anthropic's web-search server tool is offered. */
export function webSearchSignal(request: Pick<MessagesRequest, 'tools'>): boolean {
  return (request.tools ?? []).some(
    (tool) => typeof tool.type === 'string' && tool.type.startsWith('web_search'),
  )
}

/** An image in the latest user message, inside tool results too. */
export function imageSignal(request: Pick<MessagesRequest, 'messages'>): boolean {
  const latest = request.messages.findLast((message) => message.role === 'user')
  if (latest === undefined || typeof latest.content === 'string') return false
  return latest.content.some(
    (block) =>
      block.type === 'image' ||
      (isContentBlock(block) &&
        block.type === 'tool_result' &&
        Array.isArray(block.content) &&
        block.content.some((inner) => inner.type === 'image')),
  )
}

/** The text of the messages after the last assistant message: the turn being answered. */
function currentTurnText(messages: MessagesRequest['messages']): string[] {
  const start = messages.findLastIndex((message) => message.role === 'assistant') + 1
  return messages
    .slice(start)
    .flatMap((message) =>
      typeof message.content === 'string'
        ? [message.content]
        : message.content.flatMap((block) =>
            isContentBlock(block) && block.type === 'text' ? [block.text] : [],
          ),
    )
}

/**
 * Claude Code's session id: the `x-claude-code-session-id` header, else `metadata.user_id`,
 * a JSON string with `session_id` in 2.1.332, or `…_session_<uuid>` in older versions.
 */
export function sessionIdOf(
  headers: Headers,
  request: Pick<MessagesRequest, 'metadata'>,
): string | undefined {
  const header = headers.get('x-claude-code-session-id')
  if (header !== null && header !== '') return header
  const userId = request.metadata?.user_id
  if (typeof userId !== 'string') return undefined
  try {
    const parsed: unknown = JSON.parse(userId)
    const sessionId = (parsed as { session_id?: unknown } | null)?.session_id
    if (typeof sessionId === 'string' && sessionId !== '') return sessionId
  } catch {
    // Not JSON: the older format.
  }
  const marker = userId.indexOf('_session_')
  return marker >= 0 ? userId.slice(marker + '_session_'.length) : undefined
}
