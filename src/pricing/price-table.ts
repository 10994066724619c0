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
  let calc: PriceTable['calcPrice'] | undefined
  return {
    calcPrice: (usage, model, options) => (calc ??= evaluate())(usage, model, options),
    held: () => calc !== undefined,
  }
}

/**
 * Runs the package's CommonJS build (self-contained, no `require`) and takes its `calcPrice`.
 * Through `vm.Script`: `new Function` and `eval` would also keep the compiled source in JSC's
 * code cache.
 */
function evaluate(): PriceTable['calcPrice'] {
  const module: { exports: Record<string, unknown> } = { exports: {} }
  const run: unknown = new Script(
    `(function (module, exports) {${priceTableSource()}\n})`,
  ).runInThisContext()
  if (typeof run !== 'function') throw new Error('the price table did not compile to a function')
  run(module, module.exports)
  const calcPrice = module.exports.calcPrice
  if (typeof calcPrice !== 'function') throw new Error('the price table has no calcPrice')
  return calcPrice as PriceTable['calcPrice']
}
