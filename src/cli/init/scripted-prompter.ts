import { RouterError } from '../../lib/errors.ts'
import type { Output } from '../context.ts'
import type { Prompter, QuestionId } from './prompter.ts'

/**
 * Answers the wizard from a script (command-line flags, or a test): a question with an answer
 * gets it, one without takes its default, and one with neither is an error naming the flag.
 */
export function scriptedPrompter(
  answers: Partial<Record<QuestionId, string | boolean>>,
  output: Output,
): Prompter {
  const missing = (id: QuestionId, message: string): never => {
    throw new RouterError('invalid_request', {
      message: `no answer for "${message}"`,
      hint: `pass --${flagFor[id]}`,
    })
  }
  const text = (id: QuestionId): string | undefined => {
    const answer = answers[id]
    return typeof answer === 'string' ? answer : undefined
  }
  const checked = (value: string, validate?: (value: string) => string | undefined) => {
    const problem = validate?.(value)
    if (problem !== undefined)
      throw new RouterError('invalid_request', { message: `"${value}": expected ${problem}` })
    return value
  }
  return {
    async select(options) {
      const answer =
        text(options.id) ??
        options.initialValue ??
        (options.options.length === 1 ? options.options[0]?.value : undefined)
      const match = options.options.find((option) => option.value === answer)
      if (match === undefined) {
        if (answer === undefined) return missing(options.id, options.message)
        throw new RouterError('invalid_request', {
          message: `"${answer}" is not one of: ${options.options.map((option) => option.value).join(', ')}`,
        })
      }
      return match.value
    },
    async multiselect(options) {
      const answer = text(options.id)
      if (answer === undefined) return options.initialValues ?? missing(options.id, options.message)
      return answer
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '')
    },
    async text(options) {
      return checked(
        text(options.id) ?? options.initialValue ?? missing(options.id, options.message),
        options.validate,
      )
    },
    async password(options) {
      return checked(text(options.id) ?? missing(options.id, options.message), options.validate)
    },
    async confirm(options) {
      const answer = answers[options.id]
      return typeof answer === 'boolean' ? answer : (options.initialValue ?? false)
    },
    info: (message) => void output.write(`${message}\n`),
    warn: (message) => void output.write(`warning: ${message}\n`),
    progress: () => (done) => void output.write(`${done}\n`),
  }
}

const flagFor: Record<QuestionId, string> = {
  provider: 'provider',
  name: 'name',
  replace: 'name',
  url: 'url',
  'key-source': 'api-key',
  key: 'api-key',
  models: 'models',
  'make-default': 'default',
  'default-model': 'default-model',
}
