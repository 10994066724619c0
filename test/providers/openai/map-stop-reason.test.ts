import { describe, expect, test } from 'bun:test'
import type { StopReason } from '../../../src/protocol/events.ts'
import { convertUsage } from '../../../src/providers/openai/convert-usage.ts'
import { mapFinishReason } from '../../../src/providers/openai/map-stop-reason.ts'

describe('mapFinishReason', () => {
  const table: Array<[string | null, StopReason]> = [
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['tool_calls', 'tool_use'],
    ['function_call', 'tool_use'],
    ['content_filter', 'refusal'],
    ['eos', 'end_turn'],
    [null, 'end_turn'],
  ]
  for (const [finishReason, stopReason] of table) {
    test(`${finishReason} → ${stopReason}`, () => {
      expect(mapFinishReason({ finishReason })).toEqual({ stopReason, stopSequence: null })
    })
  }

  test('the stop string a provider reports, when it is one of the request', () => {
    const stopSequences = ['END', '</sql>']
    expect(mapFinishReason({ finishReason: 'stop', matchedStop: '</sql>', stopSequences })).toEqual(
      {
        stopReason: 'stop_sequence',
        stopSequence: '</sql>',
      },
    )
    // vLLM reports stop token ids in the same field; an unknown string is not ours either.
    expect(mapFinishReason({ finishReason: 'stop', matchedStop: 151645, stopSequences })).toEqual({
      stopReason: 'end_turn',
      stopSequence: null,
    })
    expect(
      mapFinishReason({ finishReason: 'stop', matchedStop: '<|im_end|>', stopSequences }),
    ).toEqual({
      stopReason: 'end_turn',
      stopSequence: null,
    })
  })
})

describe('convertUsage', () => {
  test('OpenAI: cached tokens are taken out of input_tokens', () => {
    const usage = {
      prompt_tokens: 2310,
      completion_tokens: 2,
      prompt_tokens_details: { cached_tokens: 2048 },
    }
    expect(convertUsage(usage)).toEqual({
      input_tokens: 262,
      output_tokens: 2,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 2048,
    })
  })

  test('DeepSeek: prompt_cache_hit_tokens, even without prompt_tokens', () => {
    const usage = {
      completion_tokens: 9,
      prompt_cache_hit_tokens: 5376,
      prompt_cache_miss_tokens: 24,
    }
    expect(convertUsage(usage)).toEqual({
      input_tokens: 24,
      output_tokens: 9,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 5376,
    })
  })

  test('nothing reported is zero', () => {
    expect(convertUsage({})).toEqual({
      input_tokens: 0,
      output_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    })
  })
})
