import { readdir, readFile, readlink } from 'node:fs/promises'

/**
 * Best effort, Linux only: the name and pid of the process listening on a TCP port, read from
 * /proc. Undefined when it cannot be told (another OS, another user's process).
 */
export async function portHolder(port: number): Promise<{ pid: number; name: string } | undefined> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '')
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      const local = fields[1]
      // State 0A is LISTEN; the local address ends in the port in hex.
      if (local === undefined || fields[3] !== '0A') continue
      if (
        Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port &&
        fields[9] !== undefined
      ) {
        inodes.add(fields[9])
      }
    }
  }
  if (inodes.size === 0) return undefined
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((entry) =>
    /^\d+$/.test(entry),
  )
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1]
      if (inode !== undefined && inodes.has(inode)) {
        const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim()
        return { pid: Number(pid), name }
      }
    }
  }
  return undefined
}
