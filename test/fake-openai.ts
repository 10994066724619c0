import { fakeUpstream, type SeenRequest } from './helpers.ts'
import { strictOpenAIProblems } from './providers/openai/strict-openai.ts'

/** What the fake provider answers to one request. */
export interface ChatAnswer {
  text?: string
  /** Sent as DeepSeek's `reasoning_content` before the text. */
  reasoning?: string
  toolCalls?: { id: string; name: string; arguments: string }[]
  usage?: { prompt_tokens: number; completion_tokens: number; cached_tokens?: number }
  /** An HTTP error instead of an answer. */
  status?: number
  headers?: Record<string, string>
}

export interface ChatRequestBody {
  model: string
  stream?: boolean
  messages: { role: string; content?: unknown; tool_calls?: unknown[]; tool_call_id?: string }[]
  [key: string]: unknown
}

/**
 * A fake OpenAI Chat Completions provider on port 0. Every request is checked against the
 * strict OpenAI validator first (a request a strict provider would reject is answered 400 and
 * fails the test), then answered with OpenAI's exact SSE framing or JSON.
 */
export function fakeOpenAI(answer: (body: ChatRequestBody, index: number) => ChatAnswer) {
  const upstream = fakeUpstream((request: SeenRequest, index) => {
    const body = JSON.parse(request.body) as ChatRequestBody
    const problems = strictOpenAIProblems(body, { vendorExtensions: true })
    if (problems.length > 0) {
      return Response.json(
        {
          error: {
            message: `strict fake rejected the request: ${problems.join('; ')}`,
            type: 'invalid_request_error',
          },
        },
        { status: 400 },
      )
    }
    const reply = answer(body, index)
    if (reply.status !== undefined) {
      return Response.json(
        { error: { message: `fake error ${reply.status}`, type: 'server_error' } },
        { status: reply.status, headers: reply.headers },
      )
    }
    return body.stream === true
      ? new Response(chatSse(body.model, reply), {
          headers: { 'content-type': 'text/event-stream' },
        })
      : Response.json(chatCompletion(body.model, reply))
  })
  return upstream
}

/** An answer as OpenAI streams it: role chunk, deltas in small pieces, finish, usage, [DONE]. */
export function chatSse(model: string, reply: ChatAnswer): string {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta, finish_reason: finish }],
  })
  const chunks: unknown[] = [chunk({ role: 'assistant', content: '' })]
  for (const piece of pieces(reply.reasoning)) chunks.push(chunk({ reasoning_content: piece }))
  for (const piece of pieces(reply.text)) chunks.push(chunk({ content: piece }))
  for (const [index, call] of (reply.toolCalls ?? []).entries()) {
    chunks.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } },
        ],
      }),
    )
    for (const piece of pieces(call.arguments))
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }))
  }
  chunks.push(chunk({}, reply.toolCalls === undefined ? 'stop' : 'tool_calls'))
  chunks.push({
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [],
    usage: usageOf(reply),
  })
  return `${chunks.map((data) => `data: ${JSON.stringify(data)}\n\n`).join('')}data: [DONE]\n\n`
}

export function chatCompletion(model: string, reply: ChatAnswer) {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          ...(reply.reasoning === undefined ? {} : { reasoning_content: reply.reasoning }),
          ...(reply.toolCalls === undefined
            ? {}
            : {
                tool_calls: reply.toolCalls.map((call) => ({
                  id: call.id,
                  type: 'function',
                  function: { name: call.name, arguments: call.arguments },
                })),
              }),
        },
        finish_reason: reply.toolCalls === undefined ? 'stop' : 'tool_calls',
      },
    ],
    usage: usageOf(reply),
  }
}

function usageOf(reply: ChatAnswer) {
  const usage = reply.usage ?? { prompt_tokens: 100, completion_tokens: 20 }
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
  }
}

function pieces(text: string | undefined, size = 7): string[] {
  if (text === undefined) return []
  const result: string[] = []
  for (let index = 0; index < text.length; index += size)
    result.push(text.slice(index, index + size))
  return result
}

/** Whether tool results follow the last assistant message (Claude Code ran the tools). */
export function answersTools(body: ChatRequestBody): boolean {
  const lastTool = body.messages.findLastIndex((message) => message.role === 'tool')
  return lastTool > body.messages.findLastIndex((message) => message.role === 'assistant')
}
