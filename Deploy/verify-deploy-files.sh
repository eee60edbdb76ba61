#!/usr/bin/env bash
# Checks the deploy files with their own tools: the systemd unit with `systemd-analyze verify`,
# the nginx site with `nginx -t` (against a throwaway certificate). The Dockerfile cannot be built
# here (no Docker engine); its shape is checked by hand in review.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if command -v systemd-analyze >/dev/null; then
    # verify needs the ExecStart binary to exist: point it at a stand-in executable.
    printf '#!/bin/sh\n' > "$work/picketline" && chmod +x "$work/picketline"
    sed "s#/usr/local/bin/picketline#$work/picketline#" Deploy/picketline.service > "$work/picketline.service"
    if output="$(systemd-analyze verify "$work/picketline.service" 2>&1)" && [[ -z "$output" ]]; then
        echo "deploy: systemd unit verified"
    else
        echo "deploy: systemd-analyze verify found problems:" >&2; echo "$output" >&2; exit 1
    fi
else
    echo "deploy: systemd-analyze not available, unit not verified" >&2
fi

if ! command -v nginx >/dev/null; then
    sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null 2>&1 \
        || { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nginx-light >/dev/null; }
fi
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=picketline.example.org" \
    -keyout "$work/privkey.pem" -out "$work/fullchain.pem" >/dev/null 2>&1
sed "s#/etc/letsencrypt/live/picketline.example.org#$work#" Deploy/nginx-picketline.conf > "$work/site.conf"
cat > "$work/nginx.conf" <<CONF
pid $work/nginx.pid;
error_log $work/error.log;
events {}
http { access_log off; include $work/site.conf; }
CONF
nginx -t -q -c "$work/nginx.conf" -p "$work"
echo "deploy: nginx configuration valid"
