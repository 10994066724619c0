/**
 * Tool arguments arrive as JSON text in pieces, and a model that runs out of tokens stops in
 * the middle of an object. Text already sent to the client cannot be taken back, so the only
 * repair is to append: this scanner follows the text piece by piece (linear in its length)
 * and knows at any point whether it is a complete JSON value, a prefix of one (and which
 * characters close it), or not JSON at all.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8259
 */
export interface JsonScanner {
  /** Reads the next piece of text. */
  feed(text: string): void
  /** `complete`: one whole value; `partial`: a prefix of one, or nothing yet; `invalid`: neither */
  readonly state: 'complete' | 'partial' | 'invalid'
  /** Whether anything but whitespace has been read. */
  readonly started: boolean
  /** The shortest text that makes what was read a complete value; undefined when invalid. */
  suffix(): string | undefined
}

/** What the scanner expects at the next structural character. */
type Expect =
  'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end'

/** A scalar being read, which may span pieces. */
type Scalar =
  | { kind: 'string'; isKey: boolean; escape: boolean; hexLeft: number }
  | { kind: 'number'; text: string }
  | { kind: 'literal'; rest: string }

const completeNumber = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const numberCharacter = /[0-9+\-.eE]/
const hexDigit = /[0-9a-fA-F]/
const whitespace = new Set([' ', '\t', '\n', '\r'])
const simpleEscapes = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])
const literals: Record<string, string> = { t: 'true', f: 'false', n: 'null' }

export function createJsonScanner(): JsonScanner {
  const stack: Array<'object' | 'array'> = []
  let expect: Expect = 'value'
  let scalar: Scalar | undefined
  let invalid = false
  let started = false

  const afterValue = (isKey: boolean) => {
    if (isKey) expect = 'colon'
    else expect = stack.length === 0 ? 'end' : 'comma-or-close'
  }

  /** Reads one character of a scalar; false when the character ends it without belonging to it. */
  const readScalar = (active: Scalar, char: string): boolean => {
    if (active.kind === 'string') {
      if (active.escape) {
        active.escape = false
        if (char === 'u') active.hexLeft = 4
        else if (!simpleEscapes.has(char)) invalid = true
      } else if (active.hexLeft > 0) {
        if (hexDigit.test(char)) active.hexLeft -= 1
        else invalid = true
      } else if (char === '\\') {
        active.escape = true
      } else if (char === '"') {
        scalar = undefined
        afterValue(active.isKey)
      } else if (char < ' ') {
        invalid = true
      }
      return true
    }
    if (active.kind === 'literal') {
      if (char !== active.rest[0]) invalid = true
      active.rest = active.rest.slice(1)
      if (active.rest === '') {
        scalar = undefined
        afterValue(false)
      }
      return true
    }
    if (numberCharacter.test(char)) {
      active.text += char
      if (!isNumberPrefix(active.text)) invalid = true
      return true
    }
    if (!completeNumber.test(active.text)) invalid = true
    scalar = undefined
    afterValue(false)
    return false
  }

  const startValue = (char: string) => {
    if (char === '{') {
      stack.push('object')
      expect = 'key-or-close'
    } else if (char === '[') {
      stack.push('array')
      expect = 'value-or-close'
    } else if (char === '"') {
      scalar = { kind: 'string', isKey: false, escape: false, hexLeft: 0 }
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      scalar = { kind: 'number', text: char }
      if (!isNumberPrefix(char)) invalid = true
    } else {
      const literal = literals[char]
      if (literal === undefined) invalid = true
      else scalar = { kind: 'literal', rest: literal.slice(1) }
    }
  }

  const close = (char: string) => {
    const top = stack.at(-1)
    if ((char === '}' && top === 'object') || (char === ']' && top === 'array')) {
      stack.pop()
      afterValue(false)
    } else {
      invalid = true
    }
  }

  const readStructural = (char: string) => {
    if (whitespace.has(char)) return
    started = true
    switch (expect) {
      case 'value-or-close':
        if (char === ']') close(char)
        else startValue(char)
        return
      case 'value':
        startValue(char)
        return
      case 'key-or-close':
      case 'key':
        if (char === '"') scalar = { kind: 'string', isKey: true, escape: false, hexLeft: 0 }
        else if (char === '}' && expect === 'key-or-close') close(char)
        else invalid = true
        return
      case 'colon':
        if (char === ':') expect = 'value'
        else invalid = true
        return
      case 'comma-or-close':
        if (char === ',') expect = stack.at(-1) === 'object' ? 'key' : 'value'
        else close(char)
        return
      case 'end':
        invalid = true
        return
    }
  }

  return {
    feed(text) {
      for (const char of text) {
        if (invalid) return
        if (scalar !== undefined && readScalar(scalar, char)) continue
        readStructural(char)
      }
    },
    get state() {
      if (invalid) return 'invalid'
      if (stack.length > 0) return 'partial'
      if (scalar?.kind === 'number')
        return completeNumber.test(scalar.text) ? 'complete' : 'partial'
      return scalar === undefined && expect === 'end' ? 'complete' : 'partial'
    },
    get started() {
      return started
    },
    suffix() {
      if (invalid) return undefined
      let suffix = ''
      let next = expect
      if (scalar?.kind === 'string') {
        suffix += `${scalar.escape ? '\\' : '0'.repeat(scalar.hexLeft)}"`
        next = scalar.isKey ? 'colon' : 'comma-or-close'
      } else if (scalar?.kind === 'number') {
        if (!completeNumber.test(scalar.text)) suffix += '0'
        next = 'comma-or-close'
      } else if (scalar?.kind === 'literal') {
        suffix += scalar.rest
        next = 'comma-or-close'
      }
      // A member or element that was begun must get a value; appending is the only repair.
      if (next === 'value') suffix += 'null'
      else if (next === 'colon') suffix += ':null'
      else if (next === 'key') suffix += '"":null'
      for (const container of stack.toReversed()) suffix += container === 'object' ? '}' : ']'
      return suffix
    },
  }
}

/** Whether `text` can still become a number: it is one, or one more digit makes it one. */
function isNumberPrefix(text: string): boolean {
  return completeNumber.test(text) || completeNumber.test(`${text}0`)
}

/**
 * The characters that close a truncated JSON text (`{"a":[1,"x` → `"]}`), '' when it is
 * already complete, or undefined when the text is not the beginning of any JSON value.
 */
export function completeJson(prefix: string): string | undefined {
  const scanner = createJsonScanner()
  scanner.feed(prefix)
  return scanner.suffix()
}
