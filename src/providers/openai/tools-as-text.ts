import type { ChatMessage, ChatTool } from './api.ts'
import type { ConvertedRequest } from './convert-request.ts'

/**
 * A model whose server takes no tools (Ollama answers "… does not support tools" for a model
 * whose template has none) can still call them the way Hermes and Qwen models are taught to:
 * the tools described in the system prompt, calls written as `<tool_call>` text (read back by
 * `text-tool-calls.ts`), results given as `<tool_response>` text. The conversation's earlier
 * calls and results are written the same way, since such a template has no place for them
 * either.
 *
 * @see https://qwen.readthedocs.io/en/latest/framework/function_call.html
 */
export function withToolsAsText(converted: ConvertedRequest): ConvertedRequest | undefined {
  const { tools, tool_choice: _choice, parallel_tool_calls: _parallel, ...body } = converted.body
  if (tools === undefined || tools.length === 0) return undefined
  const prompt = toolsPrompt(tools)
  const messages: ChatMessage[] = []
  for (const message of converted.body.messages) {
    if (message.role === 'assistant' && message.tool_calls !== undefined) {
      const calls = message.tool_calls.map(
        (call) =>
          `<tool_call>\n{"name": ${JSON.stringify(call.function.name)}, "arguments": ${call.function.arguments}}\n</tool_call>`,
      )
      const text = [message.content ?? '', ...calls].filter((part) => part !== '').join('\n')
      messages.push({ role: 'assistant', content: text })
    } else if (message.role === 'tool') {
      const content =
        typeof message.content === 'string'
          ? message.content
          : message.content.map((part) => part.text).join('\n\n')
      const response = `<tool_response>\n${content}\n</tool_response>`
      const last = messages.at(-1)
      // Results of one step's calls together, as one user turn.
      if (
        last?.role === 'user' &&
        typeof last.content === 'string' &&
        last.content.startsWith('<tool_response>')
      )
        messages[messages.length - 1] = { role: 'user', content: `${last.content}\n${response}` }
      else messages.push({ role: 'user', content: response })
    } else {
      messages.push(message)
    }
  }
  const first = messages[0]
  if (first?.role === 'system') {
    const text =
      typeof first.content === 'string'
        ? first.content
        : first.content.map((part) => part.text).join('\n\n')
    messages[0] = { role: 'system', content: `${text}\n\n${prompt}` }
  } else {
    messages.unshift({ role: 'system', content: prompt })
  }
  return { body: { ...body, messages }, warnings: converted.warnings }
}

/** The tools as Hermes and Qwen templates describe them. */
function toolsPrompt(tools: readonly ChatTool[]): string {
  const described = tools.map((tool) => JSON.stringify(tool)).join('\n')
  return (
    '# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
    'You are provided with function signatures within <tools></tools> XML tags:\n' +
    `<tools>\n${described}\n</tools>\n\n` +
    'For each function call, return a json object with function name and arguments within ' +
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": ' +
    '<args-json-object>}\n</tool_call>'
  )
}

/** Whether a provider's 400 says the model takes no tools. */
export function refusedTools(message: string): boolean {
  return /does not support tools|tools? (is|are) not supported|not support(ed)? (function|tool) call/i.test(
    message,
  )
}
