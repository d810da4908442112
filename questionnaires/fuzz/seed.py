#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz corpus and the dictionaries, from the real files.

    python3 questionnaires/fuzz/seed.py [OUT]

OUT defaults to questionnaires/fuzz; seeds go to OUT/corpus/<target>/ and dictionaries to
OUT/dict/<target>.dict. The committed corpus was made this way, then grown by fuzzing and
minimized with `cargo fuzz cmin`; run this again only to start a corpus over.

- lens_import: the six lenses (questionnaires/tests/lenses/, else ../shared/reference/lenses/), each
  as it is and cut down to its first pillar and two questions, and small lenses with one planted
  defect or quirk each;
- answers: every questionnaires/tests/cases/*.toml answers file, and a few as JSON;
- condition: every condition in questionnaires/content/**/*.toml and in the lenses' riskRules.
"""

import copy
import hashlib
import json
import pathlib
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "questionnaires" / "fuzz"
CONDITION_KEYS = {"when", "applies_when", "done_when"}


def lens_files():
    for folder in (ROOT / "questionnaires" / "tests" / "lenses", ROOT.parent / "shared" / "reference" / "lenses"):
        files = sorted(folder.glob("*.json"))
        if files:
            return files
    sys.exit("no lens files found")


def write(target, data, name=None):
    folder = OUT / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    data = data if isinstance(data, bytes) else data.encode()
    (folder / (name or hashlib.sha1(data).hexdigest())).write_bytes(data)


def strings(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key)
    elif isinstance(value, str):
        yield key, value


def planted_lenses():
    """Small lenses, each with one kind of defect or quirk the linter knows, by name."""

    def choice(q, i):
        return {"id": f"{q}_c{i}", "title": f"Choice {i}",
                "helpfulResource": {"displayText": "Read this.", "url": "https://example.com/help"},
                "improvementPlan": {"displayText": "Do this.", "url": "https://example.com/plan"}}

    def question(p, j, choices=2):
        q = f"{p}_q{j}"
        return {"id": q, "title": f"Question {j}", "description": "Why it matters.",
                "helpfulResource": {"displayText": "Background.", "url": "https://example.com/q"},
                "choices": [choice(q, i) for i in range(1, choices + 1)] + [{"id": q + "_no", "title": "None of these"}],
                "riskRules": [{"condition": f"{q}_c1 && {q}_c2", "risk": "NO_RISK"},
                              {"condition": f"{q}_c1 || {q}_c2", "risk": "MEDIUM_RISK"},
                              {"condition": "default", "risk": "HIGH_RISK"}]}

    def pillar(i, questions=1):
        p = f"pillar_{i}"
        return {"id": p, "name": f"Pillar {i}", "questions": [question(p, j) for j in range(1, questions + 1)]}

    def lens(pillars=1, questions=1):
        return {"schemaVersion": "2021-11-01", "name": "Planted", "description": "A small lens.",
                "pillars": [pillar(i, questions) for i in range(1, pillars + 1)]}

    out = {"clean": lens(2, 2)}

    def variant(name, edit, base=None):
        l = base or lens()
        edit(l)
        out[name] = l

    def q0(l):
        return l["pillars"][0]["questions"][0]

    out["too_many_pillars"] = lens(11)
    out["too_many_questions"] = lens(1, 21)
    variant("too_many_choices", lambda l: q0(l).update(question("pillar_1", 1, 16)))
    variant("enumeration_too_big", lambda l: q0(l).update(question("pillar_1", 1, 24)))
    variant("too_many_rules", lambda l: q0(l)["riskRules"].insert(0, {"condition": "pillar_1_q1_c2", "risk": "HIGH_RISK"}))
    variant("long_name", lambda l: l.update(name="n" * 129))
    variant("long_description", lambda l: l.update(description="d" * 2049))
    variant("long_title", lambda l: q0(l).update(title="t" * 513))
    variant("long_display_text", lambda l: q0(l)["choices"][0]["improvementPlan"].update(displayText="x" * 2049))
    variant("long_choice_description", lambda l: q0(l)["choices"][0].update(description="c" * 1025))
    variant("additional_resources", lambda l: q0(l)["choices"][0].update(additionalResources=[
        {"type": "HELPFUL_RESOURCE", "content": [{"displayText": f"Link {i}", "url": f"https://example.com/{i}"} for i in range(6)]},
        {"type": "IMPROVEMENT_PLAN", "content": [{"displayText": "Plan", "url": "https://example.com/p"}]},
        {"type": "SOMETHING_ELSE", "content": []}]))
    variant("bad_urls", lambda l: (q0(l)["choices"][0]["helpfulResource"].update(url="ftp://example.com"),
                                   q0(l)["choices"][1]["improvementPlan"].update(url="not a url"),
                                   q0(l)["helpfulResource"].update(url="http://")))
    variant("url_without_text", lambda l: q0(l).update(helpfulResource={"url": "https://example.com"}))
    variant("missing_improvement_plan", lambda l: q0(l)["choices"][0].pop("improvementPlan"))
    variant("duplicate_pillar", lambda l: l["pillars"].append(dict(l["pillars"][0])))
    variant("duplicate_question", lambda l: l["pillars"][0]["questions"].append(dict(q0(l))))
    variant("duplicate_choice", lambda l: q0(l)["choices"].append(dict(q0(l)["choices"][0])))
    variant("bad_ids", lambda l: (l["pillars"][0].update(id="a b"), q0(l)["choices"][0].update(id="c1")))
    variant("schema_version", lambda l: l.update(schemaVersion="2020-01-01"))
    variant("unreachable_rule", lambda l: q0(l).update(riskRules=[
        {"condition": "pillar_1_q1_c1", "risk": "NO_RISK"},
        {"condition": "pillar_1_q1_c1 && pillar_1_q1_c2", "risk": "MEDIUM_RISK"},
        {"condition": "default", "risk": "HIGH_RISK"}]))
    variant("missing_default", lambda l: q0(l)["riskRules"].pop())
    variant("default_not_last", lambda l: q0(l)["riskRules"].reverse())
    variant("duplicate_risk", lambda l: q0(l)["riskRules"][1].update(risk="NO_RISK"))
    variant("bad_risk", lambda l: q0(l)["riskRules"][1].update(risk="LOW_RISK"))
    variant("unknown_choice", lambda l: q0(l)["riskRules"][0].update(condition="pillar_1_q1_c1 && nope"))
    variant("bad_condition", lambda l: q0(l)["riskRules"][0].update(condition="(pillar_1_q1_c1 &&"))
    variant("ambiguous_condition", lambda l: q0(l)["riskRules"][0].update(condition="pillar_1_q1_c1 && pillar_1_q1_c2 || pillar_1_q1_no"))
    variant("none_not_exclusive", lambda l: q0(l)["riskRules"][0].update(condition="pillar_1_q1_no && pillar_1_q1_c1"))
    variant("two_none_choices", lambda l: q0(l)["choices"].append({"id": "other_no", "title": "Neither"}))
    variant("placeholder_text", lambda l: q0(l)["choices"][0]["improvementPlan"].update(displayText="-"))
    variant("extra_keys", lambda l: (l.update(_version="1.0", _release_note="x", ready=True),
                                     q0(l).update(url="https://example.com"),
                                     q0(l)["choices"][0].update(description="More about it."),
                                     q0(l)["choices"][1]["helpfulResource"].update(Url="https://example.com/u"),
                                     q0(l)["choices"][1].update(riskRule=[])))
    variant("bad_types", lambda l: (l.update(description=5), q0(l).update(choices={}), l["pillars"][0].update(name=None)))
    variant("empty_pillars", lambda l: l.update(pillars=[]))
    variant("missing_fields", lambda l: (q0(l).pop("title"), q0(l)["choices"][0].pop("id"), l.pop("name")))
    out["not_an_object"] = ["2021-11-01"]
    return out


def main():
    lenses = lens_files()
    conditions = set()
    lens_words = set()
    for path in lenses:
        raw = path.read_bytes()
        lens = json.loads(raw)
        write("lens_import", raw, path.name)
        small = copy.deepcopy(lens)
        small["pillars"] = small.get("pillars", [])[:1]
        for pillar in small["pillars"]:
            pillar["questions"] = pillar.get("questions", [])[:2]
        write("lens_import", json.dumps(small, indent=1, ensure_ascii=False), "small_" + path.name)
        for pillar in lens.get("pillars", []):
            for question in pillar.get("questions", []):
                for rule in question.get("riskRules", []):
                    conditions.add(rule.get("condition", ""))
        for key, _ in strings(lens):
            lens_words.add(key)
        lens_words.update(k for k in lens)

    for name, lens in planted_lenses().items():
        write("lens_import", json.dumps(lens, indent=1), f"planted_{name}.json")

    cases = sorted(p for p in (ROOT / "questionnaires" / "tests" / "cases").glob("*.toml") if not p.name.endswith(".expect.toml"))
    question_words = set()
    for i, path in enumerate(cases):
        text = path.read_text()
        write("answers", text, path.name)
        data = tomllib.loads(text)
        if i % 4 == 0:
            write("answers", json.dumps(data, indent=2, ensure_ascii=False), path.stem + ".json")

    content = ROOT / "questionnaires" / "content"
    for path in sorted(content.rglob("*.toml")):
        data = tomllib.loads(path.read_text())
        for key, value in strings(data):
            if key in CONDITION_KEYS:
                conditions.add(value)
        if "inputs" in data:
            conditions.update(v for v in data["inputs"].values() if not v.replace("_", "").isalnum())
        for question in data.get("questions", []):
            question_words.add(question["id"])
            for choice in question.get("choices", []):
                question_words.add(choice["id"])
                question_words.add(question["id"] + "." + choice["id"])
    for c in sorted(conditions):
        if c.strip():
            write("condition", c)

    calcs = ["calc.concurrency", "calc.monthly_requests", "calc.lambda_monthly_usd",
             "calc.fargate_monthly_usd", "calc.serverless_cost_ratio", "calc.cold_start_ms"]
    dicts = {
        "condition": ["&&", "||", "!", "(", ")", "<=", ">=", "==", "!=", "<", ">", "default", "_no",
                      *calcs, *sorted(question_words)],
        "answers": ["questionnaire", "serverless-review", "workload", "answers", "name", "description",
                    "environment", "not_applicable", "value", "note", "[answers]", "[workload]",
                    *sorted(question_words)],
        "lens_import": ["2021-11-01", "HIGH_RISK", "MEDIUM_RISK", "NO_RISK", "default", "_no",
                        "HELPFUL_RESOURCE", "IMPROVEMENT_PLAN", "https://", "http://", "&&", "||", "!",
                        *sorted(lens_words)],
    }
    (OUT / "dict").mkdir(parents=True, exist_ok=True)
    for target, words in dicts.items():
        lines = ["# Generated by seed.py: tokens libFuzzer splices into inputs."]
        # libFuzzer reads "..." with \\ and \xNN escapes only: keep plain printable ASCII.
        lines += [f'"{w}"' for w in dict.fromkeys(words) if w and all(" " <= c <= "~" and c not in '"\\' for c in w)]
        (OUT / "dict" / f"{target}.dict").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
