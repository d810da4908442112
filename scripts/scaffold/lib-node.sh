# Shared by check-typescript and check-cdk (sourced): the starters' pinned npm packages.
#
# The shared set (scripts/scaffold/node/package.json and its package-lock.json) is installed
# once with `npm ci` into $HOME/.cache/trellis-tools/scaffold-node/, and reinstalled only when
# the lock changes. A starter's folder gets a `node_modules` symlink to it.

node_shared="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/node"
node_cache="${TRELLIS_TOOLS:-$HOME/.cache/trellis-tools}/scaffold-node"

# Installs the shared set when the lock changed since the last install. Checks run in parallel
# (scripts/scaffold/check --jobs), so one installs while the others wait.
node_install() {
  mkdir -p "$(dirname "$node_cache")"
  exec 9>"$node_cache.lock"
  flock 9
  local lock_sum
  lock_sum=$(sha256sum "$node_shared/package-lock.json" "$node_shared/package.json" | sha256sum | cut -d' ' -f1)
  if [ ! -f "$node_cache/.lock-sha256" ] || [ "$(cat "$node_cache/.lock-sha256")" != "$lock_sum" ] || [ ! -d "$node_cache/node_modules" ]; then
    echo "== installing the shared TypeScript dependencies into $node_cache"
    mkdir -p "$node_cache"
    rm -rf "$node_cache/node_modules" "$node_cache/.lock-sha256"
    cp "$node_shared/package.json" "$node_shared/package-lock.json" "$node_cache/"
    (cd "$node_cache" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" >"$node_cache/.lock-sha256"
  fi
  flock -u 9
}

# node_pins PACKAGE_JSON SCRIPT...: the package's pins must be exactly the shared set's, so the
# two cannot drift, and it must have each named npm script.
node_pins() {
  local file="$1"
  shift
  echo "== checking $file against the shared set"
  node - "$file" "$node_cache/package.json" "$@" <<'JS'
const fs = require("node:fs");
const [starterPath, sharedPath, ...scripts] = process.argv.slice(2);
const starter = JSON.parse(fs.readFileSync(starterPath, "utf8"));
const shared = JSON.parse(fs.readFileSync(sharedPath, "utf8"));
const pinned = { ...shared.dependencies, ...shared.devDependencies };
const problems = [];
for (const field of ["dependencies", "devDependencies"]) {
  for (const [name, version] of Object.entries(starter[field] ?? {})) {
    if (!(name in pinned)) {
      problems.push(`${field}: ${name} is not in scripts/scaffold/node/package.json`);
    } else if (version !== pinned[name]) {
      problems.push(`${field}: ${name} is ${version}, the shared set pins ${pinned[name]}`);
    }
    if (field === "dependencies" && name in (shared.devDependencies ?? {})) {
      problems.push(`${name} is a build tool: it belongs in devDependencies`);
    }
  }
}
const powertools = new Set(
  Object.entries({ ...starter.dependencies })
    .filter(([n]) => n.startsWith("@aws-lambda-powertools/"))
    .map(([, v]) => v),
);
if (powertools.size > 1) problems.push(`Powertools packages at more than one version: ${[...powertools].join(", ")}`);
for (const script of scripts) {
  if (!starter.scripts?.[script]) problems.push(`scripts.${script} is missing`);
}
if (problems.length) {
  for (const p of problems) console.error(`${starterPath}: ${p}`);
  process.exit(1);
}
JS
}

# node_link DIR: links the shared node_modules into DIR (never replacing a real folder).
node_link() {
  if [ -e "$1/node_modules" ] && [ ! -L "$1/node_modules" ]; then
    echo "$1/node_modules exists and is not a symlink; remove it first" >&2
    return 1
  fi
  ln -sfn "$node_cache/node_modules" "$1/node_modules"
}
