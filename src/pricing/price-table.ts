import type * as GenaiPrices from '@pydantic/genai-prices'
import { Script } from 'node:vm'
import { priceTableSource } from './build-time.ts' with { type: 'macro' }

export interface PriceTable {
  /** `calcPrice` of `@pydantic/genai-prices`; the table is evaluated at the first call. */
  calcPrice: typeof GenaiPrices.calcPrice
  /** Whether the table has been evaluated. */
  held(): boolean
}

/**
 * The price table of `@pydantic/genai-prices`, evaluated from its source (written into ccr when
 * it is built, `build-time.ts`) when the first price is looked up rather than when ccr starts:
 * a start that imported the package took 20–35 ms and 6 MB more (`bench/README.md`).
 */
export function createPriceTable(): PriceTable {
  return lazily(() => priceTableSource())
}

/**
 * The same with Anthropic's prices alone: enough for a lookup by `providerId: 'anthropic'`,
 * which every answer makes (the list price of the Claude model Claude Code asked for), in
 * 32 KB of source instead of 369; the whole table is then evaluated only for a provider that
 * is priced from it. With providers priced otherwise (on this machine, or by the config's
 * `price`), RSS after the first answer 66.5 → 64.3 MB; with both evaluated, as much as the
 * whole table alone.
 */
export function createAnthropicPriceTable(): PriceTable {
  return lazily(() => priceTableSource(['anthropic']))
}

function lazily(source: () => string): PriceTable {
  let calc: PriceTable['calcPrice'] | undefined
  return {
    calcPrice: (usage, model, options) => (calc ??= evaluate(source()))(usage, model, options),
    held: () => calc !== undefined,
  }
}

/**
 * Runs the package's CommonJS build (self-contained, no `require`) and takes its `calcPrice`.
 * Through `vm.Script`: `new Function` and `eval` would also keep the compiled source in JSC's
 * code cache.
 */
function evaluate(source: string): PriceTable['calcPrice'] {
  const module: { exports: Record<string, unknown> } = { exports: {} }
  const run: unknown = new Script(`(function (module, exports) {${source}\n})`).runInThisContext()
  if (typeof run !== 'function') throw new Error('the price table did not compile to a function')
  run(module, module.exports)
  const calcPrice = module.exports.calcPrice
  if (typeof calcPrice !== 'function') throw new Error('the price table has no calcPrice')
  return calcPrice as PriceTable['calcPrice']
}
