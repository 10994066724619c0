import type { Tool } from '../../protocol/messages.ts'
import type { ChatTool } from './api.ts'

/**
 * Converted tools and their JSON, remembered by content. Claude Code sends the same dozen
 * tools (~30 KB of JSON) on every request of a session; converting and serialising them again
 * each time was a fifth of the router's CPU per request. A tool is recognised by a hash of its
 * name, description and schema (a walk, no serialising); its conversion and JSON text are made
 * once and shared. Bounded, least recently used first out.
 */
export function createToolMemo(limit = 512) {
  const converted = new Map<number | bigint, ChatTool>()
  const json = new WeakMap<ChatTool, string>()
  return {
    /** The converted tool, made by `convert` the first time this content is seen. */
    convert(tool: Tool, convert: (tool: Tool) => ChatTool): ChatTool {
      const key = fingerprint(tool)
      const known = converted.get(key)
      if (known !== undefined) {
        converted.delete(key)
        converted.set(key, known)
        return known
      }
      const made = convert(tool)
      converted.set(key, made)
      if (converted.size > limit) converted.delete(converted.keys().next().value!)
      return made
    },
    /** A converted tool's JSON text, serialised once. */
    json(tool: ChatTool): string {
      let text = json.get(tool)
      if (text === undefined) {
        text = JSON.stringify(tool)
        json.set(tool, text)
      }
      return text
    },
  }
}

export type ToolMemo = ReturnType<typeof createToolMemo>

/** A hash of what a converted tool depends on: its name, description and schema, in order. */
function fingerprint(tool: Tool): number | bigint {
  const parts: string[] = [
    `n${tool.name.length}:${tool.name}`,
    tool.description === undefined ? 'd' : `d${tool.description.length}:${tool.description}`,
  ]
  collect(tool.input_schema, parts)
  return Bun.hash(parts.join('\u0001'))
}

/** The schema as a flat list of tagged tokens: keys, strings, numbers, structure. */
function collect(value: unknown, parts: string[]): void {
  // Length-prefixed, so no string can pass for structure.
  if (typeof value === 'string') parts.push(`s${value.length}:${value}`)
  else if (typeof value !== 'object' || value === null) parts.push(`p${String(value)}`)
  else if (Array.isArray(value)) {
    parts.push('[')
    for (const item of value) collect(item, parts)
    parts.push(']')
  } else {
    parts.push('{')
    for (const key in value) {
      parts.push(`k${key.length}:${key}`)
      collect((value as Record<string, unknown>)[key], parts)
    }
    parts.push('}')
  }
}
