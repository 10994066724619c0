import { isRemembered } from '../../protocol/parse-request.ts'
import type { Tool } from '../../protocol/messages.ts'
import type { ChatTool } from './api.ts'
import { recordReports, type WarningCollector } from './conversion-warnings.ts'
import { convertToolList } from './convert-tools.ts'

/** Conversions kept per tool list: one per set of ToolSearch-loaded names. */
const perList = 8

interface Converted {
  tools: ChatTool[]
  /** The converted tools' JSON, UTF-8 encoded: the upstream body is sent as bytes. */
  json: Uint8Array
  reports: (into: WarningCollector) => void
}

const encoder = new TextEncoder()
const memo = new WeakMap<readonly Tool[], Map<string, Converted>>()

/**
 * Claude Code sends the same tools, about 30 KB of JSON, on every request of a session. For a
 * list the request parser remembered (`isRemembered`: the same frozen object for the
 * same text), the conversion and its JSON are made once and reused, which saves converting
 * and serialising 60% of the upstream body on every request; what the conversion reported is
 * replayed into this request's `report`. The conversion depends on the tools and the loaded
 * (ToolSearch) names alone, so those two are the key; whoever makes it depend on the provider
 * must key it too. Entries go when the parser forgets the list.
 */
export function rememberedTools(
  tools: readonly Tool[],
  loadedTools: ReadonlySet<string>,
  report: WarningCollector,
): Converted | undefined {
  if (!isRemembered(tools)) return undefined
  const loaded = loadedTools.size === 0 ? '' : [...loadedTools].sort().join('\n')
  let byLoaded = memo.get(tools)
  if (byLoaded === undefined) {
    byLoaded = new Map()
    memo.set(tools, byLoaded)
  }
  let entry = byLoaded.get(loaded)
  if (entry === undefined) {
    const recorded = recordReports()
    const converted = convertToolList(tools, loadedTools, recorded.collector)
    entry = {
      tools: converted,
      json: encoder.encode(JSON.stringify(converted)),
      reports: recorded.replay,
    }
    if (byLoaded.size >= perList) byLoaded.delete(byLoaded.keys().next().value ?? loaded)
    byLoaded.set(loaded, entry)
  }
  entry.reports(report)
  return entry
}
