import { encodeUnits, type AnswerContent, type EncodedAnswer } from './fake-answers.ts'

const model = 'bench-model'
const created = 1_700_000_000

/**
 * The answer as OpenAI Chat Completions streams it: a role chunk, one chunk per piece, the
 * finish chunk, the usage chunk (`stream_options.include_usage`) and `[DONE]`. Framing rides
 * with the first and last pieces, so there are as many units as pieces.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export function openAIStream(content: AnswerContent): EncodedAnswer {
  const data = (value: unknown) => `data: ${JSON.stringify(value)}\n\n`
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
    data({
      id: 'chatcmpl-bench',
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_bench',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    })
  const units = content.text.map((text) => chunk({ content: text }))
  const tool = content.tool
  if (tool !== undefined) {
    tool.arguments.forEach((fragment, index) => {
      const call =
        index === 0
          ? {
              index: 0,
              id: tool.id,
              type: 'function',
              function: { name: tool.name, arguments: fragment },
            }
          : { index: 0, function: { arguments: fragment } }
      units.push(chunk({ tool_calls: [call] }))
    })
  }
  units[0] = chunk({ role: 'assistant', content: '' }) + (units[0] ?? '')
  const usage = data({
    id: 'chatcmpl-bench',
    object: 'chat.completion.chunk',
    created,
    model,
    choices: [],
    usage: usageOf(content),
  })
  const ending = chunk({}, tool === undefined ? 'stop' : 'tool_calls') + usage + 'data: [DONE]\n\n'
  units[units.length - 1] = (units[units.length - 1] ?? '') + ending
  return encodeUnits('text/event-stream', units)
}

/**
 * The same answer as one Chat Completions JSON body.
 *
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export function openAIJson(content: AnswerContent): EncodedAnswer {
  const tool = content.tool
  const body = {
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created,
    model,
    system_fingerprint: 'fp_bench',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: content.text.join(''),
          ...(tool === undefined
            ? {}
            : {
                tool_calls: [
                  {
                    id: tool.id,
                    type: 'function',
                    function: { name: tool.name, arguments: tool.arguments.join('') },
                  },
                ],
              }),
        },
        logprobs: null,
        finish_reason: tool === undefined ? 'stop' : 'tool_calls',
      },
    ],
    usage: usageOf(content),
  }
  return encodeUnits('application/json', [JSON.stringify(body)])
}

function usageOf(content: AnswerContent) {
  return {
    prompt_tokens: content.inputTokens,
    completion_tokens: content.outputTokens,
    total_tokens: content.inputTokens + content.outputTokens,
    prompt_tokens_details: { cached_tokens: 0 },
  }
}
