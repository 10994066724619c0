import { isRecord } from '../lib/is-record.ts'
import {
  errorOf,
  mergeUsage,
  stopReasonOf,
  type BodyObservation,
  type BodyObserver,
} from './body-observation.ts'

/**
 * A message or an error body is a few kilobytes; a larger body is kept from piling up in
 * memory, at the price of its usage going unrecorded.
 */
const maxJsonBytes = 1024 * 1024

/**
 * Collects a JSON body (up to a bound) and reads it at the end: an Anthropic message gives
 * usage, stop reason and model; an Anthropic error envelope gives the error. A body past the
 * bound counts as complete once it has ended, because the tap declined to read it, not the
 * upstream to finish it.
 *
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/api/errors
 */
export function createJsonObserver(): BodyObserver {
  const decoder = new TextDecoder()
  const parts: string[] = []
  let size = 0
  let oversized = false

  return {
    observe(bytes) {
      if (oversized) return
      size += bytes.byteLength
      if (size > maxJsonBytes) {
        oversized = true
        parts.length = 0
        return
      }
      parts.push(decoder.decode(bytes, { stream: true }))
    },
    end() {
      if (oversized) return { complete: true }
      parts.push(decoder.decode())
      return readBody(parts.join(''))
    },
  }
}

function readBody(text: string): BodyObservation {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { complete: false }
  }
  return observeMessage(value)
}

/** What an Anthropic message (or error envelope) says, as the tap records it. */
export function observeMessage(value: unknown): BodyObservation {
  if (!isRecord(value)) return { complete: false }
  if (value.type === 'error') return { complete: false, error: errorOf(value) }
  if (value.type !== 'message') return { complete: false }
  return {
    complete: true,
    usage: mergeUsage(undefined, value.usage),
    stopReason: stopReasonOf(value.stop_reason),
    model: typeof value.model === 'string' ? value.model : undefined,
  }
}
