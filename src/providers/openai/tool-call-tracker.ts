import type { BlockWriter } from './block-writer.ts'
import { createJsonScanner, type JsonScanner } from './complete-json.ts'
import { pythonLiteralJson, startsAsPythonDict } from './python-literal.ts'
import { parseJson, toolInputObject } from './tool-input.ts'

/** One `delta.tool_calls[]` entry, as lenient as the providers that send it. */
export interface ToolCallFragment {
  index?: number | null | undefined
  id?: string | null | undefined
  function?:
    { name?: string | null | undefined; arguments?: string | null | undefined } | null | undefined
}

interface ToolCall {
  /** The provider's `index` (or a made-up one when it sends none). */
  index: number
  /** Position among the calls, for messages. */
  position: number
  id: string | undefined
  name: string | undefined
  scanner: JsonScanner
  /** Arguments received but not yet written. */
  pending: string
  /** The beginning of the arguments written so far. */
  written: string
  /** The whole text, once the arguments turned out to be a Python dict (`python-literal.ts`). */
  literal: string | undefined
  /**
   * Whether the arguments are held back until they are whole: decided at their first
   * character, which for an object is `{`. Some models send a JSON string holding the object
   * (encoded twice), which only the whole text can turn into the object Anthropic requires.
   */
  held: boolean | undefined
  /**
   * `waiting`: no block yet (id or name unknown, or behind an unfinished call); `live`: the
   * open block.
   */
  state: 'waiting' | 'live' | 'closed'
}

/**
 * Turns streamed tool-call fragments into tool_use blocks whose input streams live.
 *
 * Calls are written in the order they first appear, one block at a time. A call's block
 * starts once its id and name are known (an id that never comes is made up when the next
 * call starts or the answer ends). While a call's arguments are not yet a complete JSON value,
 * later calls are held back: providers that interleave parallel calls thus still get one
 * block per call. In the usual sequential case a later call arrives exactly when the earlier
 * one is complete, so nothing waits. Arguments that do not start as an object are held until
 * whole and sent as one: a JSON string holding the object (some models encode it twice) as
 * that object, anything else as `{}`, as the non-streaming path does.
 *
 * Failures (arguments that are not JSON, a call without a name, arguments for a call already
 * closed) are returned as messages; the caller ends the stream with an error.
 *
 * @see https://platform.openai.com/docs/api-reference/chat-streaming/streaming
 */
export interface ToolCallTracker {
  push(fragment: ToolCallFragment): string | undefined
  /** Writes and closes every call, repairing truncated arguments. */
  finish(): string | undefined
  /** Forgets the calls not yet closed, when the answer fails. */
  abandon(): void
  /** Whether a call is still open or held back. */
  readonly active: boolean
}

export interface ToolCallTrackerOptions {
  writer: BlockWriter
  newToolId: () => string
}

export function createToolCallTracker(options: ToolCallTrackerOptions): ToolCallTracker {
  const { writer } = options
  const calls: ToolCall[] = []
  /** The latest call for each provider index. */
  const byIndex = new Map<number, ToolCall>()

  const indexOf = (fragment: ToolCallFragment): number => {
    if (typeof fragment.index === 'number') return fragment.index
    // Without `index` a fragment belongs to the call with its id, else to the latest call.
    const id = present(fragment.id)
    if (id === undefined) return calls.at(-1)?.index ?? 0
    return calls.find((call) => call.id === id)?.index ?? -(calls.length + 1)
  }

  const callFor = (fragment: ToolCallFragment): ToolCall => {
    const index = indexOf(fragment)
    const known = byIndex.get(index)
    const id = present(fragment.id)
    // Some providers give every parallel call index 0; a new id means a new call.
    if (known !== undefined && !(id !== undefined && known.id !== undefined && known.id !== id)) {
      return known
    }
    const call: ToolCall = {
      index,
      position: calls.length,
      id: undefined,
      name: undefined,
      scanner: createJsonScanner(),
      pending: '',
      written: '',
      literal: undefined,
      held: undefined,
      state: 'waiting',
    }
    calls.push(call)
    byIndex.set(index, call)
    return call
  }

  const label = (call: ToolCall) =>
    `tool call ${call.position}${call.name === undefined ? '' : ` (${call.name})`}`

  /** Ends a call's arguments: `{}` for none, the closing characters for a truncated object. */
  const complete = (call: ToolCall): string | undefined => {
    if (!call.scanner.started) writer.toolInput('{}')
    else if (call.scanner.state === 'partial') {
      const suffix = call.scanner.suffix()
      if (suffix === undefined) return `The arguments of ${label(call)} are not JSON`
      writer.toolInput(suffix)
    }
    writer.close()
    call.state = 'closed'
    return undefined
  }

  /** Writes what can be written now; with `final`, everything. */
  const pump = (final: boolean): string | undefined => {
    for (const call of calls) {
      if (call.state === 'closed') continue
      const hasLater = call !== calls.at(-1)
      if (call.state === 'waiting') {
        if (call.name === undefined)
          return final ? `The provider never sent the name of ${label(call)}` : undefined
        if (call.id === undefined && !final && !hasLater) return undefined
        call.id ??= options.newToolId()
        writer.openTool(call.id, call.name)
        call.state = 'live'
      }
      if (call.literal !== undefined) {
        // Whole only at the end, or when the next call starts; then the JSON it means is
        // written after what went out before it turned out not to be JSON (`{` and spaces).
        if (!final && !hasLater) return undefined
        const json = pythonLiteralJson(call.literal)
        const head = call.written.replace(/\s+/g, '')
        if (json === undefined || !json.startsWith(head))
          return `The arguments of ${label(call)} are not JSON: ${preview(call.literal)}`
        writer.toolInput(json.slice(head.length))
        writer.close()
        call.state = 'closed'
        continue
      }
      if (call.held === true) {
        if (!final && call.scanner.state !== 'complete') return undefined
        call.pending = asObjectJson(call.pending + (call.scanner.suffix() ?? ''))
        call.held = false
        // What follows is read after the replacement: whitespace, or a late fragment to refuse.
        call.scanner = createJsonScanner()
        call.scanner.feed(call.pending)
      }
      writer.toolInput(call.pending)
      // Only a beginning is ever compared (`startsAsPythonDict`): a long one need not be kept.
      if (call.written.length < 64) call.written += call.pending
      call.pending = ''
      if (final) {
        const failure = complete(call)
        if (failure !== undefined) return failure
        continue
      }
      if (!hasLater || call.scanner.state !== 'complete') return undefined
      writer.close()
      call.state = 'closed'
    }
    return undefined
  }

  return {
    push(fragment) {
      const call = callFor(fragment)
      const text = fragment.function?.arguments ?? ''
      if (call.state === 'closed') {
        return text.trim() === ''
          ? undefined
          : `The provider sent more arguments for ${label(call)} after it was complete`
      }
      call.id ??= present(fragment.id)
      call.name ??= present(fragment.function?.name)
      if (call.literal !== undefined) {
        call.literal += text
      } else if (text !== '') {
        call.scanner.feed(text)
        if (call.scanner.state === 'invalid') {
          const sofar = call.written + call.pending + text
          if (!startsAsPythonDict(sofar))
            return `The arguments of ${label(call)} are not JSON: ${preview(text)}`
          call.literal = sofar
          call.pending = ''
          return pump(false)
        }
        call.pending += text
        if (call.held === undefined && call.scanner.started)
          call.held = !call.pending.trimStart().startsWith('{')
      }
      return pump(false)
    },
    finish: () => pump(true),
    abandon() {
      for (const call of calls) call.state = 'closed'
    },
    get active() {
      return calls.some((call) => call.state !== 'closed')
    },
  }
}

/**
 * Arguments that did not start as an object, as the object's JSON: a JSON string holding an
 * object is unwrapped (as the non-streaming path does); anything else becomes `{}`.
 */
function asObjectJson(text: string): string {
  const parsed = parseJson(text)
  return JSON.stringify((parsed.ok ? toolInputObject(parsed.value) : undefined) ?? {})
}

/** A string field's value, with null and '' (sent by some providers for "unchanged") as absent. */
function present(value: string | null | undefined): string | undefined {
  return value === null || value === '' ? undefined : value
}

function preview(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text
}
