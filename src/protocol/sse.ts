import type { StreamEvent } from './events.ts'

const encoder = new TextEncoder()

/** One event in Anthropic's exact SSE framing: an `event:` line, a `data:` line, a blank line. */
export function eventText(event: StreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** One event's bytes. */
export function encodeEvent(event: StreamEvent): Uint8Array {
  return encoder.encode(eventText(event))
}

/**
 * Stream events to bytes. Claude Code needs the `event:` lines: without them it silently
 * re-sends every turn without streaming.
 */
export function encodeEvents(): TransformStream<StreamEvent, Uint8Array> {
  return new TransformStream({
    transform(event, controller) {
      controller.enqueue(encodeEvent(event))
    },
  })
}

/**
 * Sends `ping` while the source is silent for `intervalMs`, so that the client (and any proxy
 * between) sees a live connection while a slow model thinks. Pings only go out between
 * `message_start` and `message_stop`.
 */
export function withPings(intervalMs: number): TransformStream<StreamEvent, StreamEvent> {
  let timer: ReturnType<typeof setInterval> | undefined
  let last = 0
  let started = false
  const stopTimer = () => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
  }
  return new TransformStream({
    transform(event, controller) {
      last = Date.now()
      controller.enqueue(event)
      if (event.type === 'message_start' && !started) {
        started = true
        timer = setInterval(
          () => {
            if (Date.now() - last < intervalMs) return
            last = Date.now()
            try {
              controller.enqueue({ type: 'ping' })
            } catch {
              stopTimer()
            }
          },
          Math.max(10, Math.floor(intervalMs / 2)),
        )
      }
      if (event.type === 'message_stop' || event.type === 'error') stopTimer()
    },
    // A cancelled stream makes the next enqueue throw, which stops the timer.
    flush: stopTimer,
  })
}
