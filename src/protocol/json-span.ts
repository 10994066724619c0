const quote = 0x22
const backslash = 0x5c
const comma = 0x2c
const colon = 0x3a
const openBrace = 0x7b
const closeBrace = 0x7d
const openBracket = 0x5b
const closeBracket = 0x5d

/**
 * Where the value of a top-level member lies in the text of a JSON object, when that value is
 * an object or an array: `text.slice(start, end)` is the value exactly as written. Undefined
 * when the member is absent, is not an object or array, or the text is not well formed.
 *
 * Made for text that has already parsed: it finds the span without building anything, jumping
 * from quote to quote (`indexOf`) through strings, so a 50 KB Claude Code request takes a few
 * microseconds. Brackets inside strings do not count; a key that occurs deeper down (a tool
 * schema's own `"tools"` property) is not the top-level one.
 */
export function topLevelValueSpan(
  text: string,
  key: string,
): { start: number; end: number } | undefined {
  const wanted = JSON.stringify(key)
  let depth = 0
  // At depth 1: whether the next string is a key, and whether the value now due is `key`'s.
  let expectingKey = false
  let valueIsWanted = false
  let start = -1
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    if (code === quote) {
      const close = closingQuote(text, index)
      if (close < 0) return undefined
      if (depth === 1) {
        if (expectingKey) {
          valueIsWanted = close - index + 1 === wanted.length && text.startsWith(wanted, index)
          expectingKey = false
        } else {
          valueIsWanted = false
        }
      }
      index = close
    } else if (code === openBrace || code === openBracket) {
      depth++
      if (depth === 1) expectingKey = code === openBrace
      else if (depth === 2 && valueIsWanted) start = index
    } else if (code === closeBrace || code === closeBracket) {
      depth--
      if (depth === 1 && start >= 0) return { start, end: index + 1 }
      if (depth <= 0) return undefined
    } else if (depth === 1 && code === comma) {
      expectingKey = true
      valueIsWanted = false
    } else if (depth === 1 && code === colon && expectingKey) {
      return undefined
    }
  }
  return undefined
}

/** The index of the quote that closes the string opening at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  let at = open
  for (;;) {
    at = text.indexOf('"', at + 1)
    if (at < 0) return -1
    let before = at - 1
    while (text.charCodeAt(before) === backslash) before--
    // An even number of backslashes escape each other, not the quote.
    if ((at - 1 - before) % 2 === 0) return at
  }
}
