import { isRecord } from '../../lib/is-record.ts'
import { parseJson } from './tool-input.ts'

/**
 * Tool arguments some models write as a Python literal instead of JSON, as their training data
 * printed dicts: `{'command': 'ls', 'recursive': True}`. Read as the JSON they mean (strings in
 * either quote, `True`, `False`, `None`), when that gives an object; undefined otherwise, and
 * for anything that is JSON already.
 */
export function pythonLiteralJson(text: string): string | undefined {
  let json = ''
  let at = 0
  while (at < text.length) {
    const char = text[at] as string
    if (char === "'" || char === '"') {
      let value = ''
      at += 1
      while (at < text.length && text[at] !== char) {
        if (text[at] === '\\' && at + 1 < text.length) {
          const escaped = text[at + 1] as string
          const hex = escaped === 'u' ? text.slice(at + 2, at + 6) : ''
          if (/^[0-9a-fA-F]{4}$/.test(hex)) {
            value += String.fromCharCode(Number.parseInt(hex, 16))
            at += 6
            continue
          }
          value += escapes[escaped] ?? escaped
          at += 2
          continue
        }
        value += text[at]
        at += 1
      }
      if (at >= text.length) return undefined
      json += JSON.stringify(value)
      at += 1
      continue
    }
    const word = /^[A-Za-z_]+/.exec(text.slice(at, at + 6))?.[0]
    if (word !== undefined) {
      const constant = constants[word]
      if (constant === undefined) return undefined
      json += constant
      at += word.length
      continue
    }
    json += char
    at += 1
  }
  const parsed = parseJson(json)
  return parsed.ok && isRecord(parsed.value) ? JSON.stringify(parsed.value) : undefined
}

/** Whether arguments begin as a Python dict: an object whose first key is single-quoted. */
export function startsAsPythonDict(text: string): boolean {
  return /^\s*\{\s*'/.test(text)
}

const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' }
const constants: Record<string, string> = { True: 'true', False: 'false', None: 'null' }
