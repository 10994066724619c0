import type { TSchema, Static } from '@sinclair/typebox'
import { compiledCheck } from '../lib/compiled-check.ts'
import { RouterError } from '../lib/errors.ts'

/**
 * Parses a client's JSON body against a schema, compiled once. Failure is an
 * `invalid_request_error` naming the first field that is wrong, as Anthropic's API does.
 */
export function parseBody<T extends TSchema>(schema: T, text: string): Static<T> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new RouterError('invalid_request', {
      status: 400,
      message: `The request body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    })
  }
  const checker = compiledCheck(schema)
  if (checker.Check(value)) return value
  const first = checker.Errors(value).First()
  const path = first === undefined ? '' : first.path.slice(1).replaceAll('/', '.')
  throw new RouterError('invalid_request', {
    status: 400,
    message:
      first === undefined
        ? 'Invalid request body'
        : `${path === '' ? 'body' : path}: ${first.message}`,
  })
}
