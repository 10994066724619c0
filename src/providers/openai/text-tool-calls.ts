import type { Tool } from '../../protocol/messages.ts'
import { isRecord } from '../../lib/is-record.ts'
import { parseJson } from './tool-input.ts'

/**
 * Tool calls a model wrote as text. A local model served without a tool-call parser (vLLM
 * without `--tool-call-parser`, llama.cpp or Ollama with a template that lacks tools) answers a
 * call in its chat template's own syntax, as content: Hermes and Qwen write
 * `<tool_call>{"name": …, "arguments": {…}}</tool_call>`, and some write that object alone as
 * the whole answer. Claude Code would show it as text and stop. Such a call is taken for a
 * tool_use when it names one of the request's tools and its arguments are an object;
 * anything else stays text, word for word.
 *
 * @see https://qwen.readthedocs.io/en/latest/framework/function_call.html
 * @see https://docs.vllm.ai/en/latest/features/tool_calling.html
 */

const open = '<tool_call>'
const close = '</tool_call>'

export interface TextToolCall {
  name: string
  /** The arguments as JSON text (an object). */
  arguments: string
}

/** The request's tool names, made when first needed: most answers never ask. */
export type ToolNames = () => ReadonlySet<string>

export function toolNamesOf(tools: readonly Tool[] | undefined): ToolNames | undefined {
  if (tools === undefined || tools.length === 0) return undefined
  let names: Set<string> | undefined
  return () => (names ??= new Set(tools.map((tool) => tool.name)))
}

/** A whole answer's text, split into what stays text and the calls written in it. */
export function extractToolCalls(
  text: string,
  names: ToolNames,
): { text: string; calls: TextToolCall[] } {
  const calls: TextToolCall[] = []
  let kept = ''
  const extractor = createTextToolCallReader(names, {
    text: (piece) => {
      kept += piece
    },
    call: (call) => calls.push(call),
  })
  extractor.push(text)
  extractor.end()
  return { text: kept, calls }
}

export interface TextToolCallReader {
  push(text: string): void
  /** The answer ended: what was held back goes out. */
  end(): void
}

/**
 * The streaming form: text in as it comes, text and calls out in order. Text that may be the
 * start of a `<tool_call>` tag is held until the next piece tells; an answer whose first
 * character is `{` is held whole, since only its end tells whether it was a call.
 */
export function createTextToolCallReader(
  names: ToolNames,
  out: { text(text: string): void; call(call: TextToolCall): void },
): TextToolCallReader {
  let state: 'start' | 'text' | 'tag' | 'object' = 'start'
  let held = ''
  /**
   * Whitespace after a call, kept back until text follows: a block of only whitespace between
   * or after calls is noise, and one Anthropic refuses when the history goes there.
   */
  let afterCall: string | undefined

  const emitText = (text: string) => {
    if (text === '') return
    if (afterCall !== undefined) {
      if (text.trim() === '') {
        afterCall += text
        return
      }
      text = afterCall + text
      afterCall = undefined
    }
    out.text(text)
  }
  const emitCall = (call: TextToolCall) => {
    afterCall = ''
    out.call(call)
  }

  /** The text of a call, or undefined when it is not one of the request's tools. */
  const asCall = (json: string): TextToolCall | undefined => {
    const parsed = parseJson(json.trim())
    if (!parsed.ok || !isRecord(parsed.value)) return undefined
    const { name } = parsed.value
    let args: unknown = parsed.value.arguments ?? parsed.value.parameters ?? {}
    if (typeof args === 'string') {
      const inner = parseJson(args)
      args = inner.ok ? inner.value : undefined
    }
    if (typeof name !== 'string' || !names().has(name) || !isRecord(args)) return undefined
    return { name, arguments: JSON.stringify(args) }
  }

  const tagged = (inside: string) => {
    const call = asCall(inside)
    if (call === undefined) emitText(open + inside + close)
    else emitCall(call)
  }

  const read = () => {
    for (;;) {
      if (state === 'tag') {
        const end = held.indexOf(close)
        if (end === -1) return
        const inside = held.slice(0, end)
        held = held.slice(end + close.length)
        state = 'text'
        tagged(inside)
        continue
      }
      const at = held.indexOf(open)
      if (at === -1) {
        // Keep back the end that could still become the tag.
        const keep = partialTagLength(held)
        emitText(held.slice(0, held.length - keep))
        held = held.slice(held.length - keep)
        return
      }
      emitText(held.slice(0, at))
      held = held.slice(at + open.length)
      state = 'tag'
    }
  }

  return {
    push(text) {
      // The usual piece: plain text, nothing held.
      if (state === 'text' && held === '' && afterCall === undefined && !text.includes('<'))
        return out.text(text)
      held += text
      if (state === 'start') {
        const trimmed = held.trimStart()
        if (trimmed === '') return
        state = trimmed.startsWith('{') ? 'object' : 'text'
      }
      if (state !== 'object') read()
    },
    end() {
      if (state === 'object' || state === 'tag') {
        // A whole answer that is one object, or a model that stopped without the closing tag.
        const call = asCall(held)
        if (call !== undefined) emitCall(call)
        else emitText(state === 'tag' ? open + held : held)
      } else {
        emitText(held)
      }
      held = ''
      state = 'text'
    },
  }
}

/** How many characters at the end of `text` begin the opening tag (which has one `<`). */
function partialTagLength(text: string): number {
  const at = text.lastIndexOf('<')
  if (at === -1) return 0
  return open.startsWith(text.slice(at)) ? text.length - at : 0
}
