import type { Message, StreamEvent } from '../protocol/events.ts'
import { messageToEvents } from '../protocol/message-events.ts'
import { encodeEvents } from '../protocol/sse.ts'

export interface ReplayOptions {
  /** Whether the client asked for a stream (SSE) or one JSON message. */
  stream: boolean
  /** A fresh message id (`msg_…`): every answer the client sees is a message of its own. */
  newId: () => string
}

/**
 * A stored answer served again, as the client asked for it: the exact Anthropic event sequence
 * (so any SDK stream reader accepts it) or the JSON message. The message gets a new id; its
 * tool_use ids stay as stored. The next turn finds the cache whatever the ids are (the key puts
 * positional placeholders in their place), so new ones would buy nothing there, while the
 * stored message is exactly what the provider said, thinking signatures included, and a
 * provider may check what comes back to it. Ids need only be unique within one conversation,
 * and one conversation cannot meet the same entry twice: its history grows with every turn.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function replayResponse(message: Message, options: ReplayOptions): Response {
  const replayed: Message = { ...structuredClone(message), id: options.newId() }
  if (!options.stream) return Response.json(replayed)
  const events = new ReadableStream<StreamEvent>({
    start(controller) {
      for (const event of messageToEvents(replayed)) controller.enqueue(event)
      controller.close()
    },
  })
  return new Response(events.pipeThrough(encodeEvents()), {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
  })
}
