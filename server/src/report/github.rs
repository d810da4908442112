//! The backlog's GitHub import: `backlog/create-issues.sh`, a bash script that files every work
//! item ([`super::workitem`]) with the GitHub CLI: it creates the labels (`gh label create
//! --force`, which updates a label that exists), then one issue per item (`gh issue create
//! --title … --body-file … --label …`), its body the Markdown file beside the script.
//!
//! Titles, label descriptions and the workload's name are user or lens text, and a script runs
//! what it says. Every value is written single-quoted ([`quote`]): inside single quotes the
//! shell expands nothing (`$(…)`, backticks, `$VAR`, globs), and a single quote in the text is
//! closed, escaped and reopened. Control characters (a line break would end a comment or a
//! command) become spaces first. `--dry-run` prints each command instead of running it.

use std::fmt::Write as _;

use questionnaires::report::Report;

use super::Links;
use super::workitem::{self, TRELLIS_LABEL, WorkItem};

/// GitHub's longest label description.
const DESCRIPTION_MAX: usize = 100;

/// Text as one shell word in single quotes: nothing in it is expanded, and control characters
/// (line breaks, tabs, escapes) are spaces.
pub fn quote(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("'{}'", flat.replace('\'', r"'\''"))
}

/// A label's colour and description.
fn label_style(r: &Report, name: &str) -> (&'static str, String) {
    let (prefix, value) = name.split_once(':').unwrap_or((name, ""));
    match prefix {
        "risk" => (
            match value {
                "high" => "b60205",
                "medium" => "fbca04",
                _ => "0e8a16",
            },
            format!("Priority {value} in the design review"),
        ),
        "roadmap" => (
            match value {
                "now" => "1d76db",
                "next" => "5319e7",
                _ => "c5def5",
            },
            format!("Roadmap phase: {value}"),
        ),
        "area" => {
            let title = r
                .checklist
                .iter()
                .find(|i| workitem::area_label(&i.area_title) == name)
                .map_or(value, |i| i.area_title.as_str());
            ("bfdadc", format!("Design review area: {title}"))
        }
        _ => ("ededed", "Filed from a Trellis design review".to_owned()),
    }
}

fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The script for the open items; none when nothing is open.
pub fn script(r: &Report, links: Option<&Links>) -> Result<String, String> {
    let items = workitem::all(r, links);
    render(r, &items).map_err(|e| e.to_string())
}

fn render(r: &Report, items: &[WorkItem<'_>]) -> Result<String, std::fmt::Error> {
    let mut s = String::new();
    let name = quote(&r.workload.name);
    writeln!(s, "#!/usr/bin/env bash")?;
    writeln!(
        s,
        "# Files the backlog of the Trellis design review {name} as GitHub issues, one per open"
    )?;
    writeln!(
        s,
        "# checklist item, with the GitHub CLI (https://cli.github.com, logged in with `gh auth login`)."
    )?;
    writeln!(
        s,
        "# It creates the labels first (updating any that exist), then the issues; each issue's body"
    )?;
    writeln!(
        s,
        "# is the Markdown file beside this script. Running it again files the issues again."
    )?;
    writeln!(s, "#")?;
    writeln!(
        s,
        "# Usage: ./create-issues.sh --repo OWNER/NAME [--dry-run]"
    )?;
    writeln!(
        s,
        "#   --repo OWNER/NAME  the GitHub repository to file the issues in"
    )?;
    writeln!(
        s,
        "#   --dry-run          print each command instead of running it: nothing is created"
    )?;
    s.push_str(PRELUDE);
    writeln!(s)?;
    let mut labels: Vec<&str> = Vec::new();
    for w in items {
        for l in &w.labels {
            if !labels.contains(&l.as_str()) {
                labels.push(l);
            }
        }
    }
    // `trellis` first, then the rest by name.
    labels.sort_by_key(|l| (*l != TRELLIS_LABEL, *l));
    writeln!(s, "# The labels.")?;
    for l in &labels {
        let (color, description) = label_style(r, l);
        writeln!(
            s,
            "label {} {} {}",
            quote(l),
            quote(color),
            quote(&clip(&description, DESCRIPTION_MAX))
        )?;
    }
    writeln!(s)?;
    writeln!(s, "# The issues, highest priority first.")?;
    for w in items {
        write!(
            s,
            "issue {} {}",
            quote(&w.item.title),
            quote(&format!("{}.md", w.stem))
        )?;
        for l in &w.labels {
            write!(s, " {}", quote(l))?;
        }
        writeln!(s)?;
    }
    writeln!(s)?;
    let n = items.len();
    let issues = if n == 1 { "issue" } else { "issues" };
    let labels = labels.len();
    writeln!(
        s,
        "if [ \"$dry_run\" = 1 ]; then\n  echo \"Dry run: {n} {issues} and {labels} labels would be created in $repo.\"\nelse\n  echo \"Filed {n} {issues} in $repo.\"\nfi"
    )?;
    Ok(s)
}

/// Argument parsing and the two commands the script is made of.
const PRELUDE: &str = r#"set -euo pipefail

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
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_leaves_nothing_to_expand() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(touch x) `y`"), "'$(touch x) `y`'");
        assert_eq!(quote("a\nb\tc\u{1b}"), "'a b c '");
    }
}
