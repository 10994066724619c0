import { RouterError } from '../lib/errors.ts'

/**
 * Boolean flags for ccr's own commands (`ccr code` passes its arguments through untouched and
 * never comes here). Unknown flags are an error rather than silently ignored.
 */
export function parseFlags<const T extends Record<string, string[]>>(
  args: string[],
  spec: T,
): { [K in keyof T]: boolean } {
  const result = Object.fromEntries(Object.keys(spec).map((name) => [name, false])) as {
    [K in keyof T]: boolean
  }
  for (const arg of args) {
    const name = Object.keys(spec).find((key) => spec[key]?.includes(arg))
    if (name === undefined) {
      const known = Object.values(spec).flat().join(', ')
      throw new RouterError('invalid_request', {
        message: `unknown argument "${arg}"`,
        hint: known === '' ? 'this command takes no arguments' : `this command takes ${known}`,
      })
    }
    ;(result as Record<string, boolean>)[name] = true
  }
  return result
}
