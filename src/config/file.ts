import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { ConfigError } from '../lib/errors.ts'
import { activate, loadEmbeddedDefault, type ActiveConfig } from './active.ts'
import { parseConfig } from './load.ts'

export type Env = Record<string, string | undefined>

/**
 * Reads the config at start-up (synchronously: nothing else is running yet). No file means
 * the embedded default; an unreadable or invalid file is a `ConfigError`.
 */
export function readConfigAtStart(file: string, env: Env): ActiveConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return loadEmbeddedDefault(env)
    throw new ConfigError(file, [{ path: '', message: `cannot be read: ${String(error)}` }], error)
  }
  return activate(parseConfig(text, { file, env }), file, 1)
}

/** Reads the config again for a reload, off the request path. */
export async function rereadConfig(
  file: string,
  env: Env,
  generation: number,
): Promise<ActiveConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `cannot be read: ${String(error)}` }], error)
  }
  return activate(parseConfig(text, { file, env }), file, generation)
}
