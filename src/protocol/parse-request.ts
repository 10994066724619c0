import { topLevelValueSpan } from './json-span.ts'
import { MessagesRequest, type Tool } from './messages.ts'
import { parseBody } from './parse.ts'

/** Distinct tool lists remembered, most recently used last. */
const capacity = 16

/**
 * By a hash of the tools' bytes: the list parsed from them, with those bytes (a copy, not a
 * view of some request's body), or nothing for text that is not canonical JSON (known, so it
 * is not checked again; a collision there costs a memo, never a wrong list).
 */
const remembered = new Map<number | bigint, Remembered | undefined>()
interface Remembered {
  key: number | bigint
  source: Buffer
  tools: Tool[]
}
/** The list the last request hit or added: most likely the next one's (the same session's). */
let recent: Remembered | undefined

/** The lists handed out by the memo: deeply frozen, so they can be known by identity. */
const rememberedLists = new WeakSet<readonly Tool[]>()

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const emptyArray = encoder.encode('[]')

/**
 * Whether `tools` is a list this module remembered: the same object on every request that sent
 * the same text, and frozen, so whatever is derived from it (its OpenAI conversion, its token
 * estimate) can be remembered by its identity.
 */
export function isRememberedToolList(tools: readonly Tool[]): boolean {
  return rememberedLists.has(tools)
}

/**
 * A client's Messages request, parsed and checked from the bytes it sent. Claude Code repeats
 * the same ~30 KB of tools on every request of a session, so the parsed list is remembered by
 * its bytes (found without decoding, by `topLevelValueSpan`): when they repeat, the request
 * gets the remembered list, and while the tools are a good part of the body only the rest of
 * it is decoded, parsed and checked. The whole body is never decoded then: as text it would be
 * ~100 KB (UTF-16, since Claude Code's prompts hold characters beyond Latin-1), half of what a
 * request used to allocate.
 *
 * Only canonical text is remembered (the parsed tools must serialise back to it exactly), and a
 * hit compares all the bytes, not just their hash: a hit is the same list by construction.
 */
export function parseMessagesRequest(body: Uint8Array): MessagesRequest {
  const span = topLevelValueSpan(body, 'tools', recent?.source)
  if (span === undefined) return parseBody(MessagesRequest, decoder.decode(body))
  const source = body.subarray(span.start, span.end)
  const hit = recent !== undefined && recent.source.equals(source) ? recent : undefined
  const key = hit?.key ?? Bun.hash(source)
  const seen = hit !== undefined || remembered.has(key)
  const found = hit ?? remembered.get(key)
  if (seen) {
    remembered.delete(key)
    remembered.set(key, found)
  }
  if (found !== undefined && (found === hit || found.source.equals(source))) {
    recent = found
    // Parsing around the tools copies the rest into one buffer first: worth it while the
    // tools are a good part of the body, not in a long conversation.
    const around = source.length * 4 >= body.length
    const request = parseBody(
      MessagesRequest,
      decoder.decode(around ? withoutSpan(body, span) : body),
    )
    // Assigned, not spread: the member keeps its place, as if the whole text had been parsed.
    request.tools = found.tools
    return request
  }
  const request = parseBody(MessagesRequest, decoder.decode(body))
  const tools = request.tools
  if (seen || tools === undefined || tools.length === 0) return request
  const canonical = Buffer.from(JSON.stringify(tools))
  const isCanonical = canonical.equals(source)
  const entry = isCanonical ? { key, source: canonical, tools: deepFreeze(tools) } : undefined
  remembered.set(key, entry)
  if (entry !== undefined) {
    rememberedLists.add(tools)
    recent = entry
  }
  if (remembered.size > capacity) remembered.delete(remembered.keys().next().value ?? key)
  return request
}

/** The body with the span's value replaced by `[]`. */
function withoutSpan(body: Uint8Array, span: { start: number; end: number }): Uint8Array {
  const out = new Uint8Array(body.length - (span.end - span.start) + emptyArray.length)
  out.set(body.subarray(0, span.start))
  out.set(emptyArray, span.start)
  out.set(body.subarray(span.end), span.start + emptyArray.length)
  return out
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const key in value) deepFreeze(value[key])
  return Object.freeze(value)
}
