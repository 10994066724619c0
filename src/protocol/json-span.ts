const quote = 0x22
const backslash = 0x5c
const comma = 0x2c
const colon = 0x3a
const openBrace = 0x7b
const closeBrace = 0x7d
const openBracket = 0x5b
const closeBracket = 0x5d
const encoder = new TextEncoder()

/** A member looked for by `topLevelValueSpans`, with the value it most likely holds. */
export interface WantedMember {
  key: string
  expected?: Uint8Array | undefined
  /**
   * Where this member's value starts if it is the value ending at `end`, when the caller can
   * tell without it being read backwards (the request parser reads `messages` forwards);
   * undefined when it cannot.
   */
  startOf?: ((end: number) => number | undefined) | undefined
}

/** Where a value lies: `bytes.subarray(start, end)`. */
export interface Span {
  start: number
  end: number
}

/**
 * Where the value of a top-level member lies in a JSON object's UTF-8 bytes, when that value is
 * an object or an array: `bytes.subarray(start, end)` is the value exactly as sent. Undefined
 * when the member is absent, is not an object or array, or the text is not well formed.
 */
export function topLevelValueSpan(
  text: Uint8Array,
  key: string,
  expected?: Uint8Array,
): Span | undefined {
  return topLevelValueSpans(text, [{ key, expected }])[0]
}

/**
 * `topLevelValueSpan` for several members in one reading, each span at its member's index.
 *
 * Made for members near the end (Claude Code writes `messages`, then `system` and `tools`): it
 * reads from the end backwards, building nothing and jumping from quote to quote
 * (`lastIndexOf`) through strings, and stops once every member is found, so it passes only
 * what follows the members and the members themselves. Brackets inside strings do not count;
 * a key that occurs deeper down (a tool schema's own `"tools"`) is not the top-level one.
 * Bytes rather than text: in UTF-8 no byte of a multi-byte character is a quote, a backslash
 * or a bracket, and the request is then never decoded whole.
 *
 * A member's `expected` value is the value it most likely holds (the tools of the last
 * request): when a top-level value ends with it, `"key":` just before, its span is taken
 * without jumping through its strings one by one.
 */
export function topLevelValueSpans(
  text: Uint8Array,
  wanted: readonly WantedMember[],
): (Span | undefined)[] {
  const keys = wanted.map((member) => quoted(member.key))
  const spans: (Span | undefined)[] = wanted.map(() => undefined)
  const done = wanted.map(() => false)
  let left = wanted.length
  const view = Buffer.from(text.buffer, text.byteOffset, text.length)
  const none = () => wanted.map(() => undefined)
  /** The member not found yet whose expected value ends at `end`, `"key":` just before it. */
  const expectedEndingAt = (end: number) => {
    for (const [at, { expected, startOf }] of wanted.entries()) {
      const key = keys[at]
      if (done[at] || key === undefined) continue
      if (expected !== undefined) {
        const start = end - expected.length
        if (isMember(view, key, expected, start)) return { at, key, start }
      }
      const start = startOf?.(end)
      if (start !== undefined && isKeyBefore(view, key, start)) return { at, key, start }
    }
    return undefined
  }
  let depth = 0
  // At depth 1, read backwards: a value (its span, when an object or array), then `:`, then
  // its key, then `,` or the opening `{`.
  let valueStart = -1
  let valueEnd = -1
  let keyDue = false
  for (let index = text.length - 1; index >= 0 && left > 0; index--) {
    const code = text[index] ?? 0
    if (code === quote) {
      const open = openingQuote(text, index)
      if (open < 0) return none()
      if (depth === 1 && keyDue) {
        const length = index - open + 1
        const found = keys.findIndex(
          (key, at) => !done[at] && length === key.length && startsWith(text, key, open),
        )
        if (found >= 0) {
          done[found] = true
          left--
          if (valueStart >= 0) spans[found] = { start: valueStart, end: valueEnd }
        }
        keyDue = false
      }
      index = open
    } else if (code === closeBrace || code === closeBracket) {
      depth++
      if (depth === 2) {
        valueEnd = index + 1
        const found = expectedEndingAt(valueEnd)
        if (found !== undefined) {
          // That member whole: go on before its key, at depth 1 again.
          spans[found.at] = { start: found.start, end: valueEnd }
          done[found.at] = true
          left--
          index = found.start - found.key.length - 1
          depth = 1
          valueStart = -1
          valueEnd = -1
          keyDue = false
          continue
        }
      }
      if (depth === 1 && code !== closeBrace) return none()
    } else if (code === openBrace || code === openBracket) {
      depth--
      if (depth === 1) valueStart = index
      // The object's opening brace: every member has been read.
      if (depth === 0) return code === openBrace ? spans : none()
    } else if (depth === 1 && code === colon) {
      keyDue = true
    } else if (depth === 1 && code === comma) {
      valueStart = -1
      valueEnd = -1
      keyDue = false
    }
  }
  return left === 0 ? spans : none()
}

/** A key as it stands in JSON, quoted, in UTF-8; the few keys asked for are kept. */
function quoted(key: string): Uint8Array {
  let bytes = quotedKeys.get(key)
  if (bytes === undefined) {
    bytes = encoder.encode(JSON.stringify(key))
    if (quotedKeys.size < 64) quotedKeys.set(key, bytes)
  }
  return bytes
}

const quotedKeys = new Map<string, Uint8Array>()

/**
 * Whether `"key":` and then `value` lie in the text, the value at `start`. Read from a top-level
 * value's end, this is that member, without reading through the value: a balanced value that
 * ends where a top-level value ends starts where it does, and `"key":` before it is its key.
 */
function isMember(view: Buffer, key: Uint8Array, value: Uint8Array, start: number): boolean {
  return (
    isKeyBefore(view, key, start) &&
    view.compare(value, 0, value.length, start, start + value.length) === 0
  )
}

/** Whether `"key":` stands just before `start`. */
function isKeyBefore(view: Buffer, key: Uint8Array, start: number): boolean {
  const keyStart = start - key.length - 1
  return (
    keyStart >= 0 &&
    view[start - 1] === colon &&
    view.compare(key, 0, key.length, keyStart, start - 1) === 0
  )
}

/**
 * Where the value of a top-level member begins, read from the start: the members before it
 * are passed over, their strings quote to quote. For a member near the beginning, as Claude
 * Code writes `messages` (after `model`). The first such member: with the key repeated,
 * `JSON.parse` keeps the last, which `topLevelValueSpans` finds. Undefined when the member is
 * absent or the text before it is not well formed. `from`: where the object begins, for one
 * inside the text.
 */
export function topLevelValueStart(text: Uint8Array, key: string, from = 0): number | undefined {
  const wanted = quoted(key)
  let at = skipSpace(text, from)
  if (text[at] !== openBrace) return undefined
  at = skipSpace(text, at + 1)
  while (text[at] === quote) {
    const keyEnd = closingQuote(text, at)
    if (keyEnd < 0) return undefined
    const found = keyEnd + 1 - at === wanted.length && startsWith(text, wanted, at)
    at = skipSpace(text, keyEnd + 1)
    if (text[at] !== colon) return undefined
    at = skipSpace(text, at + 1)
    if (found) return at < text.length ? at : undefined
    const end = valueEnd(text, at)
    if (end <= at) return undefined
    at = skipSpace(text, end)
    if (text[at] !== comma) return undefined
    at = skipSpace(text, at + 1)
  }
  return undefined
}

/**
 * Where each element of the array opening at `at` lies, read forwards, strings quote to quote;
 * undefined when there is no array there or it is not well formed.
 */
export function elementSpans(text: Uint8Array, at: number): Span[] | undefined {
  if (text[at] !== openBracket) return undefined
  const spans: Span[] = []
  const end = elementsEnd(text, skipSpace(text, at + 1), (start, end) => spans.push({ start, end }))
  return end < 0 ? undefined : spans
}

/**
 * Where an array ends (the index past its `]`), read forwards from `at`: its opening bracket's
 * next byte, the start of an element, or its closing bracket. -1 when the text is not well
 * formed there (an element missing after a comma included).
 */
export function arrayEnd(text: Uint8Array, at: number): number {
  const index = skipSpace(text, at)
  if (text[index] === closeBracket) {
    let before = at - 1
    while (before >= 0 && isSpace(text[before])) before--
    return text[before] === comma ? -1 : index + 1
  }
  return elementsEnd(text, index)
}

/**
 * The index past the `]` of an array whose elements start at `index` (or that is empty there),
 * each element's span handed to `each`; -1 when the text is not well formed.
 */
function elementsEnd(
  text: Uint8Array,
  start: number,
  each?: (start: number, end: number) => void,
): number {
  let index = start
  if (text[index] === closeBracket) return index + 1
  for (;;) {
    const end = valueEnd(text, index)
    if (end <= index) return -1
    each?.(index, end)
    index = skipSpace(text, end)
    if (text[index] === closeBracket) return index + 1
    if (text[index] !== comma) return -1
    index = skipSpace(text, index + 1)
  }
}

/**
 * The index past the value that begins at `at`: a string, an object or array (brackets inside
 * strings not counted), or a number or literal (up to what ends it). -1 when it does not end,
 * `at` when there is none. It passes over a value without checking it: the parse that follows
 * does.
 */
function valueEnd(text: Uint8Array, at: number): number {
  let depth = 0
  for (let index = at; index < text.length; index++) {
    const code = text[index]
    if (code === quote) {
      index = closingQuote(text, index)
      if (index < 0) return -1
      if (depth === 0) return index + 1
    } else if (code === openBrace || code === openBracket) {
      depth++
    } else if (code === closeBrace || code === closeBracket) {
      if (depth === 0) return index
      depth--
      if (depth === 0) return index + 1
    } else if (depth === 0 && (code === comma || isSpace(code))) {
      return index
    }
  }
  return depth === 0 && at < text.length ? text.length : -1
}

/** The index of the quote that closes the string opening at `open`, or -1. */
export function closingQuote(text: Uint8Array, open: number): number {
  let at = open
  for (;;) {
    at = text.indexOf(quote, at + 1)
    if (at < 0) return -1
    let before = at - 1
    while (text[before] === backslash) before--
    // An even number of backslashes escape each other, not the quote.
    if ((at - 1 - before) % 2 === 0) return at
  }
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d
}

/** The index of the first byte from `at` that is not JSON whitespace. */
export function skipSpace(text: Uint8Array, at: number): number {
  let index = at
  while (isSpace(text[index])) index++
  return index
}

/** The index of the quote that opens the string closing at `close`, or -1. */
function openingQuote(text: Uint8Array, close: number): number {
  let at = close
  for (;;) {
    if (at <= 0) return -1
    at = text.lastIndexOf(quote, at - 1)
    if (at < 0) return -1
    let before = at - 1
    while (before >= 0 && text[before] === backslash) before--
    // An even number of backslashes escape each other, not the quote.
    if ((at - 1 - before) % 2 === 0) return at
  }
}

function startsWith(text: Uint8Array, prefix: Uint8Array, at: number): boolean {
  for (let index = 0; index < prefix.length; index++) {
    if (text[at + index] !== prefix[index]) return false
  }
  return true
}
