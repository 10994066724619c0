/**
 * Replaces the value of the top-level `"model"` key in a JSON text and leaves every other byte
 * as the client sent it, so an Anthropic upstream receives the body unchanged (key order,
 * whitespace, numbers' spelling, fields ccr has never heard of). Returns undefined when the
 * text has no top-level string `model`.
 */
export function replaceModel(json: string, model: string): string | undefined {
  let depth = 0
  let expectKey = false
  for (let index = 0; index < json.length; index++) {
    const char = json.charCodeAt(index)
    if (char === 0x7b /* { */) {
      depth++
      expectKey = depth === 1
    } else if (char === 0x5b /* [ */) {
      depth++
    } else if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      depth--
    } else if (char === 0x2c /* , */) {
      expectKey = depth === 1
    } else if (char === 0x22 /* " */) {
      const end = stringEnd(json, index)
      if (end < 0) return undefined
      if (depth === 1 && expectKey) {
        expectKey = false
        if (json.slice(index, end + 1) === '"model"') {
          const valueStart = skipToValue(json, end + 1)
          if (valueStart < 0 || json.charCodeAt(valueStart) !== 0x22) return undefined
          const valueEnd = stringEnd(json, valueStart)
          if (valueEnd < 0) return undefined
          return json.slice(0, valueStart) + JSON.stringify(model) + json.slice(valueEnd + 1)
        }
      }
      index = end
    }
  }
  return undefined
}

/** Index of the quote closing the string that opens at `start`, or -1. */
function stringEnd(json: string, start: number): number {
  for (let index = start + 1; index < json.length; index++) {
    const char = json.charCodeAt(index)
    if (char === 0x5c /* \ */) index++
    else if (char === 0x22) return index
  }
  return -1
}

/** Skips whitespace, one colon, whitespace; returns the index of the value or -1. */
function skipToValue(json: string, from: number): number {
  let index = from
  while (index < json.length && /\s/.test(json[index] ?? '')) index++
  if (json[index] !== ':') return -1
  index++
  while (index < json.length && /\s/.test(json[index] ?? '')) index++
  return index < json.length ? index : -1
}
