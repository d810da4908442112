//! Planted defects, one table: each case breaks the small valid lens of [`super::base`] (or is
//! a whole file of its own) and names every finding the linter must give for it, with its code,
//! severity, question and pointer. One test runs them all and names every case that fails.

use questionnaires::lens::{self, Finding, Severity};
use serde_json::{Value, json};

use self::Lens::{Edit, Text};

/// What a case lints.
enum Lens {
    /// A whole file.
    Text(fn() -> String),
    /// [`super::base`] after this edit.
    Edit(fn(&mut Value)),
}

/// A finding a case must give: this code, severity, question and pointer, and a message that
/// begins with `begins` and contains every one of `says`.
struct Want {
    code: &'static str,
    severity: Severity,
    question: Option<&'static str>,
    pointer: &'static str,
    begins: &'static str,
    says: &'static [&'static str],
}

const fn error(code: &'static str, pointer: &'static str) -> Want {
    Want {
        code,
        severity: Severity::Error,
        question: None,
        pointer,
        begins: "",
        says: &[],
    }
}

const fn warning(code: &'static str, pointer: &'static str) -> Want {
    Want {
        severity: Severity::Warning,
        ..error(code, pointer)
    }
}

impl Want {
    /// About this question (without it, about none).
    const fn of(self, question: &'static str) -> Want {
        Want {
            question: Some(question),
            ..self
        }
    }

    const fn says(self, says: &'static [&'static str]) -> Want {
        Want { says, ..self }
    }

    const fn begins(self, begins: &'static str) -> Want {
        Want { begins, ..self }
    }

    /// What is wrong with `findings` for this want, if anything.
    fn missing(&self, findings: &[Finding]) -> Option<String> {
        let Want {
            code,
            severity,
            question,
            pointer,
            begins,
            says,
        } = self;
        let found = findings
            .iter()
            .find(|f| f.code == *code && f.pointer == *pointer)
            .filter(|f| f.severity == *severity && f.question.as_deref() == *question);
        let Some(found) = found else {
            return Some(format!(
                "no {severity:?} {code} at {pointer} for {question:?}"
            ));
        };
        let message = &found.message;
        if !message.starts_with(begins) {
            return Some(format!("{code}: `{message}` does not begin `{begins}`"));
        }
        says.iter()
            .find(|s| !message.contains(**s))
            .map(|s| format!("{code}: `{message}` does not say `{s}`"))
    }
}

/// One planted defect.
struct Case {
    name: &'static str,
    lens: Lens,
    want: &'static [Want],
    /// Codes that must not be reported (a defect is reported once, under one code).
    not: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Syntax and shape.
    Case {
        name: "a JSON syntax error names its line",
        lens: Text(|| "{ \"name\": \"x\",\n  \"pillars\": [ }".to_owned()),
        want: &[error("json", "").says(&["line 2"])],
        not: &[],
    },
    Case {
        name: "a lens that is an array",
        lens: Text(|| "[1, 2]".to_owned()),
        want: &[error("bad-type", "")],
        not: &[],
    },
    Case {
        name: "a question title that is a number",
        lens: Edit(|v| v["pillars"][0]["questions"][0]["title"] = json!(5)),
        want: &[error("bad-type", "/pillars/0/questions/0/title")
            .says(&["must be a string, not a number"])],
        not: &["missing-field"],
    },
    Case {
        name: "a choice that is a string",
        lens: Edit(|v| v["pillars"][0]["questions"][0]["choices"][1] = json!("oops")),
        want: &[error("bad-type", "/pillars/0/questions/0/choices/1")],
        not: &[],
    },
    Case {
        name: "an unknown schema version",
        lens: Edit(|v| v["schemaVersion"] = json!("2020-01-01")),
        want: &[error("schema-version", "/schemaVersion")],
        not: &[],
    },
    Case {
        name: "no schema version",
        lens: Edit(|v| {
            v.as_object_mut().unwrap().remove("schemaVersion");
        }),
        want: &[error("missing-field", "/schemaVersion")],
        not: &[],
    },
    Case {
        name: "a file of 600 KB",
        lens: Text(|| format!("{{\"name\": \"{}\"}}", "x".repeat(600 * 1024))),
        want: &[error("too-large", "")],
        not: &[],
    },
    // Missing fields and ids.
    Case {
        name: "a question without a title",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]
                .as_object_mut()
                .unwrap()
                .remove("title");
        }),
        want: &[error("missing-field", "/pillars/0/questions/0/title").of("backups")],
        not: &[],
    },
    Case {
        name: "a question with an empty description",
        lens: Edit(|v| v["pillars"][0]["questions"][0]["description"] = json!("")),
        want: &[warning("missing-field", "/pillars/0/questions/0/description").of("backups")],
        not: &[],
    },
    Case {
        name: "a choice id with a hyphen",
        lens: Edit(|v| v["pillars"][0]["questions"][0]["choices"][0]["id"] = json!("a-b")),
        want: &[error("bad-id", "/pillars/0/questions/0/choices/0/id").of("backups")],
        not: &[],
    },
    Case {
        name: "a pillar id of two letters",
        lens: Edit(|v| v["pillars"][0]["id"] = json!("ab")),
        want: &[error("bad-id", "/pillars/0/id")],
        not: &[],
    },
    Case {
        name: "a pillar twice, and its questions with it",
        lens: Edit(|v| {
            let p = v["pillars"][0].clone();
            v["pillars"].as_array_mut().unwrap().push(p);
        }),
        want: &[
            error("duplicate-id", "/pillars/1/id"),
            error("duplicate-id", "/pillars/1/questions/0/id").of("backups"),
        ],
        not: &[],
    },
    Case {
        name: "two choices of a question with one id",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"][1]["id"] = json!("backup_daily");
        }),
        want: &[error("duplicate-id", "/pillars/0/questions/0/choices/1/id").of("backups")],
        not: &[],
    },
    // Limits.
    Case {
        name: "a lens name of 129 characters",
        lens: Edit(|v| v["name"] = json!("n".repeat(129))),
        want: &[error("too-long", "/name")],
        not: &[],
    },
    Case {
        name: "a question title of 200 characters",
        lens: Edit(|v| v["pillars"][0]["questions"][0]["title"] = json!("t".repeat(200))),
        want: &[warning("too-long", "/pillars/0/questions/0/title").of("backups")],
        not: &[],
    },
    Case {
        name: "a question title of 513 characters",
        lens: Edit(|v| v["pillars"][0]["questions"][0]["title"] = json!("t".repeat(513))),
        want: &[error("too-long", "/pillars/0/questions/0/title").of("backups")],
        not: &[],
    },
    Case {
        name: "a question description of 2049 characters",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["description"] = json!("d".repeat(2049));
        }),
        want: &[error("too-long", "/pillars/0/questions/0/description").of("backups")],
        not: &[],
    },
    Case {
        name: "an improvement plan of 2049 characters",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"][0]["improvementPlan"]["displayText"] =
                json!("p".repeat(2049));
        }),
        want: &[error(
            "too-long",
            "/pillars/0/questions/0/choices/0/improvementPlan/displayText",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "eleven pillars",
        lens: Edit(|v| {
            let p = v["pillars"][0].clone();
            let pillars = v["pillars"].as_array_mut().unwrap();
            for i in 1..11 {
                let mut p = p.clone();
                p["id"] = json!(format!("pillar_{i}"));
                for (k, q) in p["questions"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .enumerate()
                {
                    q["id"] = json!(format!("q_{i}_{k}"));
                }
                pillars.push(p);
            }
        }),
        want: &[error("too-many", "/pillars")],
        not: &[],
    },
    Case {
        name: "22 questions in a pillar",
        lens: Edit(|v| {
            let q = v["pillars"][0]["questions"][1].clone();
            let qs = v["pillars"][0]["questions"].as_array_mut().unwrap();
            for i in 0..20 {
                let mut q = q.clone();
                q["id"] = json!(format!("extra_{i}"));
                qs.push(q);
            }
        }),
        want: &[error("too-many", "/pillars/0/questions")],
        not: &[],
    },
    Case {
        name: "16 choices in a question",
        lens: Edit(|v| {
            let cs = v["pillars"][0]["questions"][1]["choices"]
                .as_array_mut()
                .unwrap();
            for i in 0..14 {
                cs.push(json!({ "id": format!("c_{i}"), "title": "More", "improvementPlan": { "displayText": "Do it." } }));
            }
        }),
        want: &[error("too-many", "/pillars/0/questions/1/choices").of("alerts")],
        not: &[],
    },
    Case {
        name: "four risk rules, two of them NO_RISK",
        lens: Edit(|v| {
            let rules = v["pillars"][0]["questions"][1]["riskRules"]
                .as_array_mut()
                .unwrap();
            rules.insert(
                0,
                json!({ "condition": "alerts_email", "risk": "HIGH_RISK" }),
            );
            rules.insert(
                0,
                json!({ "condition": "alerts_email && alerts_oncall", "risk": "NO_RISK" }),
            );
        }),
        want: &[
            error("too-many", "/pillars/0/questions/1/riskRules").of("alerts"),
            error("duplicate-risk", "/pillars/0/questions/1/riskRules/2/risk").of("alerts"),
        ],
        not: &[],
    },
    Case {
        name: "six links in one additional resource",
        lens: Edit(|v| {
            let link = json!({ "displayText": "More", "url": "https://example.com/more" });
            v["pillars"][0]["questions"][0]["choices"][0]["additionalResources"] =
                json!([{ "type": "HELPFUL_RESOURCE", "content": vec![link; 6] }]);
        }),
        want: &[error(
            "too-many",
            "/pillars/0/questions/0/choices/0/additionalResources/0/content",
        )
        .of("backups")],
        not: &[],
    },
    // Improvement plans, links and keys.
    Case {
        name: "a choice without an improvement plan",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"][0]
                .as_object_mut()
                .unwrap()
                .remove("improvementPlan");
        }),
        want: &[error(
            "missing-improvement-plan",
            "/pillars/0/questions/0/choices/0/improvementPlan",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "a blank improvement plan",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"][0]["improvementPlan"]["displayText"] =
                json!(" ");
        }),
        want: &[error(
            "missing-improvement-plan",
            "/pillars/0/questions/0/choices/0/improvementPlan/displayText",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "a helpful resource with a URL and no text",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["helpfulResource"]["displayText"] = json!("");
        }),
        want: &[error(
            "missing-field",
            "/pillars/0/questions/0/helpfulResource/displayText",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "an ftp URL is refused",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["helpfulResource"]["url"] =
                json!("ftp://example.com/x");
        }),
        want: &[error("bad-url", "/pillars/0/questions/0/helpfulResource/url").of("backups")],
        not: &[],
    },
    Case {
        name: "an https URL with a space is a warning",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["helpfulResource"]["url"] =
                json!("https://exa mple.com");
        }),
        want: &[warning("bad-url", "/pillars/0/questions/0/helpfulResource/url").of("backups")],
        not: &[],
    },
    Case {
        name: "an https URL that does not parse is a warning",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["helpfulResource"]["url"] = json!("https://[::1");
        }),
        want: &[
            warning("bad-url", "/pillars/0/questions/0/helpfulResource/url")
                .of("backups")
                .says(&["does not parse"]),
        ],
        not: &[],
    },
    Case {
        // The format has no question `url`: never a reason to refuse the lens.
        name: "a question url is at most a warning",
        lens: Edit(|v| v["pillars"][0]["questions"][1]["url"] = json!("www.example.com")),
        want: &[warning("bad-url", "/pillars/0/questions/1/url").of("alerts")],
        not: &[],
    },
    Case {
        name: "keys beyond the format, one of them misspelled",
        lens: Edit(|v| {
            v["_version"] = json!("1.0");
            v["pillars"][0]["questions"][0]["helpfulResource"] =
                json!({ "displayText": "x", "Url": "https://example.com/x" });
        }),
        want: &[
            warning("unknown-key", "/_version"),
            warning(
                "misspelled-key",
                "/pillars/0/questions/0/helpfulResource/Url",
            ),
        ],
        not: &[],
    },
    Case {
        name: "a placeholder improvement plan",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"][1]["improvementPlan"]["displayText"] =
                json!("-");
        }),
        want: &[warning(
            "placeholder-text",
            "/pillars/0/questions/0/choices/1/improvementPlan/displayText",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "an additional resource of an unknown type",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"][0]["additionalResources"] =
                json!([{ "type": "LINKS", "content": [] }]);
        }),
        want: &[error(
            "bad-value",
            "/pillars/0/questions/0/choices/0/additionalResources/0/type",
        )
        .of("backups")],
        not: &[],
    },
    // Conditions.
    Case {
        name: "a condition that does not parse names its rule and column",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] =
                json!("backup_daily && ||");
        }),
        want: &[error(
            "bad-condition",
            "/pillars/0/questions/0/riskRules/1/condition",
        )
        .of("backups")
        .begins("question `backups`: rule 2 (MEDIUM_RISK, `backup_daily && ||`)")
        .says(&["column"])],
        not: &[],
    },
    Case {
        name: "a comparison in a condition",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] =
                json!("backup_daily > 1");
        }),
        want: &[error(
            "bad-condition",
            "/pillars/0/questions/0/riskRules/1/condition",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "an unknown choice in a condition",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] = json!("backup_weekly");
        }),
        want: &[error(
            "unknown-choice",
            "/pillars/0/questions/0/riskRules/1/condition",
        )
        .of("backups")
        .says(&["`backup_weekly` is not a choice of question `backups`"])],
        not: &[],
    },
    Case {
        name: "another question's choice in a condition",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] =
                json!("alerts.alerts_oncall");
        }),
        want: &[error(
            "unknown-choice",
            "/pillars/0/questions/0/riskRules/1/condition",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "&& and || mixed without parentheses",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] =
                json!("backup_daily && !backup_tested || backup_tested && !backup_daily");
        }),
        want: &[warning(
            "ambiguous-condition",
            "/pillars/0/questions/0/riskRules/1/condition",
        )
        .of("backups")],
        not: &[],
    },
    Case {
        name: "a risk the format does not have",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["risk"] = json!("LOW_RISK");
        }),
        want: &[error("bad-value", "/pillars/0/questions/0/riskRules/1/risk").of("backups")],
        not: &[],
    },
    Case {
        name: "no default rule",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"]
                .as_array_mut()
                .unwrap()
                .pop();
        }),
        want: &[error("missing-default", "/pillars/0/questions/0/riskRules").of("backups")],
        not: &[],
    },
    // Rules no answer reaches.
    Case {
        name: "a rule an earlier rule always matches first",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"] = json!([
                { "condition": "backup_daily", "risk": "NO_RISK" },
                { "condition": "backup_daily && !backup_tested", "risk": "MEDIUM_RISK" },
                { "condition": "default", "risk": "HIGH_RISK" }
            ]);
        }),
        want: &[
            warning("unreachable-rule", "/pillars/0/questions/0/riskRules/1")
                .of("backups")
                .says(&[
                    "rule 2 (MEDIUM_RISK, `backup_daily && !backup_tested`) can never fire: \
                     an earlier rule always matches first: rule 1 (NO_RISK, `backup_daily`)",
                ]),
        ],
        not: &[],
    },
    Case {
        name: "a rule needing None of these with another choice",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["riskRules"][1]["condition"] =
                json!("backups_no && backup_daily");
        }),
        want: &[
            warning("unreachable-rule", "/pillars/0/questions/0/riskRules/1")
                .of("backups")
                .says(&["no answer makes its condition true"]),
        ],
        not: &[],
    },
    Case {
        name: "a default the rules before it cover",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][1]["riskRules"] = json!([
                { "condition": "alerts_oncall", "risk": "NO_RISK" },
                { "condition": "!alerts_oncall", "risk": "HIGH_RISK" },
                { "condition": "default", "risk": "MEDIUM_RISK" }
            ]);
        }),
        want: &[
            warning("unreachable-rule", "/pillars/0/questions/1/riskRules/2")
                .of("alerts")
                .says(&["no answer is rated MEDIUM_RISK"]),
        ],
        not: &[],
    },
    Case {
        name: "a default before other rules",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][1]["riskRules"] = json!([
                { "condition": "default", "risk": "MEDIUM_RISK" },
                { "condition": "alerts_oncall", "risk": "NO_RISK" }
            ]);
        }),
        want: &[
            warning(
                "default-not-last",
                "/pillars/0/questions/1/riskRules/0/condition",
            )
            .of("alerts"),
            warning("unreachable-rule", "/pillars/0/questions/1/riskRules/1")
                .of("alerts")
                .says(&["after rule 1 (`default`)"]),
        ],
        not: &[],
    },
    Case {
        // Said, not guessed.
        name: "a rule naming too many choices to try every selection",
        lens: Edit(|v| {
            let q = &mut v["pillars"][0]["questions"][1];
            let ids: Vec<String> = (0..21).map(|i| format!("c_{i}")).collect();
            q["choices"] = ids
                .iter()
                .map(|id| json!({ "id": id, "title": "A practice", "improvementPlan": { "displayText": "Adopt it." } }))
                .collect();
            q["riskRules"] = json!([
                { "condition": ids.join(" && "), "risk": "NO_RISK" },
                { "condition": "default", "risk": "HIGH_RISK" }
            ]);
        }),
        want: &[warning(
            "reachability-unchecked",
            "/pillars/0/questions/1/riskRules/1",
        )
        .of("alerts")],
        not: &[],
    },
    // "None of these" choices.
    Case {
        name: "a None of the above choice whose id does not end in _no",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][1]["choices"][1]["title"] = json!("None of the above");
        }),
        want: &[warning(
            "none-choice-not-exclusive",
            "/pillars/0/questions/1/choices/1/id",
        )
        .of("alerts")],
        not: &[],
    },
    Case {
        name: "two None of these choices in a question",
        lens: Edit(|v| {
            v["pillars"][0]["questions"][0]["choices"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "id": "other_no", "title": "Nothing" }));
        }),
        want: &[error("multiple-none-choices", "/pillars/0/questions/0/choices").of("backups")],
        not: &[],
    },
];

/// What is wrong with one case's findings: empty when it passes.
fn check(case: &Case) -> Vec<String> {
    let text = match case.lens {
        Text(text) => text(),
        Edit(edit) => {
            let mut v = super::base();
            edit(&mut v);
            v.to_string()
        }
    };
    let Ok(findings) = std::panic::catch_unwind(|| lens::lint(&text)) else {
        return vec!["the linter panicked".to_owned()];
    };
    let mut wrong: Vec<String> = case
        .want
        .iter()
        .filter_map(|w| w.missing(&findings))
        .collect();
    wrong.extend(
        case.not
            .iter()
            .filter(|code| findings.iter().any(|f| f.code == **code))
            .map(|code| format!("{code} is reported too")),
    );
    if !wrong.is_empty() {
        wrong.push(format!("the findings:\n{}", super::show(&findings)));
    }
    wrong
}

#[test]
fn every_planted_defect_is_found_with_its_code_severity_question_and_pointer() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), CASES.len(), "two cases share a name");
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|case| {
            let wrong = check(case);
            (!wrong.is_empty()).then(|| format!("{}:\n  {}", case.name, wrong.join("\n  ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} planted defects were not found as expected:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}
