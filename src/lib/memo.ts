/**
 * `compute`, remembered by its argument: for pure functions of a few distinct strings (an
 * endpoint, a model id) that the request path asks on every request. At `capacity` distinct
 * arguments the memo starts over, so arguments that come from requests cannot grow it without
 * bound.
 */
export function memoize<V>(compute: (key: string) => V, capacity = 256): (key: string) => V {
  const values = new Map<string, { value: V }>()
  return (key) => {
    const found = values.get(key)
    if (found !== undefined) return found.value
    if (values.size >= capacity) values.clear()
    const value = compute(key)
    values.set(key, { value })
    return value
  }
}

/**
 * A URL's host name and port (`''` for the scheme's default), or undefined when it does not
 * parse. Remembered: the request path asks it of the same few provider endpoints every time,
 * and parsing a URL costs a few microseconds.
 */
export const urlParts = memoize((url: string) => {
  if (!URL.canParse(url)) return undefined
  const { hostname, port } = new URL(url)
  return Object.freeze({ hostname, port })
})

/**
 * A map that keeps the `capacity` most recently set keys: setting one more forgets the oldest.
 * For what answers leave behind to be sent back later (a tool call's signature), where an
 * unbounded map would grow with every session.
 */
export function recentMap<V>(capacity: number) {
  const values = new Map<string, V>()
  return {
    get: (key: string): V | undefined => values.get(key),
    set(key: string, value: V): void {
      values.delete(key)
      values.set(key, value)
      if (values.size > capacity) values.delete(values.keys().next().value ?? key)
    },
  }
}
