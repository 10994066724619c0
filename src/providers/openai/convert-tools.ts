import { isRecord } from '../../lib/is-record.ts'
import type { MessagesRequest, Tool, ToolChoice } from '../../protocol/messages.ts'
import type { ChatRequest, ChatTool, ChatToolChoice } from './api.ts'
import type { WarningCollector } from './conversion-warnings.ts'

/** The tool fields this converter reads; others (`strict`, `input_examples`, …) are reported. */
const readToolFields = new Set([
  'name',
  'type',
  'description',
  'input_schema',
  'defer_loading',
  'cache_control',
])

/** The request fields that carry tools; all absent when no tool is left. */
export type ToolFields = Pick<ChatRequest, 'tools' | 'tool_choice' | 'parallel_tool_calls'>

/**
 * The tool fields of a request from its converted tools: with no tool left, `tool_choice` goes
 * too, since OpenAI rejects it without tools.
 */
export function toolFields(
  tools: ChatTool[],
  choice: ToolChoice | undefined,
  report: WarningCollector,
): ToolFields {
  if (tools.length === 0) {
    if (choice !== undefined && choice.type !== 'none') {
      report.add('dropped', 'tool_choice', 'no tools left to choose from')
    }
    return {}
  }
  const fields: ToolFields = { tools }
  if (choice === undefined) return fields
  fields.tool_choice = toolChoice(choice, tools, report)
  if (choice.disable_parallel_tool_use === true) fields.parallel_tool_calls = false
  return fields
}

/**
 * Anthropic tools → OpenAI function tools. Server tools (`web_search_20250305`, `bash_…`) run
 * on Anthropic's side and have no equivalent; deferred tools stay out until ToolSearch loads
 * them, as they would on Anthropic. Depends on the tools and the loaded names alone, which is
 * what lets `tools-memo.ts` reuse the result.
 *
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/tool-search-tool
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-tools
 */
export function convertToolList(
  requestTools: readonly Tool[],
  loadedTools: ReadonlySet<string>,
  report: WarningCollector,
): ChatTool[] {
  const tools: ChatTool[] = []
  const deferred: Array<{ field: string; name: string }> = []
  for (const [index, tool] of requestTools.entries()) {
    const field = `tools[${index}]`
    report.countCacheControl(tool)
    if (tool.type !== undefined && tool.type !== 'custom') {
      report.add(
        'dropped',
        field,
        `Anthropic server tool ${tool.type} (${tool.name}) only runs on Anthropic`,
      )
      continue
    }
    if (tool.defer_loading === true && !loadedTools.has(tool.name)) {
      deferred.push({ field, name: tool.name })
      continue
    }
    for (const [key, value] of Object.entries(tool)) {
      if (!readToolFields.has(key) && value !== undefined) {
        report.add('dropped', `${field}.${key}`, 'not supported by OpenAI function tools')
      }
    }
    tools.push(functionTool(tool))
  }
  if (deferred.length > 0) {
    report.add(
      'dropped',
      deferred.map((tool) => tool.field).join(', '),
      `deferred tools left out until ToolSearch loads them: ${deferred.map((tool) => tool.name).join(', ')}`,
    )
  }
  return tools
}

function functionTool(tool: Tool): ChatTool {
  const parameters = cleanSchema(tool.input_schema)
  return {
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: isRecord(parameters) ? parameters : { type: 'object', properties: {} },
    },
  }
}

function toolChoice(
  choice: ToolChoice,
  tools: ChatTool[],
  report: WarningCollector,
): ChatToolChoice {
  switch (choice.type) {
    case 'auto':
      return 'auto'
    case 'any':
      return 'required'
    case 'none':
      return 'none'
    case 'tool': {
      const name = choice.name
      if (name !== undefined && tools.some((tool) => tool.function.name === name)) {
        return { type: 'function', function: { name } }
      }
      report.add(
        'changed',
        'tool_choice.name',
        `tool ${name ?? '(none)'} is not sent, so a call to some tool is required instead`,
      )
      return 'required'
    }
    default: {
      const unreachable: never = choice.type
      return unreachable
    }
  }
}

/** Keywords whose value maps names to schemas: the names are data, the values are schemas. */
const schemaMaps = new Set([
  'properties',
  'patternProperties',
  '$defs',
  'definitions',
  'dependentSchemas',
])
/** Keywords whose value is data, not a schema: left exactly as written. */
const dataKeywords = new Set(['enum', 'const', 'default', 'examples'])

/**
 * A tool's JSON Schema as strict providers accept it: no `$schema` (Groq rejects it; it only
 * names the dialect, so dropping it changes nothing and is not reported) and no undefined
 * values. A parameter that is itself named `$schema` is kept.
 *
 * @see https://console.groq.com/docs/tool-use
 */
export function cleanSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) {
    let copy: unknown[] | undefined
    schema.forEach((item, index) => {
      const cleaned = cleanSchema(item)
      if (cleaned === item) return
      copy ??= [...schema]
      copy[index] = cleaned
    })
    return copy ?? schema
  }
  if (!isRecord(schema)) return schema
  // Unchanged parts are shared, not copied: Claude Code sends the same schemas on every
  // request, and only the top-level `$schema` of each needs to go.
  let copy: Record<string, unknown> | undefined
  for (const key in schema) {
    const value = schema[key]
    const cleaned =
      key === '$schema' || value === undefined
        ? removed
        : dataKeywords.has(key)
          ? value
          : schemaMaps.has(key) && isRecord(value)
            ? cleanSchemaMap(value)
            : cleanSchema(value)
    if (cleaned === value) continue
    copy ??= { ...schema }
    if (cleaned === removed) delete copy[key]
    else copy[key] = cleaned
  }
  return copy ?? schema
}

/** Marks a key to drop while cleaning. */
const removed = Symbol('removed')

function cleanSchemaMap(schemas: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined
  for (const name in schemas) {
    const schema = schemas[name]
    const cleaned = schema === undefined ? removed : cleanSchema(schema)
    if (cleaned === schema) continue
    copy ??= { ...schemas }
    if (cleaned === removed) delete copy[name]
    else copy[name] = cleaned
  }
  return copy ?? schemas
}

/**
 * The tools ToolSearch has loaded: the names in `tool_reference` blocks of tool results. On
 * Anthropic such a reference expands the deferred tool's definition, so these are sent.
 *
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/tool-search-tool
 */
export function loadedToolNames(messages: MessagesRequest['messages']): Set<string> {
  const names = new Set<string>()
  for (const message of messages) {
    if (typeof message.content === 'string') continue
    for (const block of message.content) {
      if (block.type !== 'tool_result' || !('content' in block) || !Array.isArray(block.content)) {
        continue
      }
      for (const inner of block.content) {
        if (
          isRecord(inner) &&
          inner.type === 'tool_reference' &&
          typeof inner.tool_name === 'string'
        ) {
          names.add(inner.tool_name)
        }
      }
    }
  }
  return names
}
