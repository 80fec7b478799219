#!/usr/bin/env bash
# Starts mcp-proxy in this Terminal window: double-click it in Finder, or add it to
# System Settings → General → Login Items. It must run in Terminal: processes that launchd
# starts are blocked by the same security software (a Network Extension) this proxy works around.
#
# First time: run `mcp-proxy setup` once to put Claude Desktop's MCP servers behind this proxy
# (with MCP_PROXY_PORT set: `mcp-proxy setup --port PORT`; `--undo` takes it back), then quit
# and reopen Claude Desktop. When a server still cannot connect, `mcp-proxy doctor` says which
# part fails: the proxy, a network extension, the config, Node, or the route to a host.
#
# Settings: environment variables, or the same names as KEY=value lines in start_proxy.env
# beside this script (an environment variable wins over the file; # starts a comment):
#   MCP_PROXY_PORT  port to listen on (default 28080)
#   MCP_PROXY_SSE   stdio MCP server to bridge, e.g. npx -y @modelcontextprotocol/server-everything
#                   (split on spaces, no quoting; empty: proxy only)
#
# What it runs, first found: mcp-proxy beside this script (or mcp-proxy-<os>-<arch> as
# downloaded), mcp-proxy on PATH, or this source checkout through node_modules/.bin/bun.
#
# A previous instance that this script started is stopped first: its pid and command line are
# in mcp-proxy.pid, and it is stopped only if `ps` still shows that command for that pid.
# Output also goes to ~/Library/Logs/mcp-proxy.log (on Linux, ~/.local/state/mcp-proxy/).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

# --- settings: environment, else start_proxy.env, else defaults ---
# The file is read, not sourced, so it can only set these two names.
setting() {
  local name="$1" default="$2" line value
  if [[ -n "${!name+set}" ]]; then
    printf '%s' "${!name}"
    return
  fi
  if [[ -f "$here/start_proxy.env" ]]; then
    while IFS= read -r line || [[ -n "$line" ]]; do
      [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?${name}=(.*)$ ]] || continue
      value="${BASH_REMATCH[2]%$'\r'}"
      # Optional quotes around the whole value, as in a shell or .env file.
      if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
      default="$value"
    done <"$here/start_proxy.env"
  fi
  printf '%s' "$default"
}
port="$(setting MCP_PROXY_PORT 28080)"
sse="$(setting MCP_PROXY_SSE "")"
if [[ ! "$port" =~ ^[0-9]+$ ]]; then
  echo "MCP_PROXY_PORT must be a number, got \"$port\"" >&2
  exit 2
fi

# --- the command ---
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  arm64 | aarch64) arch=arm64 ;;
  *) arch=x64 ;;
esac
if [[ -x "$here/mcp-proxy" ]]; then
  cmd=("$here/mcp-proxy")
elif [[ -x "$here/mcp-proxy-$os-$arch" ]]; then
  cmd=("$here/mcp-proxy-$os-$arch")
elif command -v mcp-proxy >/dev/null 2>&1; then
  cmd=("$(command -v mcp-proxy)")
elif [[ -x "$here/node_modules/.bin/bun" && -f "$here/src/cli.ts" ]]; then
  cmd=("$here/node_modules/.bin/bun" "$here/src/cli.ts")
else
  echo "mcp-proxy not found beside this script or on PATH (in a source checkout, run 'npm install' first)" >&2
  exit 1
fi
cmd+=(-p "$port")
# Blanks only count as empty: macOS's bash 3.2 with set -u fails on an empty array.
if [[ -n "${sse//[[:space:]]/}" ]]; then
  read -r -a sse_argv <<<"$sse"
  cmd+=(--sse "${sse_argv[@]}")
fi

# --- where the log and the pid file go ---
if [[ -d "$HOME/Library/Logs" ]]; then
  log_dir="$HOME/Library/Logs"
  state_dir="$HOME/Library/Application Support/mcp-proxy"
else
  log_dir="${XDG_STATE_HOME:-$HOME/.local/state}/mcp-proxy"
  state_dir="$log_dir"
fi
mkdir -p "$log_dir" "$state_dir"
log="$log_dir/mcp-proxy.log"
pid_file="$state_dir/mcp-proxy.pid"

# --- stop the instance we started last time, and only that one ---
# Line 1 is the pid, line 2 the command line `ps -o command=` showed for it. A pid whose
# command differs was reused by another process after ours exited: leave it alone.
if [[ -f "$pid_file" ]]; then
  { read -r old_pid || true; read -r old_command || true; } <"$pid_file"
  if [[ "${old_pid:-}" =~ ^[0-9]+$ ]] && [[ "$(ps -ww -p "$old_pid" -o command= 2>/dev/null || true)" == "${old_command:-}" ]]; then
    echo "Stopping the previous mcp-proxy (pid $old_pid)"
    kill -TERM "$old_pid" 2>/dev/null || true
    # mcp-proxy gives its MCP servers 5 s after SIGTERM before SIGKILL; allow for that.
    for _ in $(seq 1 100); do
      kill -0 "$old_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$old_pid" 2>/dev/null; then
      echo "pid $old_pid still running after 10 s; sending SIGKILL"
      kill -KILL "$old_pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
fi

# --- run in the foreground ---
# exec keeps this pid, so the pid file names mcp-proxy itself and Ctrl-C reaches it directly.
# tee -i ignores that Ctrl-C, so the shutdown lines still reach the log.
echo "Starting: ${cmd[*]}  (log: $log)"
printf '%s\n%s\n' "$$" "${cmd[*]}" >"$pid_file"
exec "${cmd[@]}" > >(tee -i -a "$log") 2>&1
