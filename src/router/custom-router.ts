import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'
import type { Config } from '../config/schema.ts'
import { messageOf, RouterError } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import { contentVersion } from '../lib/import-fresh.ts'
import { createSerialReload } from '../lib/serial-reload.ts'
import { loadRouterModule } from './load-module.ts'
import type { CustomRouter, CustomRouterInput } from './types.ts'

export interface CustomRouterOptions {
  /** Absolute path of the user's module (.js, .mjs, .cjs, .ts). */
  path: string
  log: Logger
  /** A call slower than this is abandoned and the built-in rules decide. Default 1000 ms. */
  timeoutMs?: number
  /** How long the file must stay quiet before it is reloaded. Default 50 ms. */
  debounceMs?: number
}

export interface LoadedCustomRouter {
  /**
   * The module's answer, or undefined when it declined, failed, timed out or is not loaded.
   * Never throws.
   */
  decide(input: CustomRouterInput, config: Config): Promise<{ route: string } | undefined>
  /** For /health and tests: the content hash of the version in use, or undefined. */
  readonly version: string | undefined
  /** Resolves after the next (re)load attempt finishes — for tests and start-up. */
  ready(): Promise<void>
  close(): void
}

/** Problems logged per module version, so a router failing in new ways cannot flood the log. */
const maxReported = 50

/**
 * Loads the `CUSTOM_ROUTER_PATH` module and reloads it whenever the file changes, so an edit
 * applies without a restart (CCR `require()`d it once). A reload that fails — a syntax error, a
 * throw at import, no function exported, the file deleted — is logged once and the last good
 * version keeps deciding. A problem in a call (a throw, a timeout, an answer that is not
 * `"<provider>,<model>"`) is logged once per version, not once per request, and the built-in
 * rules decide.
 *
 * Each reload leaves the previous module instance in memory, because Bun cannot unload a module;
 * that costs little for occasional edits. Helpers it imports from its own folder are loaded
 * again with it. An abandoned (timed-out) call keeps running in the
 * background, and a router that blocks synchronously blocks the server: a timeout cannot help.
 */
export function createCustomRouter(options: CustomRouterOptions): LoadedCustomRouter {
  const { path, log } = options
  const timeoutMs = options.timeoutMs ?? 1000
  let loaded: { route: CustomRouter; version: string } | undefined
  let closed = false
  const reported = new Set<string>()

  /** Logs a problem unless this version already reported the same one. */
  const report = (key: string, message: string, error: string) => {
    const versionedKey = `${loaded?.version ?? 'none'}:${key}`
    if (reported.has(versionedKey) || reported.size > maxReported) return
    reported.add(versionedKey)
    log.error(message, { path, version: loaded?.version, error })
    if (reported.size > maxReported) {
      log.warn('custom router: further problems with this version are not logged', { path })
    }
  }

  const reload = async () => {
    if (closed) return
    try {
      const version = await contentVersion(path)
      if (version === loaded?.version) return
      const route = await loadRouterModule(path)
      loaded = { route, version }
      reported.clear()
      log.info('custom router loaded', { path, version })
    } catch (error) {
      const text = problemText(error, path)
      const message =
        loaded === undefined
          ? 'custom router not loaded; the built-in rules decide'
          : 'custom router not reloaded; the last good version stays in use'
      report(`load:${text}`, message, text)
    }
  }

  const reloads = createSerialReload(reload, {
    debounceMs: options.debounceMs ?? 50,
    first: reload(),
  })
  const schedule = () => reloads.schedule()

  const watcher = watchFile(path, schedule, log)

  return {
    async decide(input, config) {
      const current = loaded
      if (current === undefined || closed) return undefined
      let answer: unknown
      try {
        answer = await callWithTimeout(current.route, input, config, timeoutMs)
      } catch (error) {
        const text = problemText(error, path)
        report(`call:${text}`, 'custom router failed; the built-in rules decide', text)
        return undefined
      }
      if (answer === null || answer === undefined || answer === '') return undefined
      if (isRoute(answer)) return { route: answer }
      // Keyed by type, not value: a router returning a different number each time logs once.
      report(
        `answer:${typeof answer}`,
        'custom router answer ignored; the built-in rules decide',
        `returned ${preview(answer)}, not "<provider>,<model>" or null`,
      )
      return undefined
    },
    get version() {
      return loaded?.version
    },
    ready: reloads.ready,
    close() {
      closed = true
      reloads.close()
      watcher?.close()
    },
  }
}

/**
 * Watches the file's folder rather than the file: editors save by replacing the file, which
 * ends a watch on the file itself, and the file may not exist yet.
 */
function watchFile(path: string, onChange: () => void, log: Logger): FSWatcher | undefined {
  const name = basename(path)
  try {
    const watcher = watch(dirname(path), (_event, changed) => {
      if (changed === null || changed === name) onChange()
    })
    watcher.on('error', (error: unknown) => {
      log.warn('custom router: watching stopped; edits apply after a restart', { path, error })
    })
    return watcher
  } catch (error) {
    log.error('custom router: cannot watch its folder; edits apply after a restart', {
      path,
      error: messageOf(error),
    })
    return undefined
  }
}

/**
 * Calls the router with copies, so it cannot change the request or the live config, and gives
 * up after `timeoutMs`. `Promise.race` subscribes to the call, so a rejection after the timeout
 * is handled rather than reported as unhandled.
 */
async function callWithTimeout(
  route: CustomRouter,
  input: CustomRouterInput,
  config: Config,
  timeoutMs: number,
): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
  })
  try {
    const call = new Promise<unknown>((resolve) => {
      resolve(route(structuredClone(input), structuredClone(config)))
    })
    return await Promise.race([call, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** `"<provider>,<model>"` with something on both sides of the first comma. */
function isRoute(answer: unknown): answer is string {
  if (typeof answer !== 'string') return false
  const comma = answer.indexOf(',')
  return comma > 0 && answer.slice(0, comma).trim() !== '' && answer.slice(comma + 1).trim() !== ''
}

function preview(value: unknown): string {
  if (typeof value === 'function') return 'a function'
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 80)
  } catch {
    return `a ${typeof value}`
  }
}

/** One line naming the problem; a syntax error with its line and column. */
function problemText(error: unknown, path: string): string {
  if (hasCode(error, 'ENOENT')) return `${path} does not exist`
  const message = messageOf(error)
  const position = positionOf(error)
  if (position !== undefined) return `${path}:${position.line}:${position.column}: ${message}`
  if (error instanceof RouterError && error.hint !== undefined) return `${message} (${error.hint})`
  return message
}

function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code
}

/** Bun's `BuildMessage` for a syntax error carries `position: { line, column }`. */
function positionOf(error: unknown): { line: number; column: number } | undefined {
  if (typeof error !== 'object' || error === null || !('position' in error)) return undefined
  const position: unknown = error.position
  if (typeof position !== 'object' || position === null) return undefined
  if (!('line' in position) || !('column' in position)) return undefined
  const { line, column } = position
  return typeof line === 'number' && typeof column === 'number' ? { line, column } : undefined
}
