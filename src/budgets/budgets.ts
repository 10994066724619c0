import type { BudgetsConfig } from '../config/schema.ts'
import { periodEnd, periodStart, timeUntil, type Period } from './periods.ts'

/** How close a request's spending scopes are to their limits. */
export type BudgetVerdict =
  | { level: 'ok' }
  | { level: 'warn' | 'exceeded'; describe: string; percent: number; resetsAt: number }

export interface Budgets {
  /** The worst of the limits that apply to a request from `project`. Reads memory only. */
  verdict(project: string | undefined): BudgetVerdict
  /** Adds an answer's cost to the counters of its scopes. */
  record(costUsd: number, project: string | undefined, time: number): void
  /** Reloads the counters from the ledger (at start-up and when the budgets change). */
  seed(): void
}

interface Limit {
  scope: string
  project: string | undefined
  period: Period
  usd: number
}

/**
 * Daily and monthly spending limits, global and per project. Spend comes from the ledger, so
 * it survives restarts: counters are loaded from it by `seed()` (off the request path) and
 * kept up to date in memory as answers are recorded, resetting at local midnight and at the
 * start of each month.
 */
export function createBudgets(options: {
  config: () => BudgetsConfig | undefined
  /** The ledger's spend since a time, overall or for one project. */
  spentSince: (since: number, project?: string) => number
  now?: () => number
}): Budgets {
  const now = options.now ?? Date.now
  const counters = new Map<string, { start: number; spent: number }>()
  const keyOf = (limit: Pick<Limit, 'scope' | 'period'>) => `${limit.scope}|${limit.period}`

  const limitsFor = (project: string | undefined): Limit[] => {
    const config = options.config()
    if (config === undefined) return []
    const limits: Limit[] = []
    for (const period of ['daily', 'monthly'] as const) {
      const global = config[period]
      if (global !== undefined)
        limits.push({ scope: 'global', project: undefined, period, usd: global })
      const own = project === undefined ? undefined : config.projects[project]?.[period]
      if (own !== undefined && project !== undefined)
        limits.push({ scope: project, project, period, usd: own })
    }
    return limits
  }

  const spent = (limit: Pick<Limit, 'scope' | 'period'>, at: number): number => {
    const counter = counters.get(keyOf(limit))
    return counter !== undefined && counter.start === periodStart(limit.period, at)
      ? counter.spent
      : 0
  }

  return {
    verdict(project) {
      const at = now()
      let worst: BudgetVerdict = { level: 'ok' }
      for (const limit of limitsFor(project)) {
        const used = spent(limit, at)
        const percent = limit.usd === 0 ? (used > 0 ? 100 : 0) : (used / limit.usd) * 100
        if (percent < 80 || (worst.level !== 'ok' && worst.percent >= percent)) continue
        const resetsAt = periodEnd(limit.period, at)
        const whose = limit.project === undefined ? '' : ` for ${limit.project}`
        worst = {
          level: percent >= 100 ? 'exceeded' : 'warn',
          percent: Math.round(percent),
          resetsAt,
          describe:
            `the ${limit.period} budget${whose} of $${limit.usd.toFixed(2)} is ${Math.round(percent)}% spent ` +
            `($${used.toFixed(2)}); it resets ${timeUntil(resetsAt, at)}`,
        }
      }
      return worst
    },
    record(costUsd, project, time) {
      if (costUsd <= 0) return
      for (const scope of project === undefined ? ['global'] : ['global', project]) {
        for (const period of ['daily', 'monthly'] as const) {
          const key = keyOf({ scope, period })
          const start = periodStart(period, time)
          const counter = counters.get(key)
          if (counter === undefined || counter.start !== start)
            counters.set(key, { start, spent: costUsd })
          else counter.spent += costUsd
        }
      }
    },
    seed() {
      const at = now()
      const config = options.config()
      counters.clear()
      if (config === undefined) return
      const scopes: (string | undefined)[] = [undefined, ...Object.keys(config.projects)]
      for (const project of scopes) {
        for (const period of ['daily', 'monthly'] as const) {
          const start = periodStart(period, at)
          counters.set(keyOf({ scope: project ?? 'global', period }), {
            start,
            spent: options.spentSince(start, project),
          })
        }
      }
    },
  }
}
