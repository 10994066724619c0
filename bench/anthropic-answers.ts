import { encodeUnits, type AnswerContent, type EncodedAnswer } from './fake-answers.ts'

const model = 'claude-opus-5-5'

/**
 * The answer as the Anthropic Messages API streams it: `message_start`, a text block, then a
 * `tool_use` block, `message_delta` and `message_stop`, with `event:` lines. One content delta
 * per unit; block starts and stops ride with the deltas next to them.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export function anthropicStream(content: AnswerContent): EncodedAnswer {
  const event = (value: { type: string; [field: string]: unknown }) =>
    `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`
  const tool = content.tool
  const units = content.text.map((text) =>
    event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }),
  )
  units[0] =
    event({
      type: 'message_start',
      message: {
        id: 'msg_bench0001',
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usageOf(content), output_tokens: 1 },
      },
    }) +
    event({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    (units[0] ?? '')
  units[units.length - 1] += event({ type: 'content_block_stop', index: 0 })
  if (tool !== undefined) {
    tool.arguments.forEach((fragment, position) => {
      const start =
        position === 0
          ? event({
              type: 'content_block_start',
              index: 1,
              content_block: {
                type: 'tool_use',
                id: 'toolu_bench0001',
                name: tool.name,
                input: {},
              },
            })
          : ''
      const delta = event({
        type: 'content_block_delta',
        index: 1,
        delta: { type: 'input_json_delta', partial_json: fragment },
      })
      units.push(start + delta)
    })
    units[units.length - 1] += event({ type: 'content_block_stop', index: 1 })
  }
  units[units.length - 1] +=
    event({
      type: 'message_delta',
      delta: { stop_reason: tool === undefined ? 'end_turn' : 'tool_use', stop_sequence: null },
      usage: usageOf(content),
    }) + event({ type: 'message_stop' })
  return encodeUnits('text/event-stream', units)
}

/**
 * The same answer as one Messages JSON body.
 *
 * @see https://docs.anthropic.com/en/api/messages
 */
export function anthropicJson(content: AnswerContent): EncodedAnswer {
  const tool = content.tool
  const body = {
    id: 'msg_bench0001',
    type: 'message',
    role: 'assistant',
    model,
    content: [
      { type: 'text', text: content.text.join('') },
      ...(tool === undefined
        ? []
        : [
            {
              type: 'tool_use',
              id: 'toolu_bench0001',
              name: tool.name,
              input: JSON.parse(tool.arguments.join('')) as unknown,
            },
          ]),
    ],
    stop_reason: tool === undefined ? 'end_turn' : 'tool_use',
    stop_sequence: null,
    usage: usageOf(content),
  }
  return encodeUnits('application/json', [JSON.stringify(body)])
}

function usageOf(content: AnswerContent) {
  return {
    input_tokens: content.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: content.outputTokens,
  }
}
