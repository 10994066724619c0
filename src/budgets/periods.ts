/** A budget period in the local time zone: the user's day and month, not UTC's. */
export type Period = 'daily' | 'monthly'

/** Unix ms when the period containing `now` began. */
export function periodStart(period: Period, now: number): number {
  const date = new Date(now)
  return period === 'daily'
    ? new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime()
    : new Date(date.getFullYear(), date.getMonth(), 1).getTime()
}

/** Unix ms when the period containing `now` ends and its budget resets. */
export function periodEnd(period: Period, now: number): number {
  const date = new Date(now)
  return period === 'daily'
    ? new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime()
    : new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime()
}

/** "in 3 h 10 min", "in 12 days". */
export function timeUntil(target: number, now: number): string {
  const minutes = Math.max(1, Math.round((target - now) / 60_000))
  if (minutes < 60) return `in ${minutes} min`
  if (minutes < 48 * 60) return `in ${Math.floor(minutes / 60)} h ${minutes % 60} min`
  return `in ${Math.round(minutes / (24 * 60))} days`
}
