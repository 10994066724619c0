import { topLevelValueSpans, type Span } from './json-span.ts'
import { MessagesRequest, type Tool, type WireBlock } from './messages.ts'
import { parseBody } from './parse.ts'

/** Distinct values remembered per member, most recently used last. */
const capacity = 16

/** A value parsed once: its bytes (a copy, not a view of some request's body) and the value. */
interface Remembered {
  hash: number | bigint
  source: Buffer
  value: readonly object[]
}

/**
 * A top-level member Claude Code sends unchanged on every request of a session: the tools
 * (~30 KB) and the system prompt (~7 KB). By a hash of the member's bytes: the value parsed
 * from them, or nothing for text that is not canonical JSON (known, so it is not checked again;
 * a collision there costs a memo, never a wrong value).
 */
interface Member {
  key: 'tools' | 'system'
  remembered: Map<number | bigint, Remembered | undefined>
  /** The value the last request hit or added: most likely the next one's (the same session's). */
  recent: Remembered | undefined
  /** The member's value in a request, when it is a non-empty array (what can be remembered). */
  read(request: MessagesRequest): readonly object[] | undefined
  /** Gives the request the remembered value. */
  write(request: MessagesRequest, value: readonly object[]): void
}

const nonEmpty = (value: unknown) =>
  Array.isArray(value) && value.length > 0 ? (value as readonly object[]) : undefined

function member(key: Member['key'], write: Member['write']): Member {
  return {
    key,
    remembered: new Map(),
    recent: undefined,
    read: (request) => nonEmpty(request[key]),
    write,
  }
}

// The casts hold by construction: a remembered value was parsed and checked in that place.
const members: readonly Member[] = [
  member('tools', (request, value) => {
    request.tools = value as Tool[]
  }),
  member('system', (request, value) => {
    request.system = value as WireBlock[]
  }),
]

/** The values handed out by the memo: deeply frozen, so they can be known by identity. */
const rememberedValues = new WeakSet<object>()

const decoder = new TextDecoder()
const emptyArray = new TextEncoder().encode('[]')

/**
 * Whether `value` (a request's tools or system blocks) is one this module remembered: the same
 * object on every request that sent the same text, and frozen, so whatever is derived from it
 * (its OpenAI conversion, its token estimate) can be remembered by its identity.
 */
export function isRemembered(value: object): boolean {
  return rememberedValues.has(value)
}

/**
 * A client's Messages request, parsed and checked from the bytes it sent. Claude Code repeats
 * the same ~30 KB of tools and ~7 KB of system prompt on every request of a session, so their
 * parsed values are remembered by their bytes (found without decoding, by `topLevelValueSpans`,
 * after `messages` where Claude Code writes them): when they repeat, the request gets the
 * remembered values, and while those are a good part of the body only the rest of it is
 * decoded, parsed and checked. The whole body is never decoded then: as text it would be
 * ~100 KB (UTF-16, since Claude Code's prompts hold characters beyond Latin-1), half of what a
 * request used to allocate.
 *
 * Only canonical text is remembered (the parsed value must serialise back to it exactly), and a
 * hit compares all the bytes, not just their hash: a hit is the same value by construction.
 */
export function parseMessagesRequest(body: Uint8Array): MessagesRequest {
  const spans = topLevelValueSpans(
    body,
    members.map(({ key, recent }) => ({ key, expected: recent?.source })),
    'messages',
  )
  const hits: { member: Member; span: Span; value: readonly object[] }[] = []
  const misses: { member: Member; source: Uint8Array; hash: number | bigint }[] = []
  for (const [index, member] of members.entries()) {
    const span = spans[index]
    if (span === undefined) continue
    const source = body.subarray(span.start, span.end)
    const found = lookUp(member, source)
    if (found === undefined) continue
    if (!('value' in found)) misses.push({ member, source, hash: found.hash })
    else hits.push({ member, span, value: found.value })
  }
  // Parsing around the remembered values copies the rest into one buffer first: worth it while
  // they are a good part of the body, not in a long conversation.
  const cut = hits.map(({ span }) => span)
  const around =
    cut.length > 0 && cut.reduce((sum, span) => sum + span.end - span.start, 0) * 4 >= body.length
  const text = decoder.decode(around ? withoutSpans(body, cut) : body)
  const request = parseBody(MessagesRequest, text)
  // Assigned, not spread: each member keeps its place, as if the whole text had been parsed.
  for (const { member, value } of hits) member.write(request, value)
  for (const { member, source, hash } of misses) remember(member, source, hash, request)
  return request
}

/**
 * The member's remembered value for these bytes; their hash when they were never seen;
 * undefined when they are known not to be canonical (or share a hash with other bytes).
 */
function lookUp(
  member: Member,
  source: Uint8Array,
): Remembered | { hash: number | bigint } | undefined {
  const { recent, remembered } = member
  const hit = recent !== undefined && recent.source.equals(source) ? recent : undefined
  const hash = hit?.hash ?? Bun.hash(source)
  if (hit === undefined && !remembered.has(hash)) return { hash }
  const found = hit ?? remembered.get(hash)
  remembered.delete(hash)
  remembered.set(hash, found)
  if (found === undefined || (found !== hit && !found.source.equals(source))) return undefined
  member.recent = found
  return found
}

/** Learns the member's value from a request parsed whole, when its text is canonical. */
function remember(
  member: Member,
  source: Uint8Array,
  hash: number | bigint,
  request: MessagesRequest,
): void {
  const value = member.read(request)
  if (value === undefined) return
  const canonical = Buffer.from(JSON.stringify(value))
  const entry = canonical.equals(source)
    ? { hash, source: canonical, value: deepFreeze(value) }
    : undefined
  member.remembered.set(hash, entry)
  if (entry !== undefined) {
    rememberedValues.add(value)
    member.recent = entry
  }
  if (member.remembered.size > capacity) {
    member.remembered.delete(member.remembered.keys().next().value ?? hash)
  }
}

/** The body with each span's value (in the order they lie) replaced by `[]`. */
function withoutSpans(body: Uint8Array, spans: Span[]): Uint8Array {
  const ordered = spans.toSorted((a, b) => a.start - b.start)
  const removed = ordered.reduce((sum, span) => sum + span.end - span.start, 0)
  const out = new Uint8Array(body.length - removed + ordered.length * emptyArray.length)
  let from = 0
  let at = 0
  for (const span of ordered) {
    out.set(body.subarray(from, span.start), at)
    at += span.start - from
    out.set(emptyArray, at)
    at += emptyArray.length
    from = span.end
  }
  out.set(body.subarray(from), at)
  return out
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  for (const key in value) deepFreeze(value[key])
  return Object.freeze(value)
}
