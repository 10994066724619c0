import type { Tool } from '../../protocol/messages.ts'
import type { ChatTool } from './api.ts'
import { recordReports, type WarningCollector } from './conversion-warnings.ts'
import { convertToolList } from './convert-tools.ts'

/** Distinct tool lists remembered (main agent, subagents, sessions with other MCP servers). */
const capacity = 16

interface Remembered {
  /** The tools' text, exactly as it was when converted. */
  source?: string
  /**
   * Absent for text that is not canonical JSON (known by its hash, so that it is not checked
   * again; a collision there costs a conversion, never a wrong one).
   */
  converted?: {
    tools: ChatTool[]
    /** The converted tools' JSON, UTF-8 encoded: the upstream body is sent as bytes. */
    json: Uint8Array
    reports: (into: WarningCollector) => void
  }
}

const encoder = new TextEncoder()

/** Most recently used last. Keyed by a hash of the source text and the loaded tool names. */
const memo = new Map<string, Remembered>()

/**
 * Claude Code sends the same tools, about 30 KB of JSON, on every request of a session. Their
 * conversion and its JSON are remembered by the text the client sent (`source`: the top-level
 * `tools` value as written) and reused while that text repeats, which saves serialising 60% of
 * the upstream body on every request.
 *
 * Only canonical text is remembered: the first time, the parsed tools are serialised and must
 * equal `source` character for character. A hit then means `source` is the same text as a list
 * converted before, so its parse (this request's `tools`) is the same list; nothing is guessed
 * from a hash. Text that is not canonical (another client's whitespace) is converted every time
 * as before, at the cost of one scan. The conversion depends on the tools and the loaded
 * (ToolSearch) names alone, so those two are the key; what it reported is replayed into this
 * request's `report`. Whoever makes the tool conversion depend on the provider must key it too.
 */
export function rememberedTools(
  source: string,
  tools: readonly Tool[],
  loadedTools: ReadonlySet<string>,
  report: WarningCollector,
): { tools: ChatTool[]; json: Uint8Array } | undefined {
  const loaded = loadedTools.size === 0 ? '' : [...loadedTools].sort().join('\n')
  const key = `${Bun.hash(source).toString(36)}\n${loaded}`
  const found = memo.get(key)
  if (found !== undefined && (found.converted === undefined || found.source === source)) {
    memo.delete(key)
    memo.set(key, found)
    found.converted?.reports(report)
    return found.converted
  }
  const canonical = JSON.stringify(tools)
  const entry: Remembered = {}
  if (canonical === source) {
    const recorded = recordReports()
    const converted = convertToolList(tools, loadedTools, recorded.collector)
    // `canonical`, not `source`: a slice of the request text would keep the whole text alive.
    entry.source = canonical
    entry.converted = {
      tools: converted,
      json: encoder.encode(JSON.stringify(converted)),
      reports: recorded.replay,
    }
  }
  memo.set(key, entry)
  if (memo.size > capacity) memo.delete(memo.keys().next().value ?? key)
  entry.converted?.reports(report)
  return entry.converted
}
