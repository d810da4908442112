#!/usr/bin/env bash
# Files the backlog of the Trellis design review 'Member profile API (draft)' as GitHub issues, one per open
# checklist item, with the GitHub CLI (https://cli.github.com, logged in with `gh auth login`).
# It creates the labels first (updating any that exist), then the issues; each issue's body
# is the Markdown file beside this script. Running it again files the issues again.
#
# Usage: ./create-issues.sh --repo OWNER/NAME [--dry-run]
#   --repo OWNER/NAME  the GitHub repository to file the issues in
#   --dry-run          print each command instead of running it: nothing is created
set -euo pipefail

usage() {
  printf '%s\n' 'Usage: create-issues.sh --repo OWNER/NAME [--dry-run]' \
    '  --repo OWNER/NAME  the GitHub repository to file the issues in' \
    '  --dry-run          print each command instead of running it'
}

repo=''
dry_run=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --repo)
      if [ "$#" -lt 2 ]; then
        echo 'create-issues.sh: --repo needs OWNER/NAME' >&2
        exit 2
      fi
      repo="$2"
      shift 2
      ;;
    --repo=*)
      repo="${1#--repo=}"
      shift
      ;;
    --dry-run)
      dry_run=1
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      printf 'create-issues.sh: unknown argument: %s\n' "$1" >&2
      usage >&2
      exit 2
      ;;
  esac
done
if [[ ! "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
  echo 'create-issues.sh: --repo OWNER/NAME is required, such as --repo acme/checkout' >&2
  usage >&2
  exit 2
fi
if [ "$dry_run" = 0 ] && ! command -v gh >/dev/null 2>&1; then
  echo 'create-issues.sh: needs the GitHub CLI (gh): https://cli.github.com' >&2
  exit 1
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# run COMMAND...: runs it; with --dry-run, prints it quoted as the shell reads it.
run() {
  if [ "$dry_run" = 1 ]; then
    printf 'would run:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

# label NAME COLOR DESCRIPTION: creates the label, or updates it when it exists.
label() {
  run gh label create "$1" --repo "$repo" --color "$2" --description "$3" --force
}

# issue TITLE BODY_FILE LABEL...: files one issue, its body the file beside this script.
issue() {
  local title="$1" body="$here/$2"
  shift 2
  local args=() name
  for name in "$@"; do
    args+=(--label "$name")
  done
  run gh issue create --repo "$repo" --title "$title" --body-file "$body" "${args[@]}"
}

# The labels.
label 'trellis' 'ededed' 'Filed from a Trellis design review'
label 'area:cost' 'bfdadc' 'Design review area: Cost'
label 'area:delivery' 'bfdadc' 'Design review area: Delivery'
label 'area:observability' 'bfdadc' 'Design review area: Observability'
label 'area:reliability-and-failure-handling' 'bfdadc' 'Design review area: Reliability and failure handling'
label 'area:security' 'bfdadc' 'Design review area: Security'
label 'area:state-boundaries' 'bfdadc' 'Design review area: State boundaries'
label 'area:workload-fit' 'bfdadc' 'Design review area: Workload fit'
label 'risk:low' '0e8a16' 'Priority low in the design review'
label 'roadmap:later' 'c5def5' 'Roadmap phase: later'

# The issues, highest priority first.
issue 'Draw the workload boundary and record the compute choice per component' '01-workload-boundary-defined.md' 'trellis' 'area:workload-fit' 'risk:low' 'roadmap:later'
issue 'Document where each piece of state lives, who owns it and why' '02-state-ownership-documented.md' 'trellis' 'area:state-boundaries' 'risk:low' 'roadmap:later'
issue 'Run multi-step processes in a state machine' '03-workflows-in-state-machines.md' 'trellis' 'area:state-boundaries' 'risk:low' 'roadmap:later'
issue 'Document the event model with versioned schemas, producers and consumers' '04-event-model-documented.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Make every handler safe to run twice' '05-idempotent-handlers.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Give every asynchronous path a dead-letter queue or on-failure destination' '06-failure-destinations.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Set explicit timeouts and retry at one layer only' '07-explicit-timeouts.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Cap concurrency where downstream systems cannot keep up' '08-reserved-concurrency-caps.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Fail fast when an external dependency is unhealthy' '09-circuit-breakers.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Give each function its own narrow role, and keep production changes with the pipeline' '10-least-privilege-roles.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Keep secrets in Secrets Manager or Parameter Store, and out of logs' '11-secrets-managed.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Check identity and input before any function runs, and re-check input in the handler' '12-edge-auth-and-validation.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Encrypt data at rest and enforce TLS in transit' '13-encryption-everywhere.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Ship monitoring and tracing with the first release' '14-observability-from-day-one.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Log structured JSON with a correlation ID across every hop' '15-structured-logs-correlation.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Trace requests end to end with X-Ray or OpenTelemetry' '16-distributed-tracing.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Alarm on errors, throttles and duration, and route alarms to a person' '17-core-alarms.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Make failed and stuck events raise an alarm' '18-failures-visible.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Set an explicit retention on every log group' '19-log-retention-set.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Create a budget alert and anomaly detection for the account' '20-budget-alarm.md' 'trellis' 'area:cost' 'risk:low' 'roadmap:later'
issue 'Test the cost model against real traffic and compare with containers' '21-cost-model-tested.md' 'trellis' 'area:cost' 'risk:low' 'roadmap:later'
issue 'Keep AWS service traffic off NAT gateways' '22-avoid-nat-for-aws-traffic.md' 'trellis' 'area:cost' 'risk:low' 'roadmap:later'
issue 'Run functions on arm64' '23-arm64-functions.md' 'trellis' 'area:cost' 'risk:low' 'roadmap:later'
issue 'Define every resource, including event wiring, as code' '24-infrastructure-as-code.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Build a pipeline that tests and ships changes without hand-holding' '25-automated-pipeline.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Shift traffic gradually with automatic rollback on alarms' '26-canary-deploys.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Practise rollback, including for data and event format changes' '27-rehearsed-rollback.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Migrate slice by slice behind a routing layer you can switch back' '28-reversible-migration.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Agree RTO and RPO with the business and rehearse a recovery against them' '29-recovery-objectives-rehearsed.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Turn on point-in-time recovery and versioning, keep copies out of reach, and test restores' '30-backups-restorable.md' 'trellis' 'area:state-boundaries' 'risk:low' 'roadmap:later'
issue 'Enforce compliance and residency obligations with guardrails and continuous checks' '31-compliance-enforced.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Isolate pooled tenants by identity, scoped credentials and per-tenant limits' '32-tenant-isolation-enforced.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Put AWS WAF in front of every public API' '33-waf-on-public-apis.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Alarm on quota usage and request increases ahead of growth' '34-quota-usage-alarms.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Estimate and control what logs, metrics and traces cost' '35-telemetry-cost-controlled.md' 'trellis' 'area:cost' 'risk:low' 'roadmap:later'
issue 'Ship only pinned, scanned and signed code' '36-signed-scanned-artifacts.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Load-test at peak and inject faults before customers do it for you' '37-load-and-fault-tests.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'

if [ "$dry_run" = 1 ]; then
  echo "Dry run: 37 issues and 10 labels would be created in $repo."
else
  echo "Filed 37 issues in $repo."
fi
