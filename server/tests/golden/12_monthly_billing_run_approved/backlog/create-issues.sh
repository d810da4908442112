#!/usr/bin/env bash
# Files the backlog of the Trellis design review 'Monthly billing run' as GitHub issues, one per open
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
label 'risk:low' '0e8a16' 'Priority low in the design review'
label 'risk:medium' 'fbca04' 'Priority medium in the design review'
label 'roadmap:later' 'c5def5' 'Roadmap phase: later'
label 'roadmap:now' '1d76db' 'Roadmap phase: now'

# The issues, highest priority first.
issue 'Document the event model with versioned schemas, producers and consumers' '01-event-model-documented.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:medium' 'roadmap:now'
issue 'Test the cost model against real traffic and compare with containers' '02-cost-model-tested.md' 'trellis' 'area:cost' 'risk:medium' 'roadmap:now'
issue 'Shift traffic gradually with automatic rollback on alarms' '03-canary-deploys.md' 'trellis' 'area:delivery' 'risk:medium' 'roadmap:now'
issue 'Agree RTO and RPO with the business and rehearse a recovery against them' '04-recovery-objectives-rehearsed.md' 'trellis' 'area:reliability-and-failure-handling' 'risk:low' 'roadmap:later'
issue 'Turn on point-in-time recovery and versioning, keep copies out of reach, and test restores' '05-backups-restorable.md' 'trellis' 'area:state-boundaries' 'risk:low' 'roadmap:later'
issue 'Enforce compliance and residency obligations with guardrails and continuous checks' '06-compliance-enforced.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Isolate pooled tenants by identity, scoped credentials and per-tenant limits' '07-tenant-isolation-enforced.md' 'trellis' 'area:security' 'risk:low' 'roadmap:later'
issue 'Alarm on quota usage and request increases ahead of growth' '08-quota-usage-alarms.md' 'trellis' 'area:observability' 'risk:low' 'roadmap:later'
issue 'Estimate and control what logs, metrics and traces cost' '09-telemetry-cost-controlled.md' 'trellis' 'area:cost' 'risk:low' 'roadmap:later'
issue 'Ship only pinned, scanned and signed code' '10-signed-scanned-artifacts.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'
issue 'Load-test at peak and inject faults before customers do it for you' '11-load-and-fault-tests.md' 'trellis' 'area:delivery' 'risk:low' 'roadmap:later'

if [ "$dry_run" = 1 ]; then
  echo "Dry run: 11 issues and 11 labels would be created in $repo."
else
  echo "Filed 11 issues in $repo."
fi
