/** Whether `taskset` exists here (Linux with util-linux); without it nothing is pinned. */
export const canPin = Bun.which('taskset') !== null

/** `argv` run on one core with taskset, or unchanged when `core` is undefined. */
export function pinned(core: number | undefined, argv: string[]): string[] {
  return core === undefined ? argv : ['taskset', '-c', String(core), ...argv]
}
