import type { ChatRequest } from './api.ts'
import type { ToolMemo } from './tool-memo.ts'

/**
 * The request's JSON text, with the tools' JSON taken from the memo: they are most of a
 * Claude Code request's bytes and the same on every turn. Key order differs from
 * `JSON.stringify(body)` (tools last), which JSON does not care about.
 */
export function serializeChatRequest(body: ChatRequest, memo: ToolMemo): string {
  const { tools, ...rest } = body
  if (tools === undefined || tools.length === 0) return JSON.stringify(body)
  const head = JSON.stringify(rest)
  return `${head.slice(0, -1)},"tools":[${tools.map((tool) => memo.json(tool)).join(',')}]}`
}
