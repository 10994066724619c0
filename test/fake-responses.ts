import { fakeUpstream, type SeenRequest } from './helpers.ts'

/** What the fake Responses API answers to one request. */
export interface ResponsesAnswer {
  text?: string
  /** A reasoning summary, sent before the text. */
  reasoning?: string
  /** Pages a web search found, cited by the text (`url_citation` annotations). */
  citations?: { url: string; title: string }[]
  toolCalls?: { id: string; name: string; arguments: string }[]
  usage?: {
    input_tokens: number
    output_tokens: number
    cached_tokens?: number
    reasoning_tokens?: number
  }
  /** Ends `incomplete` for this reason instead of `completed`. */
  incomplete?: 'max_output_tokens' | 'content_filter'
  /** Ends the stream with `response.failed` carrying this message. */
  fail?: string
  /** Stops the stream after this many events, with no terminal event. */
  cutAfter?: number
}

export interface ResponsesRequestBody {
  model: string
  input: Record<string, unknown>[]
  stream?: boolean
  tools?: Record<string, unknown>[]
  [key: string]: unknown
}

/**
 * A fake OpenAI Responses API on port 0. Each request is checked first as the real API checks
 * it (input item shapes, function-call outputs that answer an earlier call, tools that are not
 * strict, no Chat Completions fields); one it would refuse is answered 400 and fails the test.
 * Answers use the API's exact framing: `event:` lines, `sequence_number`, the response object
 * in `response.created` and `response.completed`.
 *
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export function fakeResponses(
  answer: (body: ResponsesRequestBody, index: number) => ResponsesAnswer,
) {
  return fakeUpstream((request: SeenRequest, index) => {
    const body = JSON.parse(request.body) as ResponsesRequestBody
    const problems = responsesProblems(body)
    if (problems.length > 0) {
      return Response.json(
        {
          error: {
            message: `fake rejected the request: ${problems.join('; ')}`,
            type: 'invalid_request_error',
          },
        },
        { status: 400 },
      )
    }
    const reply = answer(body, index)
    return body.stream === true
      ? new Response(responsesSse(body.model, reply), {
          headers: { 'content-type': 'text/event-stream' },
        })
      : Response.json(responseObject(body.model, reply, 'final'))
  })
}

/** Whether the request carries tool results (the model has called tools before). */
export function answersFunctionCalls(body: ResponsesRequestBody): boolean {
  return body.input.some((item) => item.type === 'function_call_output')
}

function responsesProblems(body: ResponsesRequestBody): string[] {
  const problems: string[] = []
  for (const field of [
    'messages',
    'max_tokens',
    'max_completion_tokens',
    'stream_options',
    'stop',
    'reasoning_effort',
  ]) {
    if (field in body) problems.push(`${field} is not a Responses API field`)
  }
  if (body.store !== false) problems.push('store should be false')
  if (typeof body.max_output_tokens === 'number' && body.max_output_tokens < 16)
    problems.push('max_output_tokens below 16')
  const calls = new Set<string>()
  body.input.forEach((item, position) => {
    const where = `input[${position}]`
    if (item.type === 'function_call') {
      if (
        typeof item.call_id !== 'string' ||
        typeof item.name !== 'string' ||
        typeof item.arguments !== 'string'
      )
        problems.push(`${where}: a function_call needs call_id, name and arguments as strings`)
      calls.add(String(item.call_id))
    } else if (item.type === 'function_call_output') {
      if (typeof item.output !== 'string') problems.push(`${where}: output should be a string`)
      if (!calls.has(String(item.call_id)))
        problems.push(`${where}: no tool call found for call_id ${String(item.call_id)}`)
    } else if (item.type === 'message' || item.type === undefined) {
      const role = item.role
      if (!['system', 'developer', 'user', 'assistant'].includes(String(role)))
        problems.push(`${where}: role ${String(role)}`)
      const content = item.content
      if (typeof content === 'string') return
      if (!Array.isArray(content)) {
        problems.push(`${where}: content should be a string or parts`)
        return
      }
      for (const part of content as Record<string, unknown>[]) {
        const allowed =
          role === 'assistant'
            ? ['output_text', 'refusal']
            : ['input_text', 'input_image', 'input_file']
        if (!allowed.includes(String(part.type)))
          problems.push(`${where}: a ${String(role)} part of type ${String(part.type)}`)
      }
    } else {
      problems.push(`${where}: unknown item type ${String(item.type)}`)
    }
  })
  for (const tool of body.tools ?? []) {
    if (tool.type === 'web_search') continue
    if (tool.type !== 'function' || typeof tool.name !== 'string' || 'function' in tool)
      problems.push(`tool ${String(tool.name)} is not a Responses function tool`)
    if (tool.strict !== false) problems.push(`tool ${String(tool.name)} would be strict`)
  }
  return problems
}

type Item = Record<string, unknown>

function outputItems(reply: ResponsesAnswer): Item[] {
  const items: Item[] = []
  if (reply.reasoning !== undefined)
    items.push({
      id: 'rs_1',
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: reply.reasoning }],
    })
  if (reply.text !== undefined)
    items.push({
      id: 'msg_1',
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: reply.text, annotations: annotationsOf(reply) }],
    })
  for (const call of reply.toolCalls ?? [])
    items.push({
      id: `fc_${call.id}`,
      type: 'function_call',
      status: 'completed',
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
    })
  return items
}

function responseObject(model: string, reply: ResponsesAnswer, stage: 'start' | 'final'): Item {
  const usage = reply.usage ?? { input_tokens: 12, output_tokens: 5 }
  const status =
    stage === 'start'
      ? 'in_progress'
      : reply.fail !== undefined
        ? 'failed'
        : reply.incomplete !== undefined
          ? 'incomplete'
          : 'completed'
  return {
    id: 'resp_fake',
    object: 'response',
    created_at: 1_700_000_000,
    status,
    model,
    output: stage === 'start' ? [] : outputItems(reply),
    error:
      stage === 'final' && reply.fail !== undefined
        ? { code: 'server_error', message: reply.fail }
        : null,
    incomplete_details:
      stage === 'final' && reply.incomplete !== undefined ? { reason: reply.incomplete } : null,
    usage:
      stage === 'start'
        ? null
        : {
            input_tokens: usage.input_tokens,
            input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
            output_tokens: usage.output_tokens,
            output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
            total_tokens: usage.input_tokens + usage.output_tokens,
          },
  }
}

/** The answer as the Responses API streams it, deltas in small pieces. */
export function responsesSse(model: string, reply: ResponsesAnswer): string {
  const events: Item[] = []
  const add = (type: string, fields: Item) => events.push({ type, ...fields })
  add('response.created', { response: responseObject(model, reply, 'start') })
  add('response.in_progress', { response: responseObject(model, reply, 'start') })
  outputItems(reply).forEach((item, outputIndex) => {
    const id = item.id
    if (item.type === 'reasoning') {
      add('response.output_item.added', {
        output_index: outputIndex,
        item: { id, type: 'reasoning', summary: [] },
      })
      add('response.reasoning_summary_part.added', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      })
      for (const piece of pieces(reply.reasoning ?? ''))
        add('response.reasoning_summary_text.delta', {
          item_id: id,
          output_index: outputIndex,
          summary_index: 0,
          delta: piece,
        })
      add('response.reasoning_summary_text.done', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        text: reply.reasoning,
      })
      add('response.reasoning_summary_part.done', {
        item_id: id,
        output_index: outputIndex,
        summary_index: 0,
        part: { type: 'summary_text', text: reply.reasoning },
      })
    } else if (item.type === 'message') {
      add('response.output_item.added', {
        output_index: outputIndex,
        item: { id, type: 'message', status: 'in_progress', role: 'assistant', content: [] },
      })
      add('response.content_part.added', {
        item_id: id,
        output_index: outputIndex,
        content_index: 0,
        part: { type: 'output_text', text: '', annotations: [] },
      })
      for (const piece of pieces(reply.text ?? ''))
        add('response.output_text.delta', {
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          delta: piece,
          logprobs: [],
        })
      annotationsOf(reply).forEach((annotation, annotationIndex) =>
        add('response.output_text.annotation.added', {
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          annotation_index: annotationIndex,
          annotation,
        }),
      )
      add('response.output_text.done', {
        item_id: id,
        output_index: outputIndex,
        content_index: 0,
        text: reply.text,
        logprobs: [],
      })
      add('response.content_part.done', {
        item_id: id,
        output_index: outputIndex,
        content_index: 0,
        part: { type: 'output_text', text: reply.text, annotations: [] },
      })
    } else {
      add('response.output_item.added', {
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', arguments: '' },
      })
      for (const piece of pieces(String(item.arguments)))
        add('response.function_call_arguments.delta', {
          item_id: id,
          output_index: outputIndex,
          delta: piece,
        })
      add('response.function_call_arguments.done', {
        item_id: id,
        output_index: outputIndex,
        arguments: item.arguments,
      })
    }
    add('response.output_item.done', { output_index: outputIndex, item })
  })
  const final = responseObject(model, reply, 'final')
  const terminal =
    reply.fail !== undefined
      ? 'response.failed'
      : reply.incomplete !== undefined
        ? 'response.incomplete'
        : 'response.completed'
  add(terminal, { response: final })
  const sent = reply.cutAfter === undefined ? events : events.slice(0, reply.cutAfter)
  return sent
    .map(
      (event, sequence) =>
        `event: ${String(event.type)}\ndata: ${JSON.stringify({ ...event, sequence_number: sequence })}\n\n`,
    )
    .join('')
}

function pieces(text: string): string[] {
  const size = 7
  const parts: string[] = []
  for (let at = 0; at < text.length; at += size) parts.push(text.slice(at, at + size))
  return parts
}

function annotationsOf(reply: ResponsesAnswer): Item[] {
  return (reply.citations ?? []).map((citation) => ({
    type: 'url_citation',
    start_index: 0,
    end_index: (reply.text ?? '').length,
    url: citation.url,
    title: citation.title,
  }))
}
