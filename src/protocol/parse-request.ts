import {
  arrayEnd,
  skipSpace,
  topLevelValueSpans,
  topLevelValueStart,
  type Span,
} from './json-span.ts'
import { MessagesRequest, type MessageParam, type Tool, type WireBlock } from './messages.ts'
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
const nothing = new Uint8Array(0)
const comma = 0x2c
const openBracket = 0x5b
const closeBracket = 0x5d

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
 * which reads the top level backwards): when they repeat, the request gets the remembered
 * values. It also sends its whole conversation again, one turn longer: the messages it sent
 * before, byte for byte the same, are the remembered ones (see `knownPrefix`), and only the new
 * ones are parsed, or even read through (`messagesForward`). While what is known is a good part
 * of the body only the rest of it is decoded, parsed and checked. The whole body is never decoded
 * then: as text it would be twice its size (UTF-16, since Claude Code's prompts hold
 * characters beyond Latin-1), and `JSON.parse` allocates five times the size of every string
 * holding an escape.
 *
 * Only canonical text is remembered (the parsed value must serialise back to it exactly), and a
 * hit compares all the bytes, not just their hash: a hit is the same value by construction.
 */
export function parseMessagesRequest(body: Uint8Array): MessagesRequest {
  let forward: ForwardMessages | null | undefined
  const located = () => (forward ??= messagesForward(body) ?? null)
  const spans = topLevelValueSpans(body, [
    ...members.map(({ key, recent }) => ({ key, expected: recent?.source })),
    {
      key: 'messages',
      startOf: (end: number) => {
        const found = located()
        return found?.span.end === end ? found.span.start : undefined
      },
    },
  ])
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
  const messagesSpan = spans[members.length]
  const messages =
    messagesSpan === undefined ? undefined : body.subarray(messagesSpan.start, messagesSpan.end)
  // Found reading forwards, it came with what is known of it; else (`messages` written twice,
  // the last one kept) that is looked up now.
  const prefix =
    messages === undefined
      ? undefined
      : forward?.span.start === messagesSpan?.start
        ? forward?.prefix
        : knownPrefix(messages)
  const cuts = hits.map(({ span }) => ({ span, with: emptyArray }))
  if (messagesSpan !== undefined && prefix !== undefined) {
    // The known messages and the comma after them go; `[` and the new ones stay.
    cuts.push({
      span: { start: messagesSpan.start + 1, end: messagesSpan.start + prefix.cutEnd },
      with: nothing,
    })
  }
  // Parsing around the remembered values copies the rest into one buffer first: worth it while
  // they are a good part of the body.
  const cutBytes = cuts.reduce((sum, cut) => sum + cut.span.end - cut.span.start, 0)
  const around = cuts.length > 0 && cutBytes * 4 >= body.length
  let request: MessagesRequest
  try {
    request = parseBody(MessagesRequest, decoder.decode(around ? withCuts(body, cuts) : body))
  } catch (error) {
    // Told of the request as sent: a new message's index counts the known ones too.
    if (prefix === undefined || !around) throw error
    return parseBody(MessagesRequest, decoder.decode(body))
  }
  // Assigned, not spread: each member keeps its place, as if the whole text had been parsed.
  for (const { member, value } of hits) member.write(request, value)
  if (prefix !== undefined && around) {
    request.messages = [...prefix.conversation.messages.slice(0, prefix.count), ...request.messages]
  }
  for (const { member, source, hash } of misses) remember(member, source, hash, request)
  if (messages !== undefined) {
    rememberConversation(messages, request.messages, around ? prefix : undefined)
  }
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

/** The body with each cut's span replaced by its bytes. */
function withCuts(body: Uint8Array, cuts: readonly { span: Span; with: Uint8Array }[]): Uint8Array {
  const ordered = cuts.toSorted((a, b) => a.span.start - b.span.start)
  const length = ordered.reduce(
    (sum, cut) => sum - (cut.span.end - cut.span.start) + cut.with.length,
    body.length,
  )
  const out = new Uint8Array(length)
  let from = 0
  let at = 0
  for (const cut of ordered) {
    out.set(body.subarray(from, cut.span.start), at)
    at += cut.span.start - from
    out.set(cut.with, at)
    at += cut.with.length
    from = cut.span.end
  }
  out.set(body.subarray(from), at)
  return out
}

/**
 * A conversation parsed before: its `messages` array's bytes, the messages (deeply frozen,
 * remembered), and where each ends in the bytes (a comma or the closing bracket follows).
 */
interface Conversation {
  source: Uint8Array
  messages: readonly MessageParam[]
  ends: readonly number[]
  /** When a request last grew from it (ms): one left alone for `conversationIdleMs` is dropped. */
  usedAt: number
}

/**
 * The conversations remembered, most recently used last. Sessions, subagents and side requests
 * (titles, summaries) each have one; what they hold (their bytes and about three times as much
 * parsed) is bounded by `conversationBytes`, and one left alone for `conversationIdleMs` is
 * dropped when the next conversation is remembered.
 */
const conversations: Conversation[] = []
const conversationCapacity = 8
const conversationBytes = 16 * 1024 * 1024
const conversationIdleMs = 30 * 60 * 1000

function forget(conversation: Conversation): void {
  const at = conversations.indexOf(conversation)
  if (at >= 0) conversations.splice(at, 1)
}

/** `messages` found reading forwards, and what a remembered conversation held of it. */
interface ForwardMessages {
  span: Span
  prefix: KnownPrefix | undefined
}

/**
 * Where `messages` lies, read from the start (Claude Code writes it second, after `model`):
 * only the messages after those a remembered conversation holds are passed over to find where
 * the array ends. Read backwards, from the members after it, the whole conversation was passed
 * over, quote by quote: on a 300 KB one (files read) two thirds of the parse, 0.15 ms.
 */
function messagesForward(body: Uint8Array): ForwardMessages | undefined {
  const start = topLevelValueStart(body, 'messages')
  if (start === undefined || body[start] !== openBracket) return undefined
  const prefix = knownPrefix(body.subarray(start))
  const end = arrayEnd(body, start + (prefix?.cutEnd ?? 1))
  return end < 0 ? undefined : { span: { start, end }, prefix }
}

/** How many of a remembered conversation's messages begin `messages`, and where they end. */
interface KnownPrefix {
  conversation: Conversation
  count: number
  /** Index in `messages` past the known ones and the comma after them (at the `]` if none). */
  cutEnd: number
}

/**
 * How much of `messages` (an array's bytes) a remembered conversation already holds: the
 * longest run of whole messages it begins with, in the conversation this one grew from. That is
 * the most recent one that begins with the same first message (a session's main thread, a
 * subagent and a side request such as a title each begin with their own); its run is found by
 * halving, comparing bytes: a few `memcmp`s of the conversation, no parsing.
 */
function knownPrefix(messages: Uint8Array): KnownPrefix | undefined {
  const view = Buffer.from(messages.buffer, messages.byteOffset, messages.length)
  const agrees = ({ source, ends }: Conversation, count: number) => {
    const end = ends[count - 1] ?? 0
    const next = view[end]
    return (
      end < view.length &&
      (next === comma || next === closeBracket) &&
      view.compare(source, 0, end, 0, end) === 0
    )
  }
  const conversation = conversations.findLast((candidate) => agrees(candidate, 1))
  if (conversation === undefined) return undefined
  let low = 1
  let high = conversation.ends.length
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (agrees(conversation, middle)) low = middle
    else high = middle - 1
  }
  forget(conversation)
  conversations.push(conversation)
  conversation.usedAt = Date.now()
  const end = conversation.ends[low - 1] ?? 0
  // The comma after them goes too, unless nothing follows it: `[…,]` must reach the parser.
  const cutsComma = view[end] === comma && view[skipSpace(view, end + 1)] !== closeBracket
  return { conversation, count: low, cutEnd: cutsComma ? end + 1 : end }
}

/**
 * Remembers a request's conversation when its text is canonical (each message serialises back
 * to its bytes exactly), in place of the one it grew from. Only the new messages are checked and
 * frozen; the first new one first, so a client whose JSON is not canonical costs one message.
 */
function rememberConversation(
  source: Uint8Array,
  messages: readonly MessageParam[],
  prefix: KnownPrefix | undefined,
): void {
  const known = prefix?.count ?? 0
  const ends = prefix?.conversation.ends.slice(0, known) ?? []
  let at = known === 0 ? 1 : (ends[known - 1] ?? 0) + 1
  for (let index = known; index < messages.length; index++) {
    const json = Buffer.from(JSON.stringify(messages[index]))
    const end = at + json.length
    const next = source[end]
    if (
      (next !== comma && next !== closeBracket) ||
      Buffer.compare(json, source.subarray(at, end)) !== 0
    ) {
      return
    }
    ends.push(end)
    at = end + 1
  }
  if (ends.length === 0 || ends.length === known) return
  for (let index = known; index < messages.length; index++) {
    const message = messages[index]
    if (message !== undefined) rememberedValues.add(deepFreeze(message))
  }
  if (prefix !== undefined) forget(prefix.conversation)
  const now = Date.now()
  // The request's own list, frozen as its messages are: nothing downstream can change what the
  // next turn will be handed.
  conversations.push({ source, messages: Object.freeze(messages), ends, usedAt: now })
  let total = conversations.reduce((sum, conversation) => sum + conversation.source.length, 0)
  for (;;) {
    const oldest = conversations[0]
    if (oldest === undefined) break
    const over = conversations.length > conversationCapacity || total > conversationBytes
    if (!over && now - oldest.usedAt < conversationIdleMs) break
    total -= oldest.source.length
    conversations.shift()
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  // Arrays by index: `for…in` over an array enumerates its indices as strings.
  if (Array.isArray(value))
    for (let index = 0; index < value.length; index++) deepFreeze(value[index])
  else for (const key in value) deepFreeze(value[key])
  return Object.freeze(value)
}
