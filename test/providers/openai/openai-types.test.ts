import { expect, test } from 'bun:test'
import type OpenAI from 'openai'
import type {
  ChatMessage,
  ChatRequest,
  ChatTool,
  ChatToolChoice,
} from '../../../src/providers/openai/api.ts'
import { convertRequest } from '../../../src/providers/openai/convert-request.ts'
import type { MessagesRequest } from '../../../src/protocol/messages.ts'

/*
 * A compile-time proof that what ccr sends is a request the official `openai` package accepts:
 * the assignments below fail `tsc` when `api.ts` drifts from OpenAI's types. The vendor fields
 * (`reasoning`, `enable_thinking`, `thinking_budget`, `reasoning_content`) do not get in the
 * way: TypeScript only rejects unknown properties on fresh object literals, so a `ChatRequest`
 * carrying them is still assignable, and the check covers every standard field's type.
 */

const fixtureUrl = new URL(
  '../../fixtures/claude-code/print-thinking/02-main-turn2-tool-result-stream.request.json',
  import.meta.url,
)
const recorded: { body: MessagesRequest } = await Bun.file(fixtureUrl).json()

test('a converted Claude Code request is an OpenAI ChatCompletionCreateParams', () => {
  const { body } = convertRequest({
    request: recorded.body,
    model: 'deepseek-reasoner',
    provider: { name: 'deepseek', endpoint: 'https://api.deepseek.com/chat/completions' },
    modelEntry: { id: 'deepseek-reasoner', reasoning: 'reasoning_effort' },
  })
  const params: OpenAI.Chat.ChatCompletionCreateParams = body
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = body.messages
  const tools: OpenAI.Chat.ChatCompletionTool[] | undefined = body.tools

  expect(params.model).toBe('deepseek-reasoner')
  expect(params.stream).toBe(true)
  expect(params.reasoning_effort).toBe('medium')
  expect(messages.map((message) => message.role)).toEqual([
    'system',
    'user',
    'system',
    'assistant',
    'tool',
  ])
  expect(messages[3]).toMatchObject({
    role: 'assistant',
    reasoning_content: 'The user wants me to follow the script.',
  })
  expect(
    tools?.map((tool) => (tool.type === 'function' ? tool.function.name : tool.custom.name)),
  ).toEqual([
    'Agent',
    'Bash',
    'Edit',
    'ListAgents',
    'Read',
    'ReportFindings',
    'ScheduleWakeup',
    'Skill',
    'ToolSearch',
    'Workflow',
    'Write',
  ])
})

test('each outbound type is assignable to its OpenAI counterpart', () => {
  // Typed helpers: a compile error here names the exact type that drifted.
  const asParams = (request: ChatRequest): OpenAI.Chat.ChatCompletionCreateParams => request
  const asMessage = (message: ChatMessage): OpenAI.Chat.ChatCompletionMessageParam => message
  const asTool = (tool: ChatTool): OpenAI.Chat.ChatCompletionTool => tool
  const asChoice = (choice: ChatToolChoice): OpenAI.Chat.ChatCompletionToolChoiceOption => choice
  const assistantMessage: ChatMessage = {
    role: 'assistant',
    content: null,
    tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'Bash', arguments: '{}' } }],
    reasoning_content: 'vendor field',
  }
  const request: ChatRequest = {
    model: 'm',
    messages: [{ role: 'user', content: 'Hi' }, assistantMessage],
    reasoning: { effort: 'high' },
    enable_thinking: true,
    thinking_budget: 1024,
  }
  expect(asParams(request).messages).toHaveLength(2)
  expect(asMessage(assistantMessage).role).toBe('assistant')
  expect(asTool({ type: 'function', function: { name: 'Bash' } }).type).toBe('function')
  expect(asChoice({ type: 'function', function: { name: 'Bash' } })).toEqual({
    type: 'function',
    function: { name: 'Bash' },
  })
})
