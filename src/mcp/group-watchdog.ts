/**
 * A watchdog outside mcp-proxy that stops the MCP children whose stop() never ran because
 * mcp-proxy itself is gone: killed with SIGKILL, crashed, or forced to exit.
 *
 *   mcp-proxy ──stdin pipe: "+ <pgid>" / "- <pgid>"──▶ /bin/sh, in a process group of its own
 *   pipe EOF (mcp-proxy gone, however it went) ─▶ SIGTERM each listed group
 *                                              ─▶ SIGKILL those still there after the kill timeout
 *
 * The children lead process groups of their own (child.ts), so when mcp-proxy dies neither the
 * kernel nor a terminal's signals reach them. One watchdog serves the whole process; it is a
 * POSIX sh (about a megabyte; dash on Debian, bash in POSIX mode on macOS), and the script
 * only ever acts on numbers it has checked.
 */

export const WATCHDOG_SCRIPT = `
groups=" "
while read -r op group; do
  case "$group" in ""|*[!0-9]*) continue ;; esac
  case "$op" in
    +) groups="$groups$group " ;;
    -) groups=$(printf '%s' "$groups" | sed "s/ $group / /") ;;
  esac
done
[ "$groups" = " " ] && exit 0
for g in $groups; do kill -s TERM -- -"$g" 2>/dev/null; done
waited=0
while [ "$waited" -lt "$1" ]; do
  alive=""
  for g in $groups; do kill -s 0 -- -"$g" 2>/dev/null && alive="$alive $g"; done
  [ -z "$alive" ] && exit 0
  groups=$alive
  sleep 1
  waited=$((waited + 1))
done
for g in $groups; do kill -s KILL -- -"$g" 2>/dev/null; done
exit 0
`;

export interface GroupWatchdog {
  /** A child's process group to stop should mcp-proxy go away first. */
  add(pgid: number): void;
  /** The group has been stopped (or is gone): forget it. */
  remove(pgid: number): void;
}

let running: GroupWatchdog | undefined;

/** The process's watchdog, started with the first child; `killTimeoutMs` is the first child's. */
export function groupWatchdog(killTimeoutMs: number): GroupWatchdog {
  return (running ??= startWatchdog(killTimeoutMs));
}

function startWatchdog(killTimeoutMs: number): GroupWatchdog {
  let proc: Bun.Subprocess<"pipe", "ignore", "ignore">;
  try {
    proc = Bun.spawn(["/bin/sh", "-c", WATCHDOG_SCRIPT, "mcp-proxy-watchdog", String(Math.ceil(killTimeoutMs / 1000))], {
      stdin: "pipe",
      stdout: "ignore",
      stderr: "ignore",
      // Its own group: a terminal's Ctrl-C or hang-up must not take it down with mcp-proxy.
      detached: true,
    });
  } catch {
    // No /bin/sh: stop() still stops every child; only a dying mcp-proxy would leave them.
    return { add() {}, remove() {} };
  }
  // It must never keep mcp-proxy running; it exits on its own once the pipe closes.
  proc.unref();
  const tell = (line: string) => {
    try {
      proc.stdin.write(line);
      void Promise.resolve(proc.stdin.flush()).catch(() => {});
    } catch {
      // The watchdog is gone (someone killed it): nothing to tell.
    }
  };
  return {
    add: (pgid) => tell(`+ ${pgid}\n`),
    remove: (pgid) => tell(`- ${pgid}\n`),
  };
}
