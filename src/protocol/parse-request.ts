import { topLevelValueSpan } from './json-span.ts'
import { MessagesRequest, type Tool } from './messages.ts'
import { parseBody } from './parse.ts'

/** Distinct tool lists remembered, most recently used last. */
const capacity = 16

/**
 * By a hash of the tools' text: the list parsed from it, with that text (canonical JSON, so a
 * copy independent of any request), or nothing for text that is not canonical JSON (known, so
 * it is not checked again; a collision there costs a memo, never a wrong list).
 */
const remembered = new Map<number | bigint, { source: string; tools: Tool[] } | undefined>()

/** The lists handed out by the memo: deeply frozen, so they can be known by identity. */
const rememberedLists = new WeakSet<readonly Tool[]>()

/**
 * Whether `tools` is a list this module remembered: the same object on every request that sent
 * the same text, and frozen, so whatever is derived from it (its OpenAI conversion, its token
 * estimate) can be remembered by its identity.
 */
export function isRememberedToolList(tools: readonly Tool[]): boolean {
  return rememberedLists.has(tools)
}

/**
 * A client's Messages request, parsed and checked. Claude Code repeats the same ~30 KB of tools
 * on every request of a session, so the parsed list is remembered by its text (found without
 * parsing, by `topLevelValueSpan`): when the text repeats, the request gets the remembered list,
 * and while the tools are a good part of the body only the rest of it is parsed and checked.
 *
 * Only canonical text is remembered (the parsed tools must serialise back to it exactly), and a
 * hit compares the whole text, not just its hash: a hit is the same list by construction.
 */
export function parseMessagesRequest(text: string): MessagesRequest {
  const span = topLevelValueSpan(text, 'tools')
  if (span === undefined) return parseBody(MessagesRequest, text)
  const source = text.slice(span.start, span.end)
  const key = Bun.hash(source)
  const seen = remembered.has(key)
  const found = remembered.get(key)
  if (seen) {
    remembered.delete(key)
    remembered.set(key, found)
  }
  if (found !== undefined && found.source === source) {
    // Parsing around the tools copies the rest of the text into one string first: worth it
    // while the tools are a good part of the body, not in a long conversation.
    const around = source.length * 4 >= text.length
    const request = parseBody(
      MessagesRequest,
      around ? `${text.slice(0, span.start)}[]${text.slice(span.end)}` : text,
    )
    // Assigned, not spread: the member keeps its place, as if the whole text had been parsed.
    request.tools = found.tools
    return request
  }
  const request = parseBody(MessagesRequest, text)
  const tools = request.tools
  if (seen || tools === undefined || tools.length === 0) return request
  const canonical = JSON.stringify(tools)
  // `canonical`, not `source`: a slice of the request text would keep the whole text alive.
  remembered.set(
    key,
    canonical === source ? { source: canonical, tools: deepFreeze(tools) } : undefined,
  )
  if (canonical === source) rememberedLists.add(tools)
  if (remembered.size > capacity) remembered.delete(remembered.keys().next().value ?? key)
  return request
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const key in value) deepFreeze(value[key])
  return Object.freeze(value)
}
