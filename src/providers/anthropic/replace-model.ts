import { closingQuote, topLevelValueStart } from '../../protocol/json-span.ts'

const quote = 0x22
const space = 0x20
const encoder = new TextEncoder()

/**
 * Replaces the value of the top-level `"model"` key in a JSON body and leaves every other byte
 * as the client sent it, so an Anthropic upstream receives the body unchanged (key order,
 * whitespace, numbers' spelling, fields ccr has never heard of). Found reading the bytes from
 * the start (`topLevelValueStart`; Claude Code writes `model` first), so the body is never
 * decoded. Returns undefined when the body has no top-level string `model`.
 *
 * A name no longer than the one it replaces (the usual case: a provider's model id against
 * Claude Code's dated one) is written over it in `json` itself, the bytes left over becoming
 * spaces after the value, where JSON allows them; `json` is returned. Spaces already after
 * the value count as room, so a name written over that one fits the same way, and a longer one
 * takes them out: no client writes spaces between a value and its comma, and a fallback finds
 * the body as if only the model had ever changed. Copying a 50 KB body instead was a tenth of a
 * passthrough's CPU and doubled the garbage it made (A/B of the binary, concurrency 50: 0.178
 * → 0.162 ms per request, peak RSS 115 → 107 MB). So `json` must be the caller's own buffer;
 * only the model's value changes, and views of other parts of it (the request parser remembers
 * some) stay as they were. A longer name makes a new buffer and leaves `json` alone.
 */
export function replaceModel(json: Uint8Array, model: string): Uint8Array | undefined {
  const valueStart = topLevelValueStart(json, 'model')
  if (valueStart === undefined || json[valueStart] !== quote) return undefined
  const valueEnd = closingQuote(json, valueStart)
  if (valueEnd < 0) return undefined
  // The spaces after the value count as room: a name written over a longer one left them, and
  // a fallback's name may need them.
  let roomEnd = valueEnd + 1
  while (json[roomEnd] === space) roomEnd++
  const text = JSON.stringify(model)
  const length = Buffer.byteLength(text)
  if (length <= roomEnd - valueStart) {
    encoder.encodeInto(text, json.subarray(valueStart))
    json.fill(space, valueStart + length, roomEnd)
    return json
  }
  const value = encoder.encode(text)
  const out = new Uint8Array(json.length - (roomEnd - valueStart) + value.length)
  out.set(json.subarray(0, valueStart))
  out.set(value, valueStart)
  out.set(json.subarray(roomEnd), valueStart + value.length)
  return out
}
