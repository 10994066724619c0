import { importFresh } from '../lib/import-fresh.ts'
import { RouterError } from '../lib/errors.ts'
import type { CustomRouter } from './types.ts'

/** The custom router module as it is on disk now (`importFresh`), and its function. */
export async function loadRouterModule(path: string): Promise<CustomRouter> {
  return pickFunction(await importFresh(path), path)
}

/**
 * The router is `export default`, CommonJS `module.exports = fn` (which Bun presents as
 * `default`), or a named `router` export, directly or on a CommonJS exports object.
 */
function pickFunction(namespace: unknown, path: string): CustomRouter {
  const defaultExport = property(namespace, 'default')
  const candidates = [
    defaultExport,
    property(namespace, 'router'),
    property(defaultExport, 'router'),
  ]
  const found = candidates.find((candidate) => typeof candidate === 'function')
  if (found === undefined) {
    throw new RouterError('config_invalid', {
      message: `${path} exports no function`,
      hint:
        'export the router as `export default function`, `module.exports = function` ' +
        'or `export function router`',
    })
  }
  // Checked to be a function; its arguments and answer are checked on each call.
  return found as CustomRouter
}

function property(value: unknown, key: string): unknown {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return undefined
  return (value as Record<string, unknown>)[key]
}
