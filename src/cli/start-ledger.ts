import { createBudgets, type Budgets } from '../budgets/budgets.ts'
import type { ConfigSource } from '../config/active.ts'
import { describeError } from '../lib/errors.ts'
import type { Logger } from '../observability/log.ts'
import { createLearnedFacts, type LearnedFacts } from '../store/learned.ts'
import { openStore } from '../store/db.ts'
import { createLedgerWriter, spendSince, type LedgerWriter } from '../store/ledger.ts'
import { createResponseCache, type ResponseCache } from '../cache/response-cache.ts'

export interface Ledger {
  writer: LedgerWriter | undefined
  budgets: Budgets
  cache: ResponseCache | undefined
  /** Kept in the store when there is one, else for as long as the process runs. */
  learned: LearnedFacts
  close(): void
}

/**
 * The server's store: the ledger writer, the budgets counted from it, the response cache. A store that cannot
 * be opened (a newer schema, a read-only disk) costs the ledger, not the service: the router
 * runs on, says so, and budgets count from zero.
 */
export function openLedger(options: { path: string; config: ConfigSource; log: Logger }): Ledger {
  let store: ReturnType<typeof openStore> | undefined
  try {
    store = openStore(options.path)
  } catch (error) {
    options.log.error(`the ledger is off: ${describeError(error)}`, { path: options.path })
  }
  const writer =
    store === undefined ? undefined : createLedgerWriter({ db: store, log: options.log })
  const budgets = createBudgets({
    config: () => options.config.current().config.Budgets,
    spentSince: (since, project) => (store === undefined ? 0 : spendSince(store, since, project)),
  })
  budgets.seed()
  const cache =
    store === undefined
      ? undefined
      : createResponseCache({
          db: store,
          limits: () => options.config.current().config.Cache,
          log: options.log,
        })
  const learned = createLearnedFacts({
    ...(store === undefined ? {} : { db: store }),
    log: options.log,
  })
  return {
    writer,
    budgets,
    cache,
    learned,
    close() {
      writer?.close()
      learned.flush()
      store?.close()
    },
  }
}
