#!/usr/bin/env bash
# Applies migrations/*.sql to the stack's database, in file order and once each, as the master
# user through the RDS Data API (no path into the VPC needed), then sets the app user's password
# from AppUserSecret. Safe to run again: applied files are recorded in schema_migrations.
#
#   scripts/migrate.sh STACK_NAME
#
# Needs the AWS CLI v2, python3, and credentials that may call rds-data:* on the cluster and
# secretsmanager:GetSecretValue on the master and app user secrets.
set -euo pipefail
stack="${1:?usage: scripts/migrate.sh STACK_NAME}"
cd "$(dirname "$0")/.."

output() {
  aws cloudformation describe-stacks --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
cluster=$(output DatabaseClusterArn)
master_secret=$(output MasterSecretArn)
app_secret=$(output AppUserSecretArn)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 700 "$work"

# Runs one statement; extra arguments go to execute-statement (--transaction-id, --parameters).
sql() {
  local statement="$1"
  shift
  aws rds-data execute-statement --resource-arn "$cluster" --secret-arn "$master_secret" \
    --database {{ db.database }} --sql "$statement" "$@"
}

# A resumed Serverless v2 instance may take a few seconds to answer the first call.
for attempt in 1 2 3 4 5 6; do
  if sql "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())" >/dev/null 2>"$work/err"; then
    break
  fi
  [ "$attempt" = 6 ] && { cat "$work/err" >&2; exit 1; }
  sleep 10
done

for file in migrations/*.sql; do
  version=$(basename "$file" .sql)
  applied=$(sql "SELECT count(*) FROM schema_migrations WHERE version = :v" \
    --parameters "name=v,value={stringValue=$version}" --query 'records[0][0].longValue' --output text)
  if [ "$applied" != 0 ]; then
    echo "$version: already applied"
    continue
  fi
  # The Data API runs one statement per call: split the file after each line that ends in ";",
  # and run every statement and the record of the version in one transaction.
  rm -f "$work"/stmt.*
  python3 - "$file" "$work" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
body = "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("--"))
for i, stmt in enumerate(s.strip() for s in re.split(r";[ \t]*(?:\n|$)", body)):
    if stmt:
        open(f"{sys.argv[2]}/stmt.{i:04d}", "w", encoding="utf-8").write(stmt)
PY
  tx=$(aws rds-data begin-transaction --resource-arn "$cluster" --secret-arn "$master_secret" \
    --database {{ db.database }} --query transactionId --output text)
  for stmt in "$work"/stmt.*; do
    if ! sql "$(cat "$stmt")" --transaction-id "$tx" >/dev/null; then
      aws rds-data rollback-transaction --resource-arn "$cluster" --secret-arn "$master_secret" --transaction-id "$tx" >/dev/null
      echo "$version: failed; rolled back" >&2
      exit 1
    fi
  done
  sql "INSERT INTO schema_migrations (version) VALUES (:v)" --transaction-id "$tx" \
    --parameters "name=v,value={stringValue=$version}" >/dev/null
  aws rds-data commit-transaction --resource-arn "$cluster" --secret-arn "$master_secret" --transaction-id "$tx" >/dev/null
  echo "$version: applied"
done

# The app user's password, which the proxy presents to the database. It travels as a bound
# parameter in a file readable only by you, never in SQL text or on a command line.
aws secretsmanager get-secret-value --secret-id "$app_secret" --query SecretString --output text |
  python3 -c '
import json, sys
password = json.load(sys.stdin)["password"]
print(json.dumps({"parameters": [{"name": "pw", "value": {"stringValue": password}}]}))
' >"$work/password.json"
tx=$(aws rds-data begin-transaction --resource-arn "$cluster" --secret-arn "$master_secret" \
  --database {{ db.database }} --query transactionId --output text)
sql "SELECT set_config('migrate.app_password', :pw, true)" --transaction-id "$tx" \
  --cli-input-json "file://$work/password.json" >/dev/null
sql "DO \$\$ BEGIN EXECUTE format('ALTER ROLE {{ db.app_user }} WITH LOGIN PASSWORD %L', current_setting('migrate.app_password')); END \$\$" \
  --transaction-id "$tx" >/dev/null
aws rds-data commit-transaction --resource-arn "$cluster" --secret-arn "$master_secret" --transaction-id "$tx" >/dev/null
echo "{{ db.app_user }}: password set from AppUserSecret"
