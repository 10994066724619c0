import { readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'

/** What JavaScriptCore names the threads that compile hot functions to optimised code. */
const compilerThread = /^JITWorker/

/** Where Linux lists a process's threads. */
const tasks = '/proc/self/task'

/** The lowest priority a thread can have (`nice` 19). */
const lowest = 19

/**
 * Gives the runtime's compiler threads the lowest priority, so that they run in the time the
 * request thread leaves over. JavaScriptCore compiles hot functions on background threads
 * (`JITWorker`) and keeps doing so long after a start: a function run once per request reaches
 * the optimising tiers after tens of thousands of requests, one run once per ledger flush
 * after hours. A compile takes 1–25 ms of CPU, and on a core it shares with the thread serving
 * requests (a router pinned to one core; a laptop busy with Claude Code itself) the kernel
 * hands it the core in slices of a few milliseconds, in the middle of someone's request.
 * Nothing waits for a compile: the request thread goes on in the code it has until the
 * optimised code is ready, so at nice 19 a compile costs no request anything.
 *
 * The compiler threads come and go (one idle for a while exits, and the next compile starts a
 * new one at the priority of the thread that asked, the request thread's), so `tick` looks at
 * every thread each time; it is called every second. Linux only, where `/proc/self/task` lists
 * the threads and a thread id is a process id to `setpriority`; elsewhere `tick` does nothing.
 */
export function createCompilerThreadNicer(): { tick(): void } {
  let unsupported = false
  return {
    tick() {
      if (unsupported) return
      let threads: string[]
      try {
        threads = readdirSync(tasks)
      } catch {
        unsupported = true
        return
      }
      for (const thread of threads) {
        try {
          if (compilerThread.test(readFileSync(`${tasks}/${thread}/comm`, 'utf8'))) {
            setPriority(Number(thread), lowest)
          }
        } catch {
          // The thread ended between the listing and the read: nothing to lower.
        }
      }
    },
  }
}
