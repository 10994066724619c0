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
 * Made for text that has already parsed, and for members near its end (Claude Code writes
 * `tools` after `messages`): it reads from the end backwards, building nothing and jumping from
 * quote to quote (`lastIndexOf`) through strings, so it passes only what follows the member and
 * the member itself, a few microseconds however long the conversation. Brackets inside strings
 * do not count; a key that occurs deeper down (a tool schema's own `"tools"`) is not the
 * top-level one.
 */
export function topLevelValueSpan(
  text: string,
  key: string,
): { start: number; end: number } | undefined {
  const wanted = JSON.stringify(key)
  let depth = 0
  // At depth 1, read backwards: a value (its span, when an object or array), then `:`, then
  // its key, then `,` or the opening `{`.
  let valueStart = -1
  let valueEnd = -1
  let keyDue = false
  for (let index = text.length - 1; index >= 0; index--) {
    const code = text.charCodeAt(index)
    if (code === quote) {
      const open = openingQuote(text, index)
      if (open < 0) return undefined
      if (depth === 1 && keyDue) {
        const isWanted = index - open + 1 === wanted.length && text.startsWith(wanted, open)
        if (isWanted) return valueStart < 0 ? undefined : { start: valueStart, end: valueEnd }
        keyDue = false
      }
      index = open
    } else if (code === closeBrace || code === closeBracket) {
      depth++
      if (depth === 2) valueEnd = index + 1
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

/** The index of the quote that opens the string closing at `close`, or -1. */
function openingQuote(text: string, close: number): number {
  let at = close
  for (;;) {
    if (at <= 0) return -1
    at = text.lastIndexOf('"', at - 1)
    if (at < 0) return -1
    let before = at - 1
    while (before >= 0 && text.charCodeAt(before) === backslash) before--
    // An even number of backslashes escape each other, not the quote.
    if ((at - 1 - before) % 2 === 0) return at
  }
}
