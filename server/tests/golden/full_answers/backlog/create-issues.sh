#!/usr/bin/env bash
# Files the backlog of the Trellis design review 'Loyalty points API' as GitHub issues, one per open
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
label 'risk:medium' 'fbca04' 'Priority medium in the design review'
label 'roadmap:now' '1d76db' 'Roadmap phase: now'

# The issues, highest priority first.
issue 'Test the cost model against real traffic and compare with containers' '01-cost-model-tested.md' 'trellis' 'area:cost' 'risk:medium' 'roadmap:now'

if [ "$dry_run" = 1 ]; then
  echo "Dry run: 1 issue and 4 labels would be created in $repo."
else
  echo "Filed 1 issue in $repo."
fi
