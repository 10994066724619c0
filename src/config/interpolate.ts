/** An environment variable a config string referred to that is not set. */
export interface MissingVariable {
  path: string
  name: string
}

// CCR's syntax: `${ANY_NAME}` or `$UPPER_CASE_NAME`.
const reference = /\$\{([^}]+)\}|\$([A-Z_][A-Z0-9_]*)/g

/**
 * Expands `$VAR` and `${VAR}` in every string of a JSON value, keys excepted. A variable that
 * is not set is left as written and reported, so a typo shows up as a warning rather than as
 * a provider rejecting the literal text `$DEEPSEEK_KEY`.
 */
export function interpolateEnv(
  value: unknown,
  env: Record<string, string | undefined>,
): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = []
  const visit = (node: unknown, path: string): unknown => {
    if (typeof node === 'string') {
      return node.replace(
        reference,
        (text, braced: string | undefined, bare: string | undefined) => {
          const name = braced ?? bare ?? ''
          const found = env[name]
          if (found !== undefined) return found
          missing.push({ path, name })
          return text
        },
      )
    }
    if (Array.isArray(node)) return node.map((item, index) => visit(item, `${path}[${index}]`))
    if (typeof node === 'object' && node !== null) {
      const result: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(node)) {
        result[key] = visit(item, path === '' ? key : `${path}.${key}`)
      }
      return result
    }
    return node
  }
  return { value: visit(value, ''), missing }
}
