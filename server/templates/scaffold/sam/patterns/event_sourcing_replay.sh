#!/usr/bin/env bash
# Rebuilds a projection's state of some aggregates from the event store: for each aggregate id,
# the projection reads its latest snapshot and the events after it from EventsTable and writes
# the state (never behind what the live feed has written). Uses your AWS credentials.
#
#   scripts/replay.sh <stack> <projection> <aggregateId>...
#
# <projection> is one of: {% for h in plan.handlers %}{% if h.name != "append" %}{{ h.name }} {% endif %}{% endfor %}
set -euo pipefail

if [ $# -lt 3 ]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
stack=$1
projection=$2
shift 2

case "$projection" in
{%- for h in plan.handlers %}{% if h.name != "append" %}
  {{ h.name }}) logical_id={{ h.logical_id }} ;;
{%- endif %}{% endfor %}
  *) echo "unknown projection: $projection" >&2; exit 2 ;;
esac

function_name=$(aws cloudformation describe-stack-resource --stack-name "$stack" \
  --logical-resource-id "$logical_id" --query StackResourceDetail.PhysicalResourceId --output text)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for aggregate in "$@"; do
  payload=$(printf '{"replay": {"aggregateId": "%s"}}' "$aggregate")
  aws lambda invoke --function-name "$function_name" --qualifier live \
    --cli-binary-format raw-in-base64-out --payload "$payload" "$out" >/dev/null
  cat "$out"
  echo
done
