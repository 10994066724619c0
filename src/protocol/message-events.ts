import type { Message, OutputBlock, StreamEvent } from './events.ts'

/**
 * A complete message as the exact Anthropic event sequence, for a provider that ignored
 * `stream: true` and for replaying a cached answer: each block's content arrives as one delta,
 * the usage in `message_delta` (the SDK copies it from there into the final message).
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export function messageToEvents(message: Message): StreamEvent[] {
  const start: Message = { ...message, content: [], stop_reason: null, stop_sequence: null }
  start.usage = { ...message.usage, output_tokens: 0 }
  const events: StreamEvent[] = [{ type: 'message_start', message: start }]
  for (const [index, block] of message.content.entries()) {
    events.push(...blockEvents(index, block))
  }
  events.push(
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence },
      usage: message.usage,
    },
    { type: 'message_stop' },
  )
  return events
}

function blockEvents(index: number, block: OutputBlock): StreamEvent[] {
  const delta = (
    delta: Extract<StreamEvent, { type: 'content_block_delta' }>['delta'],
  ): StreamEvent => ({
    type: 'content_block_delta',
    index,
    delta,
  })
  const stop: StreamEvent = { type: 'content_block_stop', index }
  switch (block.type) {
    case 'text':
      return [
        { type: 'content_block_start', index, content_block: { type: 'text', text: '' } },
        ...(block.text === '' ? [] : [delta({ type: 'text_delta', text: block.text })]),
        stop,
      ]
    case 'thinking':
      return [
        {
          type: 'content_block_start',
          index,
          content_block: { type: 'thinking', thinking: '', signature: '' },
        },
        delta({ type: 'thinking_delta', thinking: block.thinking }),
        delta({ type: 'signature_delta', signature: block.signature }),
        stop,
      ]
    case 'redacted_thinking':
      return [{ type: 'content_block_start', index, content_block: block }, stop]
    case 'tool_use':
      return [
        { type: 'content_block_start', index, content_block: { ...block, input: {} } },
        delta({ type: 'input_json_delta', partial_json: JSON.stringify(block.input ?? {}) }),
        stop,
      ]
    default:
      return block satisfies never
  }
}
