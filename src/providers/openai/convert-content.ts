import type { ModelEntry } from '../../config/schema.ts'
import {
  isContentBlock,
  type DocumentBlock,
  type ImageBlock,
  type ToolResultBlock,
} from '../../protocol/messages.ts'
import type { ChatFilePart, ChatImagePart, ChatTextPart } from './api.ts'
import type { WarningCollector } from './conversion-warnings.ts'

/** A part of an OpenAI user message. */
export type UserPart = ChatTextPart | ChatImagePart | ChatFilePart

/** What block conversions need: the model's capabilities and the warning collector. */
export interface ContentContext {
  modelEntry: Pick<ModelEntry, 'vision' | 'documents'>
  report: WarningCollector
}

const text = (value: string): ChatTextPart => ({ type: 'text', text: value })

/**
 * An Anthropic image → an `image_url` part (a data URL for base64). A model configured with
 * `vision: false` gets a placeholder instead, so it knows an image was there. Files API
 * references cannot be fetched by another provider: dropped.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/vision
 * @see https://platform.openai.com/docs/guides/images-vision
 */
export function convertImage(
  block: ImageBlock,
  field: string,
  context: ContentContext,
): UserPart | undefined {
  if (context.modelEntry.vision === false) {
    context.report.add(
      'dropped',
      field,
      'the model does not accept images (vision: false): a placeholder is sent',
    )
    return text('[image omitted: this model cannot see images]')
  }
  const { source } = block
  switch (source.type) {
    case 'base64':
      return {
        type: 'image_url',
        image_url: { url: `data:${source.media_type};base64,${source.data}` },
      }
    case 'url':
      return { type: 'image_url', image_url: { url: source.url } }
    case 'file':
      context.report.add(
        'dropped',
        field,
        'an Anthropic Files API image cannot be read by this provider',
      )
      return undefined
    default: {
      const unreachable: never = source
      return unreachable
    }
  }
}

/**
 * An Anthropic document → a text part for plain-text documents; a `file` part for a base64
 * PDF when the model is configured with `documents: true`; else a placeholder naming it.
 *
 * @see https://docs.anthropic.com/en/docs/build-with-claude/pdf-support
 * @see https://docs.anthropic.com/en/docs/build-with-claude/citations
 * @see https://platform.openai.com/docs/guides/pdf-files
 */
export function convertDocument(
  block: DocumentBlock,
  field: string,
  context: ContentContext,
): UserPart {
  const { source } = block
  const title = typeof block.title === 'string' && block.title !== '' ? block.title : undefined
  const titled = (body: string) => text([title, block.context, body].filter(isFilled).join('\n\n'))
  if (source.type === 'text') return titled(source.data)
  if (source.type === 'content') {
    if (typeof source.content === 'string') return titled(source.content)
    const texts: string[] = []
    for (const [index, inner] of source.content.entries()) {
      if (isContentBlock(inner) && inner.type === 'text') {
        texts.push(inner.text)
      } else {
        const innerField = `${field}.source.content[${index}]`
        context.report.add('dropped', innerField, 'only text is read from a content document')
      }
    }
    return titled(texts.join('\n\n'))
  }
  if (
    source.type === 'base64' &&
    source.media_type === 'application/pdf' &&
    context.modelEntry.documents === true
  ) {
    const file = {
      filename: title ?? 'document.pdf',
      file_data: `data:application/pdf;base64,${source.data}`,
    }
    return { type: 'file', file }
  }
  const kind = source.type === 'base64' ? source.media_type : `a ${source.type} source`
  const why =
    source.type === 'base64' && source.media_type === 'application/pdf'
      ? 'the model is not configured to read PDFs (documents: true)'
      : `this provider cannot read ${kind}`
  context.report.add('dropped', field, `${why}: a placeholder is sent`)
  return text(`[document omitted${title === undefined ? '' : `: ${title}`}; ${why}]`)
}

/** A tool result as OpenAI can carry it: text for the tool message, images and files apart. */
export interface ToolResultContent {
  text: string
  /** Images and files, which OpenAI tool messages cannot hold: sent in a user message. */
  attachments: Array<ChatImagePart | ChatFilePart>
}

/**
 * An Anthropic `tool_result` → the tool message's text plus the attachments it cannot carry.
 * OpenAI has no error flag, so an error says so in its text.
 *
 * @see https://docs.anthropic.com/en/docs/agents-and-tools/tool-use/implement-tool-use#handling-tool-use-and-tool-result-content-blocks
 * @see https://platform.openai.com/docs/guides/function-calling
 */
export function convertToolResult(
  block: ToolResultBlock,
  field: string,
  context: ContentContext,
): ToolResultContent {
  const texts: string[] = []
  const attachments: Array<ChatImagePart | ChatFilePart> = []
  const add = (part: UserPart | undefined) => {
    if (part?.type === 'text') texts.push(part.text)
    else if (part !== undefined) attachments.push(part)
  }
  const content = block.content ?? []
  if (typeof content === 'string') texts.push(content)
  for (const [index, inner] of (typeof content === 'string' ? [] : content).entries()) {
    const innerField = `${field}.content[${index}]`
    context.report.countCacheControl(inner)
    if (
      inner.type === 'tool_reference' &&
      'tool_name' in inner &&
      typeof inner.tool_name === 'string'
    ) {
      // ToolSearch's answer: on Anthropic it loads the tool, which ccr then sends (see convert-tools).
      texts.push(`Tool loaded: ${inner.tool_name}`)
    } else if (!isContentBlock(inner)) {
      context.report.add('dropped', innerField, `unknown or malformed block type ${inner.type}`)
    } else if (inner.type === 'text') {
      texts.push(inner.text)
    } else if (inner.type === 'image') {
      add(convertImage(inner, innerField, context))
    } else if (inner.type === 'document') {
      add(convertDocument(inner, innerField, context))
    } else {
      context.report.add(
        'dropped',
        innerField,
        `a ${inner.type} block cannot be part of a tool result`,
      )
    }
  }
  let result = texts.filter(isFilled).join('\n\n')
  // Providers reject an empty tool message; say what happened instead.
  if (result === '') {
    result = attachments.length > 0 ? '(the result follows as attachments)' : '(no output)'
  }
  return { text: block.is_error === true ? `Error: ${result}` : result, attachments }
}

function isFilled(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== ''
}
