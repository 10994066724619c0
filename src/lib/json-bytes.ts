/**
 * `JSON.stringify(value)` as UTF-8, made without building it as one string. A long string (at
 * least `longString` characters) is escaped and encoded once and its bytes kept, by the string:
 * a conversation the request parser remembered hands the same strings over turn after turn (a
 * Read tool's result, a long prompt), so the next turn copies them instead of escaping them
 * again. The rest is written as `JSON.stringify` writes it.
 *
 * What it saves, measured on a 300 KB conversation converted for an OpenAI provider: 0.53 →
 * 0.18 ms and 3.7 MB → 0.34 MB of allocation (the whole text as UTF-16, since Claude Code's
 * prompts hold characters beyond Latin-1, a builder grown twice over, then the encoding).
 *
 * For plain data (what the converters build): no `toJSON`, no cycles.
 */
export interface JsonBytes {
  /** Text to encode and bytes to copy, in order. */
  pieces: readonly (string | Uint8Array)[]
  /** The bytes they make. */
  byteLength: number
}

const longString = 1024
/** Bytes of escaped long strings kept, the least recently used let go first. */
const keptBytes = 8 * 1024 * 1024
const escaped = new Map<string, Uint8Array>()
let escapedBytes = 0
const encoder = new TextEncoder()

export function jsonBytes(value: unknown): JsonBytes {
  const pieces: (string | Uint8Array)[] = []
  let byteLength = 0
  let pending = ''
  const flush = () => {
    if (pending === '') return
    pieces.push(pending)
    byteLength += Buffer.byteLength(pending)
    pending = ''
  }
  const write = (item: unknown): void => {
    if (typeof item === 'string' && item.length >= longString) {
      flush()
      const bytes = escapedOnce(item)
      pieces.push(bytes)
      byteLength += bytes.length
    } else if (typeof item !== 'object' || item === null) {
      pending += JSON.stringify(item)
    } else if (Array.isArray(item)) {
      pending += '['
      for (let index = 0; index < item.length; index++) {
        if (index > 0) pending += ','
        const element: unknown = item[index]
        if (omitted(element)) pending += 'null'
        else write(element)
      }
      pending += ']'
    } else if ('toJSON' in item) {
      pending += JSON.stringify(item)
    } else {
      pending += '{'
      let first = true
      for (const [key, member] of Object.entries(item)) {
        if (omitted(member)) continue
        pending += `${first ? '' : ','}${JSON.stringify(key)}:`
        first = false
        write(member)
      }
      pending += '}'
    }
  }
  if (omitted(value)) throw new TypeError('jsonBytes: the value has no JSON')
  write(value)
  flush()
  return { pieces, byteLength }
}

/** Bytes of escaped long strings kept now (at most 8 MB). */
export function keptJsonBytes(): number {
  return escapedBytes
}

/** Writes the bytes into `out` from `at`; returns the index after them. */
export function writeJsonBytes(json: JsonBytes, out: Uint8Array, at: number): number {
  let end = at
  for (const piece of json.pieces) {
    if (typeof piece === 'string') {
      end += encoder.encodeInto(piece, out.subarray(end)).written
    } else {
      out.set(piece, end)
      end += piece.length
    }
  }
  return end
}

/** What `JSON.stringify` leaves out of an object, and writes as `null` in an array. */
function omitted(item: unknown): boolean {
  return item === undefined || typeof item === 'function' || typeof item === 'symbol'
}

function escapedOnce(text: string): Uint8Array {
  let bytes = escaped.get(text)
  if (bytes !== undefined) {
    // Most recently used last.
    escaped.delete(text)
    escaped.set(text, bytes)
    return bytes
  }
  bytes = Buffer.from(JSON.stringify(text))
  escaped.set(text, bytes)
  escapedBytes += bytes.length
  for (const [oldest, kept] of escaped) {
    if (escapedBytes <= keptBytes) break
    escaped.delete(oldest)
    escapedBytes -= kept.length
  }
  return bytes
}
