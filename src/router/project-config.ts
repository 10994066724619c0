import JSON5 from 'json5'
import { readFile, stat } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { Value } from '@sinclair/typebox/value'
import type { ActiveConfig } from '../config/active.ts'
import { Config } from '../config/schema.ts'
import type { Logger } from '../observability/log.ts'

/** Where a project keeps its routing: the same name as ccr's home, inside the project. */
export const projectConfigPath = (project: string) =>
  join(project, '.claude-code-router', 'config.json')

/** The part of a config a project may override. */
export interface ProjectOverride {
  Router?: Record<string, unknown>
  fallback?: Record<string, unknown>
}

export interface ProjectConfigs {
  /** The config in force for a request from `project` (the global one when it has no file). */
  configFor(active: ActiveConfig, project: string | undefined): Promise<ActiveConfig>
}

/**
 * Per-project routing: `<project>/.claude-code-router/config.json` (JSON5) may set `Router`
 * and `fallback`; its slots replace the global ones, the rest stays global. `ccr code` names
 * the project in the `x-ccr-project` header. Files are read asynchronously and checked again
 * at most every `recheckMs`, so the request path never blocks on the disk for long.
 */
export function createProjectConfigs(options: { log: Logger; recheckMs?: number }): ProjectConfigs {
  const recheckMs = options.recheckMs ?? 2000
  const cache = new Map<
    string,
    { checkedAt: number; mtimeMs: number; override: ProjectOverride | undefined }
  >()
  const reported = new Set<string>()

  const load = async (project: string): Promise<ProjectOverride | undefined> => {
    const file = projectConfigPath(project)
    const cached = cache.get(project)
    if (cached !== undefined && Date.now() - cached.checkedAt < recheckMs) return cached.override
    const info = await stat(file).catch(() => undefined)
    const mtimeMs = info?.mtimeMs ?? -1
    if (cached !== undefined && cached.mtimeMs === mtimeMs) {
      cached.checkedAt = Date.now()
      return cached.override
    }
    const override = info === undefined ? undefined : await parse(file)
    cache.set(project, { checkedAt: Date.now(), mtimeMs, override })
    return override
  }

  const parse = async (file: string): Promise<ProjectOverride | undefined> => {
    try {
      const raw = JSON5.parse(await readFile(file, 'utf8')) as Record<string, unknown>
      const override: ProjectOverride = {}
      if (typeof raw.Router === 'object' && raw.Router !== null)
        override.Router = raw.Router as Record<string, unknown>
      if (typeof raw.fallback === 'object' && raw.fallback !== null)
        override.fallback = raw.fallback as Record<string, unknown>
      const ignored = Object.keys(raw).filter((key) => key !== 'Router' && key !== 'fallback')
      if (ignored.length > 0)
        report(
          file,
          `only Router and fallback are read from a project config; ignored: ${ignored.join(', ')}`,
        )
      return override
    } catch (error) {
      report(file, `not used: ${error instanceof Error ? error.message : String(error)}`)
      return undefined
    }
  }

  const report = (file: string, message: string) => {
    const key = `${file}:${message}`
    if (reported.has(key)) return
    reported.add(key)
    options.log.warn(`project config ${file}: ${message}`)
  }

  return {
    async configFor(active, project) {
      if (project === undefined || !isAbsolute(project)) return active
      const override = await load(project)
      if (override === undefined) return active
      const merged = {
        ...active.config,
        Router: { ...active.config.Router, ...override.Router },
        fallback: { ...active.config.fallback, ...override.fallback },
      }
      const withDefaults = Value.Default(Config, merged)
      const errors = [...Value.Errors(Config, withDefaults)]
      if (errors.length > 0) {
        report(projectConfigPath(project), `not used: ${errors[0]?.path} ${errors[0]?.message}`)
        return active
      }
      return { ...active, config: withDefaults as ActiveConfig['config'] }
    },
  }
}
