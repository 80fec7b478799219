#!/usr/bin/env bash
# Starts mcp-proxy in this Terminal window (double-click in Finder, or add to Login Items).
# It must run from Terminal: processes started by launchd are blocked by the same security
# software (Network Extension) that this proxy works around.
#
# Settings (environment variables, or lines like MCP_PROXY_PORT=9000 in start_proxy.env
# beside this script):
#   MCP_PROXY_PORT   port to listen on (default 28080)
#   MCP_PROXY_SSE    stdio MCP server to bridge, e.g. "npx -y @modelcontextprotocol/server-everything"
#                    (split on spaces; leave empty for the proxy only)
# Output also goes to ~/Library/Logs/mcp-proxy.log.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
if [[ -f "$here/start_proxy.env" ]]; then
  # shellcheck disable=SC1091
  source "$here/start_proxy.env"
fi
port="${MCP_PROXY_PORT:-28080}"

# The binary beside this script, else one on PATH, else this source checkout with Bun.
if [[ -x "$here/mcp-proxy" ]]; then
  cmd=("$here/mcp-proxy")
elif command -v mcp-proxy >/dev/null 2>&1; then
  cmd=("$(command -v mcp-proxy)")
elif [[ -x "$here/node_modules/.bin/bun" ]]; then
  cmd=("$here/node_modules/.bin/bun" "$here/src/cli.ts")
else
  echo "mcp-proxy not found beside this script or on PATH (run 'npm install' in a source checkout)" >&2
  exit 1
fi

cmd+=(-p "$port")
if [[ -n "${MCP_PROXY_SSE:-}" ]]; then
  read -r -a sse <<<"$MCP_PROXY_SSE"
  cmd+=(--sse "${sse[@]}")
fi

log_dir="$HOME/Library/Logs"
[[ -d "$log_dir" ]] || log_dir="${XDG_STATE_HOME:-$HOME/.local/state}"
mkdir -p "$log_dir"
echo "Starting: ${cmd[*]}  (log: $log_dir/mcp-proxy.log)"
"${cmd[@]}" 2>&1 | tee -a "$log_dir/mcp-proxy.log"
