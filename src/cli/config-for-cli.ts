import type { ActiveConfig } from '../config/active.ts'
import { readConfigAtStart } from '../config/file.ts'
import { serverUrl } from '../service/probe.ts'
import type { CliContext } from './context.ts'

/** The config and router URL a client-side command (status, stop, code, activate) works with. */
export function clientConfig(context: Pick<CliContext, 'paths' | 'env'>): {
  active: ActiveConfig
  url: string
} {
  const active = readConfigAtStart(context.paths.config, context.env)
  return { active, url: serverUrl(active.config) }
}
