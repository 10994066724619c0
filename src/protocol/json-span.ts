const quote = 0x22
const backslash = 0x5c
const comma = 0x2c
const colon = 0x3a
const openBrace = 0x7b
const closeBrace = 0x7d
const openBracket = 0x5b
const closeBracket = 0x5d
const encoder = new TextEncoder()

/**
 * Where the value of a top-level member lies in a JSON object's UTF-8 bytes, when that value is
 * an object or an array: `bytes.subarray(start, end)` is the value exactly as sent. Undefined
 * when the member is absent, is not an object or array, or the text is not well formed.
 *
 * Made for members near the end (Claude Code writes `tools` after `messages`): it reads from
 * the end backwards, building nothing and jumping from quote to quote (`lastIndexOf`) through
 * strings, so it passes only what follows the member and the member itself, a few
 * microseconds however long the conversation. Brackets inside strings do not count; a key that
 * occurs deeper down (a tool schema's own `"tools"`) is not the top-level one. Bytes rather
 * than text: in UTF-8 no byte of a multi-byte character is a quote, a backslash or a bracket,
 * and the request is then never decoded whole.
 *
 * `expected` is the value the member most likely holds (the tools of the last request): when a
 * top-level value ends with it, `"key":` just before, its span is returned without jumping
 * through its strings one by one.
 */
export function topLevelValueSpan(
  text: Uint8Array,
  key: string,
  expected?: Uint8Array,
): { start: number; end: number } | undefined {
  const wanted = encoder.encode(JSON.stringify(key))
  const view =
    expected === undefined ? undefined : Buffer.from(text.buffer, text.byteOffset, text.length)
  let depth = 0
  // At depth 1, read backwards: a value (its span, when an object or array), then `:`, then
  // its key, then `,` or the opening `{`.
  let valueStart = -1
  let valueEnd = -1
  let keyDue = false
  for (let index = text.length - 1; index >= 0; index--) {
    const code = text[index] ?? 0
    if (code === quote) {
      const open = openingQuote(text, index)
      if (open < 0) return undefined
      if (depth === 1 && keyDue) {
        const isWanted = index - open + 1 === wanted.length && startsWith(text, wanted, open)
        if (isWanted) return valueStart < 0 ? undefined : { start: valueStart, end: valueEnd }
        keyDue = false
      }
      index = open
    } else if (code === closeBrace || code === closeBracket) {
      depth++
      if (depth === 2) {
        valueEnd = index + 1
        const start = valueEnd - (expected?.length ?? 0)
        if (view !== undefined && expected !== undefined && isMember(view, wanted, expected, start))
          return { start, end: valueEnd }
      }
      if (depth === 1 && code !== closeBrace) return undefined
    } else if (code === openBrace || code === openBracket) {
      depth--
      if (depth === 1) valueStart = index
      if (depth === 0) return undefined
    } else if (depth === 1 && code === colon) {
      keyDue = true
    } else if (depth === 1 && code === comma) {
      valueStart = -1
      valueEnd = -1
      keyDue = false
    }
  }
  return undefined
}

/**
 * Whether `"key":` and then `value` lie in the text, the value at `start`. Read from a top-level
 * value's end, this is that member, without reading through the value: a balanced value that
 * ends where a top-level value ends starts where it does, and `"key":` before it is its key.
 */
function isMember(view: Buffer, key: Uint8Array, value: Uint8Array, start: number): boolean {
  const keyStart = start - key.length - 1
  return (
    keyStart >= 0 &&
    view[start - 1] === colon &&
    view.compare(value, 0, value.length, start, start + value.length) === 0 &&
    view.compare(key, 0, key.length, keyStart, start - 1) === 0
  )
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
