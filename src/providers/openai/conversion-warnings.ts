import type { ConversionWarning } from '../warnings.ts'

/** How many fields a merged warning names before it says "and N more". */
const fieldsShown = 3

/**
 * Collects one conversion's warnings. Warnings with the same type and details merge into one
 * that names every field, so a long session with forty thinking blocks logs one line, not
 * forty; `cache_control` markers are only counted and reported once at the end.
 */
export interface WarningCollector {
  add(type: ConversionWarning['type'], field: string, details: string): void
  /** Counts a `cache_control` marker on a block, tool or request, if it has one. */
  countCacheControl(value: object): void
  list(): ConversionWarning[]
}

/** A fresh collector for one conversion. */
export function createWarningCollector(): WarningCollector {
  const groups = new Map<
    string,
    { type: ConversionWarning['type']; details: string; fields: string[] }
  >()
  let cacheControlMarkers = 0
  return {
    add(type, field, details) {
      const key = `${type}\n${details}`
      const group = groups.get(key)
      if (group === undefined) groups.set(key, { type, details, fields: [field] })
      else group.fields.push(field)
    },
    countCacheControl(value) {
      if ('cache_control' in value && value.cache_control !== undefined) cacheControlMarkers++
    },
    list() {
      const warnings: ConversionWarning[] = [...groups.values()].map(
        ({ type, details, fields }) => ({
          type,
          field: joinFields(fields),
          details: fields.length > 1 ? `${details} (${fields.length} times)` : details,
        }),
      )
      if (cacheControlMarkers > 0) {
        const markers = cacheControlMarkers === 1 ? '1 marker' : `${cacheControlMarkers} markers`
        warnings.push({
          type: 'dropped',
          field: 'cache_control',
          details: `${markers} dropped: OpenAI-compatible APIs cache prompts on their own`,
        })
      }
      return warnings
    },
  }
}

function joinFields(fields: string[]): string {
  if (fields.length <= fieldsShown) return fields.join(', ')
  return `${fields.slice(0, fieldsShown).join(', ')} and ${fields.length - fieldsShown} more`
}

/** What a conversion reported, kept to be reported again: for a result that is reused. */
export interface RecordedReports {
  collector: WarningCollector
  replay(into: WarningCollector): void
}

/** A collector that only records, so that a remembered conversion reports as it did the first time. */
export function recordReports(): RecordedReports {
  const calls: Array<(into: WarningCollector) => void> = []
  return {
    collector: {
      add: (type, field, details) => calls.push((into) => into.add(type, field, details)),
      // The collector replayed into decides whether the value carries a marker.
      countCacheControl: (value) => calls.push((into) => into.countCacheControl(value)),
      list: () => [],
    },
    replay(into) {
      for (const call of calls) call(into)
    },
  }
}
