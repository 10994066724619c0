import {
  isContentBlock,
  type MessageParam,
  type MessagesRequest,
  type ToolResultBlock,
  type WireBlock,
} from '../../protocol/messages.ts'
import { isRemembered } from '../../protocol/parse-request.ts'
import { rememberedDetails, type ReasoningDetail } from './reasoning-details.ts'
import { rememberedSignature, skipSignature } from './thought-signatures.ts'
import type { ChatMessage, ChatToolCall } from './api.ts'
import {
  convertDocument,
  convertImage,
  convertToolResult,
  type ContentContext,
  type UserPart,
} from './convert-content.ts'
import { recordReports, type WarningCollector } from './conversion-warnings.ts'

/** Claude Code's first system block: a pseudo-header for Anthropic's billing, not a prompt. */
const billingHeader = 'x-anthropic-billing-header:'

const serverToolBlocks = new Set([
  'server_tool_use',
  'web_search_tool_result',
  'web_fetch_tool_result',
  'code_execution_tool_result',
  'mcp_tool_use',
  'mcp_tool_result',
])

const interruptedResult = 'Error: the tool call was interrupted and returned no result.'

/** What the message conversion reads. */
export interface ConvertMessagesOptions extends ContentContext {
  request: Pick<MessagesRequest, 'system' | 'messages'>
  /** DeepSeek asks for its reasoning back during tool loops: thinking goes to `reasoning_content`. */
  sendsReasoningBack: boolean
  /** Gemini checks each step's thought signature on its first tool call (`thought-signatures.ts`). */
  signsToolCalls: boolean
  /** OpenRouter takes a step's `reasoning_details` back (`reasoning-details.ts`). */
  returnsReasoningDetails: boolean
}

/** A tool_result that answers a call, found ahead of the message that carries it. */
interface Answer {
  block: ToolResultBlock
  field: string
}

/**
 * Anthropic `system` + `messages` → OpenAI messages, in an order strict providers accept: the
 * tool messages answering an assistant's `tool_calls` come right after it (Claude Code puts
 * results and the next turn's text in one user message, sometimes after a system message); a
 * call without a result gets a placeholder result; a result without a call becomes user text.
 *
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages
 */
export function convertMessages(options: ConvertMessagesOptions): ChatMessage[] {
  const { request, report } = options
  const output: ChatMessage[] = []
  const system = convertSystem(request.system, options)
  if (system !== undefined) output.push(system)
  const answers = findAnswers(request.messages)
  const answering = new Set<object>([...answers.values()].map((answer) => answer.block))
  for (const [index, message] of request.messages.entries()) {
    const field = `messages[${index}]`
    const blocks: WireBlock[] = typeof message.content === 'string' ? [] : message.content
    for (const block of blocks) report.countCacheControl(block)
    switch (message.role) {
      case 'system': {
        const content =
          typeof message.content === 'string' ? message.content : systemText(blocks, field, report)
        if (content.trim() !== '') output.push({ role: 'system', content })
        break
      }
      case 'user': {
        const parts = userParts(message, field, answering, options)
        if (parts.length > 0) output.push({ role: 'user', content: userContent(parts) })
        break
      }
      case 'assistant':
        output.push(...assistantTurn(message, field, answers, options))
        break
      default: {
        const unreachable: never = message.role
        report.add('dropped', field, `unknown role ${String(unreachable)}`)
      }
    }
  }
  return output
}

/**
 * The system prompt as one message, or undefined for none. Claude Code sends the same ~7 KB on
 * every request of a session: for blocks the request parser remembered (`isRemembered`, the
 * same frozen list for the same text) the message is made once, with its JSON (see
 * `rememberedMessageJson`), and what its conversion reported is replayed into this request's.
 */
function convertSystem(
  system: MessagesRequest['system'],
  options: ConvertMessagesOptions,
): ChatMessage | undefined {
  if (system === undefined || typeof system === 'string') return systemMessage(system ?? '')
  if (!isRemembered(system)) return systemMessage(systemPrompt(system, options.report))
  let converted = rememberedSystems.get(system)
  if (converted === undefined) {
    const recorded = recordReports()
    const message = systemMessage(systemPrompt(system, recorded.collector))
    if (message !== undefined) {
      Object.freeze(message)
      messageJson.set(message, encoder.encode(JSON.stringify(message)))
    }
    converted = { message, reports: recorded.replay }
    rememberedSystems.set(system, converted)
  }
  converted.reports(options.report)
  return converted.message
}

const rememberedSystems = new WeakMap<
  readonly WireBlock[],
  { message: ChatMessage | undefined; reports: (into: WarningCollector) => void }
>()
const messageJson = new WeakMap<ChatMessage, Uint8Array>()
const encoder = new TextEncoder()

/**
 * `JSON.stringify(message)` as UTF-8, when the message is a remembered system prompt (frozen, the
 * same object on every request of a session): the upstream body is assembled around it.
 */
export function rememberedMessageJson(message: ChatMessage): Uint8Array | undefined {
  return messageJson.get(message)
}

function systemMessage(content: string): ChatMessage | undefined {
  return content === '' ? undefined : { role: 'system', content }
}

function systemPrompt(system: readonly WireBlock[], report: WarningCollector): string {
  for (const block of system) report.countCacheControl(block)
  return systemText(system, 'system', report)
}

/** System blocks → one text, joined with blank lines; the billing pseudo-header is left out. */
function systemText(blocks: readonly WireBlock[], field: string, report: WarningCollector): string {
  const texts: string[] = []
  for (const [index, block] of blocks.entries()) {
    const blockField = `${field}[${index}]`
    if (!isContentBlock(block) || block.type !== 'text') {
      report.add('dropped', blockField, `a ${block.type} block cannot be part of a system message`)
    } else if (block.text.startsWith(billingHeader)) {
      report.add(
        'dropped',
        blockField,
        "Claude Code's billing pseudo-header is meant for Anthropic only",
      )
    } else if (block.text !== '') {
      texts.push(block.text)
    }
  }
  return texts.join('\n\n')
}

/** The first tool_result after each tool_use, by id: these are moved up to follow the call. */
function findAnswers(messages: MessageParam[]): Map<string, Answer> {
  const calls = new Set<string>()
  const answers = new Map<string, Answer>()
  for (const [index, message] of messages.entries()) {
    if (typeof message.content === 'string') continue
    for (const [blockIndex, block] of message.content.entries()) {
      if (!isContentBlock(block)) continue
      if (message.role === 'assistant' && block.type === 'tool_use') calls.add(block.id)
      if (message.role !== 'user' || block.type !== 'tool_result') continue
      if (calls.has(block.tool_use_id) && !answers.has(block.tool_use_id)) {
        answers.set(block.tool_use_id, {
          block,
          field: `messages[${index}].content[${blockIndex}]`,
        })
      }
    }
  }
  return answers
}

function userParts(
  message: MessageParam,
  field: string,
  answering: ReadonlySet<object>,
  options: ConvertMessagesOptions,
): UserPart[] {
  if (typeof message.content === 'string') {
    return message.content === '' ? [] : [{ type: 'text', text: message.content }]
  }
  const parts: UserPart[] = []
  for (const [index, block] of message.content.entries()) {
    const blockField = `${field}.content[${index}]`
    // Answers were already sent as tool messages right after their call.
    if (answering.has(block)) continue
    if (!isContentBlock(block)) {
      options.report.add('dropped', blockField, `unknown or malformed block type ${block.type}`)
      continue
    }
    switch (block.type) {
      case 'text':
        if (block.text !== '') parts.push({ type: 'text', text: block.text })
        break
      case 'image': {
        const part = convertImage(block, blockField, options)
        if (part !== undefined) parts.push(part)
        break
      }
      case 'document':
        parts.push(convertDocument(block, blockField, options))
        break
      case 'tool_result': {
        const result = convertToolResult(block, blockField, options)
        options.report.add(
          'changed',
          blockField,
          'a tool_result without a matching earlier tool_use is sent as user text',
        )
        parts.push(
          { type: 'text', text: `Result of tool call ${block.tool_use_id}:\n${result.text}` },
          ...result.attachments,
        )
        break
      }
      default:
        dropMisplaced(block.type, blockField, 'user', options)
    }
  }
  return parts
}

/** Text-only content as one string: several providers (DeepSeek among them) take only strings. */
function userContent(parts: UserPart[]): string | UserPart[] {
  const texts = parts.flatMap((part) => (part.type === 'text' ? [part.text] : []))
  return texts.length === parts.length ? texts.join('\n\n') : parts
}

/** An assistant message, then the tool messages answering its calls, then their attachments. */
function assistantTurn(
  message: MessageParam,
  field: string,
  answers: ReadonlyMap<string, Answer>,
  options: ConvertMessagesOptions,
): ChatMessage[] {
  const { report } = options
  const texts: string[] = typeof message.content === 'string' ? [message.content] : []
  const blocks: WireBlock[] = typeof message.content === 'string' ? [] : message.content
  const reasoning: string[] = []
  const calls: Array<ChatToolCall & { field: string }> = []
  for (const [index, block] of blocks.entries()) {
    const blockField = `${field}.content[${index}]`
    if (!isContentBlock(block)) {
      report.add('dropped', blockField, `unknown or malformed block type ${block.type}`)
      continue
    }
    switch (block.type) {
      case 'text':
        if (block.text !== '') texts.push(block.text)
        break
      case 'tool_use': {
        const call = { name: block.name, arguments: JSON.stringify(block.input ?? {}) }
        calls.push({ id: block.id, type: 'function', function: call, field: blockField })
        break
      }
      case 'thinking':
        // Thinking signed `ccr:` came from another provider's reasoning through ccr: same rule.
        if (options.sendsReasoningBack) reasoning.push(block.thinking)
        else report.add('dropped', blockField, 'thinking blocks are not sent back to this provider')
        break
      case 'redacted_thinking':
        report.add('dropped', blockField, 'redacted thinking is encrypted for Anthropic only')
        break
      default:
        dropMisplaced(block.type, blockField, 'assistant', options)
    }
  }
  const content = texts.filter((value) => value !== '').join('\n\n')
  if (content === '' && calls.length === 0) {
    if (reasoning.length > 0) {
      report.add('dropped', field, 'an assistant message with only thinking is not sent')
    }
    return []
  }
  const turn: ChatMessage[] = [
    {
      role: 'assistant',
      content: content === '' ? null : content,
      ...(calls.length > 0
        ? {
            tool_calls: calls.map(({ field: _field, ...call }, position) =>
              options.signsToolCalls ? signed(call, position === 0) : call,
            ),
          }
        : {}),
      ...(reasoning.length > 0 ? { reasoning_content: reasoning.join('\n\n') } : {}),
      ...reasoningDetails(calls[0]?.id, options),
    },
  ]
  const attachments: UserPart[] = []
  for (const call of calls) {
    const answer = answers.get(call.id)
    if (answer === undefined) {
      report.add(
        'changed',
        call.field,
        'a tool_use without a tool_result (interrupted turn) gets a placeholder result',
      )
      turn.push({ role: 'tool', tool_call_id: call.id, content: interruptedResult })
      continue
    }
    const result = convertToolResult(answer.block, answer.field, options)
    turn.push({ role: 'tool', tool_call_id: call.id, content: result.text })
    if (result.attachments.length > 0) {
      report.add(
        'changed',
        answer.field,
        'tool result images and files are sent in a user message after the tool messages',
      )
      attachments.push(attachmentLabel(call), ...result.attachments)
    }
  }
  if (attachments.length > 0) turn.push({ role: 'user', content: attachments })
  return turn
}

function attachmentLabel(call: ChatToolCall): UserPart {
  return {
    type: 'text',
    text: `Attachments returned by tool call ${call.id} (${call.function.name}):`,
  }
}

/** A known block in a role where OpenAI has no place for it (server tools: in any role). */
function dropMisplaced(
  type: string,
  field: string,
  role: 'user' | 'assistant',
  options: ConvertMessagesOptions,
): void {
  const details = serverToolBlocks.has(type)
    ? 'Anthropic server tool blocks have no OpenAI equivalent'
    : `a ${type} block cannot be part of ${role === 'user' ? 'a user' : 'an assistant'} message`
  options.report.add('dropped', field, details)
}

/** A call with its remembered signature; the step's first call with Google's stand-in if none. */
function signed(call: ChatToolCall, first: boolean): ChatToolCall {
  const signature = rememberedSignature(call.id) ?? (first ? skipSignature : undefined)
  if (signature === undefined) return call
  return { ...call, extra_content: { google: { thought_signature: signature } } }
}

/** A step's remembered `reasoning_details`, for OpenRouter. */
function reasoningDetails(
  firstCallId: string | undefined,
  options: ConvertMessagesOptions,
): { reasoning_details?: ReasoningDetail[] } {
  if (!options.returnsReasoningDetails || firstCallId === undefined) return {}
  const details = rememberedDetails(firstCallId)
  return details === undefined ? {} : { reasoning_details: details }
}
