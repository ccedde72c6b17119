#!/bin/sh
# nginx (open source, before 1.27.3 and its `resolve` parameter) looks up the names in an upstream block once, at
# start: a node recreated with a new address would get no traffic until a reload. This watches the addresses of
# the upstream servers named in conf.d and reloads nginx (gracefully: open streams stay) when one changes. A name
# that resolves to nothing for a moment (a node being recreated) is waited out rather than reloaded into a failure.
# Runs from the official image's /docker-entrypoint.d, in the background. Interval: NODE_RESOLVE_INTERVAL (5 s).
set -eu

hosts=$(sed -n 's/^[[:space:]]*server[[:space:]][[:space:]]*\([A-Za-z][A-Za-z0-9._-]*\):[0-9].*/\1/p' /etc/nginx/conf.d/*.conf | sort -u)
[ -n "$hosts" ] || exit 0
if ! command -v getent >/dev/null 2>&1; then
    echo "$0: no getent here; node addresses are looked up only when nginx starts or reloads" >&2
    exit 0
fi

addresses() {
    sep=''
    for host in $hosts; do
        found=$(getent hosts "$host") || return 1
        printf '%s%s=%s' "${sep:-}" "$host" "$(echo "$found" | awk '{ print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')"
        sep=', '
    done
}

(
    last=$(addresses || true)
    while sleep "${NODE_RESOLVE_INTERVAL:-5}"; do
        now=$(addresses) || continue
        if [ "$now" != "$last" ]; then
            echo "$0: node addresses changed ($now); reloading nginx"
            nginx -s reload && last=$now
        fi
    done
) &
