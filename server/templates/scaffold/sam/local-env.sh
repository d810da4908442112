#!/usr/bin/env bash
# Writes env.json for `sam local invoke --env-vars env.json` and `sam local start-api`: each
# function's environment variables that name a resource, set to that resource in a deployed
# stack, so a local run reads and writes the stack's {% if self.has_variables() %}real {% endif %}resources.
# Usage: scripts/local-env.sh STACK_NAME (needs the AWS CLI and credentials for the stack).
set -euo pipefail
cd "$(dirname "$0")/.."
stack="${1:?usage: scripts/local-env.sh STACK_NAME}"
resource() {
  aws cloudformation describe-stack-resource --stack-name "$stack" --logical-resource-id "$1" \
    --query StackResourceDetail.PhysicalResourceId --output text
}
{%- for (id, var) in self.resources() %}
{{ var }}="$(resource {{ id }})"
{%- endfor %}
cat > env.json <<JSON
{{ self.env_json_with_shell() }}
JSON
echo "env.json now points at the resources of $stack"
