import type { StopReason } from '../../protocol/events.ts'

export interface FinishReasonInput {
  /** `choices[].finish_reason` as the provider sent it. */
  finishReason: string | null | undefined
  /** The stop string the provider says fired (vLLM's `choices[].stop_reason`), if any. */
  matchedStop?: string | number | null | undefined
  /** The request's `stop_sequences`. */
  stopSequences?: string[] | undefined
}

export interface MappedStop {
  stopReason: StopReason
  stopSequence: string | null
}

/**
 * OpenAI's `finish_reason` → Anthropic's `stop_reason`. A content filter is a `refusal` (not a
 * `stop_sequence`, as claude-code-router reports it). The stop string is only reported when
 * it is one of the request's own: vLLM also puts stop *token ids* in the same field.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-choices
 * @see https://docs.anthropic.com/en/api/messages#response-stop-reason
 * @see https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html
 */
export function mapFinishReason(input: FinishReasonInput): MappedStop {
  const { matchedStop, stopSequences } = input
  if (typeof matchedStop === 'string' && stopSequences?.includes(matchedStop) === true) {
    return { stopReason: 'stop_sequence', stopSequence: matchedStop }
  }
  return { stopReason: stopReasonFor(input.finishReason), stopSequence: null }
}

function stopReasonFor(finishReason: string | null | undefined): StopReason {
  switch (finishReason) {
    case 'length':
      return 'max_tokens'
    case 'tool_calls':
    case 'function_call':
      return 'tool_use'
    case 'content_filter':
      return 'refusal'
    default:
      // `stop`, null, and whatever a provider invents (`eos`, `end_turn`, …) end the turn.
      return 'end_turn'
  }
}
