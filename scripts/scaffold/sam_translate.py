"""Transforms a SAM template into plain CloudFormation offline, with aws-sam-translator.

Usage: python sam_translate.py TEMPLATE.yaml OUTPUT.json [TEMPLATE.yaml OUTPUT.json ...]

Many pairs are translated in one process (loading the translator is most of the cost). Each
problem is printed on a line that starts with its template's path; exits 1 when any failed.

No AWS call is made: local CodeUri paths become fake S3 locations, a state machine's
DefinitionUri file is inlined as its Definition (so cfn-lint checks the ASL), and managed
policy names resolve from a fixed map.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from typing import Any

# The transform reads the region for ARNs it builds; no call is made with it.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from cfnlint.decode import decode  # noqa: E402
from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402

# Managed policies a template may name; AWS-owned ARNs, fixed.
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for path, names in {
        "service-role/": [
            "AWSLambdaBasicExecutionRole",
            "AWSLambdaSQSQueueExecutionRole",
            "AWSLambdaKinesisExecutionRole",
            "AWSLambdaDynamoDBExecutionRole",
            "AWSLambdaVPCAccessExecutionRole",
            "AWSLambdaRole",
            "AWSCodeDeployRoleForLambda",
        ],
        "": [
            "AWSXrayWriteOnlyAccess",
            "AWSXRayDaemonWriteAccess",
            "CloudWatchLambdaInsightsExecutionRolePolicy",
        ],
    }.items()
    for name in names
}


class FixedPolicies:
    """The managed-policy loader aws-sam-translator expects, without IAM calls."""

    def load(self) -> dict[str, str]:
        return MANAGED_POLICIES


def localize(template: dict[str, Any], base: str) -> None:
    """Replaces local artifact paths with what `sam package` would put there."""
    for name, res in (template.get("Resources") or {}).items():
        props = res.get("Properties") or {}
        kind = res.get("Type")
        if kind == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            props["CodeUri"] = f"s3://starter-artifacts/{name}.zip"
        if kind == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            with open(os.path.join(base, props.pop("DefinitionUri")), encoding="utf-8") as f:
                props["Definition"] = json.load(f)


def translate(src: str, dst: str) -> bool:
    template, matches = decode(src)
    if template is None:
        for m in matches:
            print(f"{src}: {m}", file=sys.stderr)
        return False
    template = json.loads(json.dumps(template))  # plain dicts, no cfn-lint node types
    try:
        localize(template, os.path.dirname(os.path.abspath(src)))
        out = transform(template, {}, FixedPolicies())
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(f"{src}: {cause.message}", file=sys.stderr)
        return False
    except (OSError, ValueError) as e:
        print(f"{src}: {e}", file=sys.stderr)
        return False
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, sort_keys=False)
    return True


def main() -> int:
    args = sys.argv[1:]
    if not args or len(args) % 2:
        print(__doc__, file=sys.stderr)
        return 2
    # The translator logs a notice per function about feature toggles it has no config for.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    results = [translate(src, dst) for src, dst in zip(args[::2], args[1::2])]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
