#!/bin/sh
# Entry point of the scheduler container: Debian's cron in the foreground (deploy/docker/crontab).
# cron gives its jobs an empty environment, so the settings the container received (database URL,
# passwords, alert URLs) are written once to a root-only file that every job reads first.
set -eu
umask 077
env | grep -E '^(WAREHOUSE_URL|OLTP_URL|HARNESS_[A-Z0-9_]+|TZ)=' \
  | sed -e "s/'/'\\\\''/g" -e "s/=/='/" -e "s/\$/'/" -e 's/^/export /' > /run/harness.env
exec cron -f
