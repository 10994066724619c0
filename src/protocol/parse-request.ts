import { topLevelValueSpan } from './json-span.ts'
import { MessagesRequest, type Tool } from './messages.ts'
import { parseBody } from './parse.ts'

/** A parsed request, with its tools' text when the body has them. */
export interface ParsedRequest {
  request: MessagesRequest
  /** `request.tools` exactly as the client's JSON wrote them. */
  toolsSource?: string
}

/** Distinct tool lists remembered, most recently used last. */
const capacity = 16
const remembered = new Map<number | bigint, { source: string; tools: Tool[] }>()

/**
 * A client's Messages request, parsed and checked. Claude Code repeats the same ~30 KB of tools
 * on every request of a session, so the parsed list is remembered by its text: when the text
 * repeats, only the rest of the body is parsed and checked, and the request gets the remembered
 * list (already checked, and never mutated: adapters do not change the request).
 *
 * Only canonical text is remembered (the parsed tools must serialise back to it exactly), and a
 * hit compares the whole text, not just its hash: a hit is the same list by construction.
 */
export function parseMessagesRequest(text: string): ParsedRequest {
  const span = topLevelValueSpan(text, 'tools')
  if (span === undefined) return { request: parseBody(MessagesRequest, text) }
  const toolsSource = text.slice(span.start, span.end)
  const key = Bun.hash(toolsSource)
  const found = remembered.get(key)
  // Parsing around the tools means copying the rest of the text into one string first: worth
  // it while the tools are a good part of the body, not in a long conversation.
  const worthIt = toolsSource.length * 4 >= text.length
  if (worthIt && found !== undefined && found.source === toolsSource) {
    remembered.delete(key)
    remembered.set(key, found)
    const request = parseBody(
      MessagesRequest,
      `${text.slice(0, span.start)}[]${text.slice(span.end)}`,
    )
    // Assigned, not spread: the member keeps its place, as if the whole text had been parsed.
    request.tools = found.tools
    return { request, toolsSource }
  }
  const request = parseBody(MessagesRequest, text)
  const tools = request.tools
  if (tools !== undefined) {
    const canonical = JSON.stringify(tools)
    // `canonical`, not `toolsSource`: a slice of the request text would keep the text alive.
    if (canonical === toolsSource) remembered.set(key, { source: canonical, tools })
    if (remembered.size > capacity) remembered.delete(remembered.keys().next().value ?? key)
  }
  return { request, toolsSource }
}
