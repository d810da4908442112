// Function code as CDK assets. `cdk deploy` builds each function's code on this machine, the way
// `sam build` does (no Docker), then uploads it to the bootstrap bucket.
import { execFileSync } from 'node:child_process';
{%- if !fs_imports.is_empty() %}
import { {{ fs_imports }} } from 'node:fs';
{%- endif %}
import * as path from 'node:path';
import { BundlingOptions, DockerImage } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';

/** The project folder: this file runs from infra/dist/lib. */
export const ROOT = path.resolve(__dirname, '..', '..', '..');

{%- if plan.runtime != Runtime::Python %}
/** Not part of the functions' source: left out of the hash that says when to rebuild. */
const EXCLUDE = ['infra', 'node_modules', 'target', '.git', '.aws-sam', 'integration', 'events'];
{%- endif %}

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', process.stderr, process.stderr] });
}

/** Bundling that always runs here: a missing tool fails the build and names itself. */
function local(build: (out: string) => void): BundlingOptions {
  return {
    image: DockerImage.fromRegistry('local-bundling-only'),
    local: {
      tryBundle(out: string): boolean {
        build(out);
        return true;
      },
    },
  };
}
{%- match plan.runtime %}
{%- when Runtime::Python %}

/** A Python function's folder with its requirements installed beside it, for the architecture. */
export function python(scope: Construct, id: string, dir: string, architecture: string): Asset {
  const src = path.join(ROOT, dir);
  const platform = architecture === 'arm64' ? 'manylinux2014_aarch64' : 'manylinux2014_x86_64';
  return new Asset(scope, id, {
    path: src,
    bundling: local((out) => {
      run('python', ['-m', 'pip', 'install', '--quiet', '--requirement', 'requirements.txt', '--target', out,
        '--platform', platform, '--implementation', 'cp', '--python-version', '{{ python_version }}',
        '--only-binary=:all:'], src);
      cpSync(src, out, { recursive: true });
    }),
  });
}
{%- when Runtime::Typescript %}

/** The handlers bundled by esbuild (from the project's own node_modules: run `npm ci` first). */
export function typescript(
  scope: Construct,
  id: string,
  build: { entryPoints: string[]; external: string[] },
): Asset {
  return new Asset(scope, id, {
    path: ROOT,
    exclude: EXCLUDE,
    bundling: local((out) => {
      run('npx', ['esbuild', ...build.entryPoints, '--bundle', '--platform=node', '--target=es2022', '--minify',
        '--sourcemap', `--outdir=${out}`, ...build.external.map((e) => `--external:${e}`)], ROOT);
    }),
  });
}
{%- when Runtime::Rust %}

/** One binary built by cargo-lambda for the architecture, as `bootstrap`. */
export function rust(scope: Construct, id: string, binary: string, architecture: string): Asset {
  return new Asset(scope, id, {
    path: ROOT,
    exclude: EXCLUDE,
    bundling: local((out) => {
      run('cargo', ['lambda', 'build', '--release', architecture === 'arm64' ? '--arm64' : '--x86-64',
        '--bin', binary], ROOT);
      cpSync(path.join(ROOT, 'target', 'lambda', binary, 'bootstrap'), path.join(out, 'bootstrap'));
    }),
  });
}
{%- endmatch %}
{%- if asl %}

/** A JSON file of the project, such as a state machine's definition. */
export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));
}
{%- endif %}
