import type { OutputBlock, StreamEvent } from '../../protocol/events.ts'

/**
 * Writes Anthropic content blocks as events, one open block at a time, numbering them in
 * order. Opening a block closes the one before; a thinking block is closed with its signature,
 * because Claude Code sends thinking back only when it is signed.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#event-types
 */
export interface BlockWriter {
  /** Appends reasoning, in the open thinking block or a new one. */
  thinking(text: string): void
  /** Appends text, in the open text block or a new one. */
  text(text: string): void
  /** Opens a tool_use block; its input follows through `toolInput`. */
  openTool(id: string, name: string): void
  /** Appends JSON text to the open tool_use block. */
  toolInput(json: string): void
  /** Closes the open block, if any. */
  close(): void
  /** Whether any tool_use block was written. */
  readonly wroteToolUse: boolean
}

/** The blocks an OpenAI-compatible answer can become. */
type WrittenBlock = Exclude<OutputBlock, { type: 'redacted_thinking' }>

export interface BlockWriterOptions {
  emit: (event: StreamEvent) => void
  thinkingSignature: string
}

export function createBlockWriter(options: BlockWriterOptions): BlockWriter {
  const { emit } = options
  let nextIndex = 0
  let open: { kind: WrittenBlock['type']; index: number } | undefined
  let wroteToolUse = false

  const close = () => {
    if (open === undefined) return
    if (open.kind === 'thinking') {
      const delta = { type: 'signature_delta', signature: options.thinkingSignature } as const
      emit({ type: 'content_block_delta', index: open.index, delta })
    }
    emit({ type: 'content_block_stop', index: open.index })
    open = undefined
  }

  /** Closes the open block and starts `block` as the next one; returns its index. */
  const begin = (block: WrittenBlock): number => {
    close()
    open = { kind: block.type, index: nextIndex }
    nextIndex += 1
    emit({ type: 'content_block_start', index: open.index, content_block: block })
    return open.index
  }

  return {
    thinking(text) {
      if (text === '') return
      const index =
        open?.kind === 'thinking'
          ? open.index
          : begin({ type: 'thinking', thinking: '', signature: '' })
      emit({
        type: 'content_block_delta',
        index,
        delta: { type: 'thinking_delta', thinking: text },
      })
    },
    text(text) {
      if (text === '') return
      const index = open?.kind === 'text' ? open.index : begin({ type: 'text', text: '' })
      emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text } })
    },
    openTool(id, name) {
      wroteToolUse = true
      begin({ type: 'tool_use', id, name, input: {} })
    },
    toolInput(json) {
      if (json === '' || open?.kind !== 'tool_use') return
      emit({
        type: 'content_block_delta',
        index: open.index,
        delta: { type: 'input_json_delta', partial_json: json },
      })
    },
    close,
    get wroteToolUse() {
      return wroteToolUse
    },
  }
}
