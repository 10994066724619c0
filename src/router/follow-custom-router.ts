import { isAbsolute, resolve } from 'node:path'
import type { Config } from '../config/schema.ts'
import type { Logger } from '../observability/log.ts'
import { createCustomRouter, type LoadedCustomRouter } from './custom-router.ts'

/**
 * Keeps the custom router in step with the config: created when `CUSTOM_ROUTER_PATH` is set,
 * replaced when it or the timeout changes on a reload, closed when it is removed. A relative
 * path is taken from the ccr home, where CCR kept these files.
 */
export function followCustomRouter(options: { home: string; log: Logger }) {
  let loaded: LoadedCustomRouter | undefined
  let key: string | undefined
  return {
    current: (): LoadedCustomRouter | undefined => loaded,
    sync(config: Pick<Config, 'CUSTOM_ROUTER_PATH' | 'CUSTOM_ROUTER_TIMEOUT_MS'>) {
      const path = config.CUSTOM_ROUTER_PATH
      const nextKey =
        path === undefined || path === ''
          ? undefined
          : `${path}\n${config.CUSTOM_ROUTER_TIMEOUT_MS}`
      if (nextKey === key) return
      key = nextKey
      loaded?.close()
      loaded =
        path === undefined || path === ''
          ? undefined
          : createCustomRouter({
              path: isAbsolute(path) ? path : resolve(options.home, path),
              log: options.log,
              timeoutMs: config.CUSTOM_ROUTER_TIMEOUT_MS,
            })
    },
    close() {
      loaded?.close()
      loaded = undefined
      key = undefined
    },
  }
}
