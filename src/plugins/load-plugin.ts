import { basename, extname } from 'node:path'
import { contentVersion, importFresh } from '../lib/import-fresh.ts'
import { isRecord } from '../lib/is-record.ts'
import type { Transformer } from './types.ts'

/** A plugin module as imported: its name, and how to make a transformer with given options. */
export interface PluginModule {
  name: string
  /** The file, or `builtin:<name>` for the ones the binary carries. */
  path: string
  /** The content hash of the version in use. */
  version: string
  /** The transformer made with the module's own options (`transformers[].options`). */
  shared: Transformer
  /**
   * One made with a `use` entry's options over the module's: a new instance for a class, the
   * object itself otherwise.
   */
  create(options: Record<string, unknown>): Transformer
  /** Members CCR knew that ccr does not call (`auth`, `endPoint`, …), for a warning. */
  ignored: string[]
}

/** Files the plugins folder is read for. */
export const pluginExtensions = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'])

/** CCR members that made a transformer a client-facing endpoint or a bypass: not called here. */
const ignoredMembers = ['endPoint', 'transformRequestOut', 'transformResponseIn', 'auth']

/** Imports the file afresh (`importFresh`) and makes its transformer. */
export async function importPlugin(
  path: string,
  options: Record<string, unknown>,
): Promise<PluginModule> {
  const version = await contentVersion(path)
  return pluginFrom(await importFresh(path), { path, version, options })
}

/**
 * The export is `default` (CommonJS `module.exports` included), else the module itself: a class
 * is made with `new` and its options, once to learn its name and again per distinct options; an
 * object is used as it is. Its name is the instance's `name`, else the class's static
 * `TransformerName` (CCR's two ways), else the file's name.
 */
export function pluginFrom(
  namespace: unknown,
  source: { path: string; version: string; options: Record<string, unknown> },
): PluginModule {
  const exported = isRecord(namespace) && 'default' in namespace ? namespace.default : namespace
  let create: (options: Record<string, unknown>) => unknown
  if (typeof exported === 'function') {
    const made = exported as new (options: Record<string, unknown>) => unknown
    create = (options) => new made(options)
  } else if (isRecord(exported)) {
    create = () => exported
  } else {
    throw new Error(
      'exports neither a class nor an object (use `export default` or module.exports)',
    )
  }
  const first = create(source.options)
  if (!isRecord(first)) throw new Error('its constructor made no object')
  const hooks = ['transformRequestIn', 'transformResponseOut']
  if (!hooks.some((hook) => typeof first[hook] === 'function')) {
    throw new Error('has neither transformRequestIn nor transformResponseOut')
  }
  const staticName = (exported as { TransformerName?: unknown }).TransformerName
  const name =
    typeof first.name === 'string' && first.name !== ''
      ? first.name
      : typeof staticName === 'string' && staticName !== ''
        ? staticName
        : basename(source.path, extname(source.path))
  // Checked to be an object with a hook; the registry calls it by `name`.
  const shared = first as unknown as Transformer
  return {
    name,
    path: source.path,
    version: source.version,
    shared,
    create(options) {
      const made = create({ ...source.options, ...options })
      if (!isRecord(made)) throw new Error('its constructor made no object')
      return made as unknown as Transformer
    },
    ignored: ignoredMembers.filter((member) => first[member] !== undefined),
  }
}
