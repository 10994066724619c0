/**
 * What ccr sends back to Claude Code: the Anthropic message and its stream events. Outbound
 * types are exact (plain TypeScript, no schema): ccr produces them, so the compiler checks them.
 *
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */

export type StopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal'

export interface Usage {
  input_tokens: number
  output_tokens: number
  cache_creation_input_tokens?: number | null
  cache_read_input_tokens?: number | null
  /** Of the output, the tokens spent thinking (Anthropic's thinking-token-count beta). */
  output_tokens_details?: { thinking_tokens: number }
}

export type OutputBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'tool_use'; id: string; name: string; input: unknown }

/** A complete (non-streaming) response. */
export interface Message {
  id: string
  type: 'message'
  role: 'assistant'
  model: string
  content: OutputBlock[]
  stop_reason: StopReason | null
  stop_sequence: string | null
  usage: Usage
}

export type BlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'input_json_delta'; partial_json: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'signature_delta'; signature: string }

/** One Server-Sent Event of a streamed response; `type` is also the SSE `event:` name. */
export type StreamEvent =
  | { type: 'message_start'; message: Message }
  | { type: 'content_block_start'; index: number; content_block: OutputBlock }
  | { type: 'content_block_delta'; index: number; delta: BlockDelta }
  | { type: 'content_block_stop'; index: number }
  | {
      type: 'message_delta'
      delta: { stop_reason: StopReason | null; stop_sequence: string | null }
      usage: Usage
    }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type: string; message: string } }
