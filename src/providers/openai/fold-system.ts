import type { ChatMessage } from './api.ts'

/**
 * Claude Code 2.1.332 sends system messages in the middle and at the end of the conversation
 * (its environment block follows the first user message), which ccr keeps in place. Strict chat
 * templates refuse them: Llama, Mistral, Gemma and others served by vLLM or llama.cpp answer
 * "System message must be at the beginning", or that roles must alternate, to every request.
 * For such a model the system messages after the first are folded into the user messages next
 * to them, as `<system-reminder>` text (Claude Code's own way of saying such things to the
 * model), and leading system messages become one.
 */
export function foldSystemMessages(messages: readonly ChatMessage[]): ChatMessage[] | undefined {
  const leading: ChatMessage[] = []
  let at = 0
  while (messages[at]?.role === 'system') leading.push(messages[at++] as ChatMessage)
  const rest = messages.slice(at)
  if (leading.length < 2 && !rest.some((message) => message.role === 'system')) return undefined

  const folded: ChatMessage[] = []
  if (leading.length === 1) folded.push(leading[0] as ChatMessage)
  else if (leading.length > 1)
    folded.push({ role: 'system', content: leading.map(textOf).join('\n\n') })
  /** Reminders waiting for the next user message. */
  let waiting: string[] = []
  for (const message of rest) {
    if (message.role === 'system') {
      waiting.push(`<system-reminder>\n${textOf(message)}\n</system-reminder>`)
      continue
    }
    if (message.role === 'user' && waiting.length > 0) {
      folded.push(withText(message, waiting.join('\n\n'), 'before'))
      waiting = []
      continue
    }
    if (waiting.length > 0) {
      placeAfterLastUser(folded, waiting.join('\n\n'))
      waiting = []
    }
    folded.push(message)
  }
  if (waiting.length > 0) placeAfterLastUser(folded, waiting.join('\n\n'))
  return folded
}

/** Reminders with no user message after them join the last one before, else stand alone. */
function placeAfterLastUser(folded: ChatMessage[], text: string): void {
  for (let index = folded.length - 1; index >= 0; index--) {
    const message = folded[index]
    if (message?.role === 'user') {
      folded[index] = withText(message, text, 'after')
      return
    }
  }
  folded.push({ role: 'user', content: text })
}

function withText(
  message: Extract<ChatMessage, { role: 'user' }>,
  text: string,
  where: 'before' | 'after',
): ChatMessage {
  const { content } = message
  if (typeof content === 'string') {
    return {
      role: 'user',
      content: where === 'before' ? `${text}\n\n${content}` : `${content}\n\n${text}`,
    }
  }
  const part = { type: 'text' as const, text }
  return { role: 'user', content: where === 'before' ? [part, ...content] : [...content, part] }
}

function textOf(message: ChatMessage): string {
  const content = message.content
  if (content === null) return ''
  if (typeof content === 'string') return content
  const parts: readonly { type: string; text?: string }[] = content
  return parts.flatMap((part) => (part.type === 'text' ? [part.text ?? ''] : [])).join('\n\n')
}

/** Whether a provider's 400 says its template refused the system messages' places. */
export function refusedSystemPlacement(message: string): boolean {
  return /system (message|role|prompt)|roles must alternate|conversation roles|got system/i.test(
    message,
  )
}
