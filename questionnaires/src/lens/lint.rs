//! The lens linter: everything AWS would refuse, everything Trellis cannot import, and the
//! authoring defects both accept, such as risk rules that can never fire.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::condition::{Condition, Lookup, shape};
use crate::model::{QuestionKind, Risk};

use super::format::{Choice, Lens, Question, Resource, RiskRule};
use super::reach::{self, B, Outcome};
use super::read::{Read, read};
use super::{Finding, Severity, spec};

/// How many terms (condition nodes visited, see `reach`) the reachability check may spend on
/// one lens. Counting terms rather than rule evaluations bounds the work whatever the size of
/// the rules.
pub(crate) const BUDGET: u64 = 1 << 24;

/// Lints lens JSON text: every problem, each with its pointer, question and code. Never panics,
/// for any input.
pub fn lint(json: &str) -> Vec<Finding> {
    analyze(json).findings
}

/// A lens with its findings.
pub(crate) struct Analysis {
    /// The lens, when the text is a JSON object.
    pub lens: Option<Lens>,
    /// Every finding, errors and warnings.
    pub findings: Vec<Finding>,
    /// The terms the reachability check visited: at most [`BUDGET`].
    #[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
    pub reach_terms: u64,
}

/// Reads and lints.
pub(crate) fn analyze(json: &str) -> Analysis {
    let read = read(json);
    let mut linter = Linter {
        read: &read,
        out: Vec::new(),
        budget: BUDGET,
    };
    if let Some(lens) = &read.lens {
        linter.lens(lens);
    }
    let semantic = linter.out;
    let reach_terms = BUDGET - linter.budget;
    let Read {
        lens, mut findings, ..
    } = read;
    findings.extend(semantic);
    Analysis {
        lens,
        findings,
        reach_terms,
    }
}

/// The number of characters, as the limits count them.
fn chars(s: &str) -> usize {
    s.chars().count()
}

/// Text that holds no letter or digit, such as `-`: a placeholder, not content.
pub(crate) fn placeholder(s: &str) -> bool {
    !s.trim().is_empty() && !s.chars().any(char::is_alphanumeric)
}

/// Text worth showing: not empty, not a placeholder.
pub(crate) fn meaningful(s: &str) -> bool {
    !s.trim().is_empty() && !placeholder(s)
}

/// Whether a URL is one Trellis keeps: the loader's rule, and the `url` crate parses it as an
/// http(s) URL with a host.
pub(crate) fn url_ok(u: &str) -> bool {
    crate::model::check_url(u).is_ok()
        && url::Url::parse(u).is_ok_and(|p| {
            matches!(p.scheme(), "http" | "https") && p.host_str().is_some_and(|h| !h.is_empty())
        })
}

/// The URL Trellis imports from a lens link: the link itself when well formed, else the first
/// well-formed URL in it (some lenses list two, separated by a space or comma), else none.
pub(crate) fn usable_url(u: &str) -> Option<&str> {
    let t = u.trim();
    if url_ok(t) {
        return Some(t);
    }
    t.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .find(|p| url_ok(p))
}

/// Whether a pointer is a question's own `url` key (`/pillars/0/questions/1/url`), which the
/// format does not have.
fn is_question_url(pointer: &str) -> bool {
    let parts: Vec<&str> = pointer.split('/').collect();
    matches!(parts.as_slice(), [.., "questions", _, "url"])
}

/// Why a URL that starts right is still malformed.
fn url_defect(u: &str) -> String {
    let t = u.trim();
    let schemes = t.matches("http://").count() + t.matches("https://").count();
    if schemes > 1 {
        "it holds more than one URL".to_owned()
    } else if t.len() != u.len() {
        "it has spaces around it".to_owned()
    } else if t.contains(char::is_whitespace) {
        "it contains spaces".to_owned()
    } else {
        match url::Url::parse(t) {
            Err(e) => format!("it does not parse ({e})"),
            Ok(p) if p.host_str().is_none_or(str::is_empty) => "it names no host".to_owned(),
            Ok(_) => "it is too short to be a page".to_owned(),
        }
    }
}

/// Whether a condition mixes `&&` and `||` inside one pair of parentheses (or none), leaving
/// the reader to know which binds tighter. The format does not say; Trellis reads `&&` first.
fn ambiguous(condition: &str) -> bool {
    let mut levels: Vec<(bool, bool)> = vec![(false, false)];
    let bytes = condition.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1).copied();
        match b {
            b'(' => levels.push((false, false)),
            b')' if levels.len() > 1 => {
                levels.pop();
            }
            b'&' if next == Some(b'&') => {
                if let Some(l) = levels.last_mut() {
                    l.0 = true;
                }
            }
            b'|' if next == Some(b'|') => {
                if let Some(l) = levels.last_mut() {
                    l.1 = true;
                }
            }
            _ => {}
        }
        if levels.last().is_some_and(|&(and, or)| and && or) {
            return true;
        }
    }
    false
}

/// Whether a choice title reads like "None of these".
fn looks_like_none(title: &str) -> bool {
    let t = title.trim().to_lowercase();
    let t = t.trim_end_matches(|c: char| !c.is_alphanumeric());
    t == "none" || t.starts_with("none of") || t.starts_with("none:") || t == "not applicable"
}

/// A risk level from its lens name.
pub(crate) fn risk_of(s: &str) -> Option<Risk> {
    match s {
        spec::HIGH_RISK => Some(Risk::High),
        spec::MEDIUM_RISK => Some(Risk::Medium),
        spec::NO_RISK => Some(Risk::None),
        _ => None,
    }
}

/// The lens name of a risk level.
pub(crate) fn risk_name(r: Risk) -> &'static str {
    match r {
        Risk::High => spec::HIGH_RISK,
        Risk::Medium => spec::MEDIUM_RISK,
        Risk::None => spec::NO_RISK,
    }
}

/// Resolves names against one question's choices: what a lens condition may read. Each id maps
/// to its first choice, found in constant time: a condition may name thousands of choices.
pub(crate) struct OwnChoices<'a>(HashMap<&'a str, usize>);

impl<'a> OwnChoices<'a> {
    /// The choices of a question, by id.
    pub(crate) fn new(ids: &'a [String]) -> OwnChoices<'a> {
        let mut map = HashMap::with_capacity(ids.len());
        for (i, id) in ids.iter().enumerate() {
            map.entry(id.as_str()).or_insert(i);
        }
        OwnChoices(map)
    }

    /// Whether `id` is one of the choices.
    fn has(&self, id: &str) -> bool {
        self.0.contains_key(id)
    }
}

impl Lookup for OwnChoices<'_> {
    fn question(&self, _id: &str) -> Option<(usize, QuestionKind)> {
        None
    }

    fn choice(&self, question: usize, id: &str) -> Option<usize> {
        if question != 0 {
            return None;
        }
        self.0.get(id).copied()
    }
}

/// "rule 2 (MEDIUM_RISK, `a && b`)".
fn rule_label(i: usize, rule: &RiskRule) -> String {
    let risk = if rule.risk.is_empty() {
        "no risk level"
    } else {
        rule.risk.as_str()
    };
    format!("rule {} ({risk}, `{}`)", i + 1, rule.condition.trim())
}

/// "rule 1", "rules 1 and 2", "rules 1, 2 and 3".
fn rules_list(rules: &[usize]) -> String {
    let n: Vec<String> = rules.iter().map(|i| (i + 1).to_string()).collect();
    match n.as_slice() {
        [] => "no rule".to_owned(),
        [one] => format!("rule {one}"),
        [init @ .., last] => format!("rules {} and {last}", init.join(", ")),
    }
}

struct Linter<'r> {
    read: &'r Read,
    out: Vec<Finding>,
    budget: u64,
}

impl Linter<'_> {
    fn push(
        &mut self,
        severity: Severity,
        code: &str,
        question: Option<&str>,
        pointer: String,
        message: String,
    ) {
        // Every message names its question, so it reads on its own.
        let message = match question {
            Some(q) if !message.contains(&format!("`{q}`")) => format!("question `{q}`: {message}"),
            _ => message,
        };
        self.out
            .push(Finding::new(severity, code, question, pointer, message));
    }

    /// Reports an empty required value, unless the reader already reported it malformed.
    fn required(
        &mut self,
        severity: Severity,
        question: Option<&str>,
        pointer: String,
        value: &str,
        what: &str,
    ) -> bool {
        if !value.trim().is_empty() {
            return true;
        }
        if !self.read.is_broken(&pointer) {
            self.push(
                severity,
                "missing-field",
                question,
                pointer,
                format!("{what} is missing or empty"),
            );
        }
        false
    }

    fn too_long(
        &mut self,
        severity: Severity,
        question: Option<&str>,
        pointer: String,
        what: &str,
        value: &str,
        max: usize,
    ) {
        let n = chars(value);
        if n > max {
            self.push(
                severity,
                "too-long",
                question,
                pointer,
                format!("{what} has {n} characters; the limit is {max}"),
            );
        }
    }

    fn title(&mut self, question: Option<&str>, pointer: String, what: &str, value: &str) {
        let n = chars(value);
        if n > spec::TITLE_API_MAX {
            self.push(
                Severity::Error,
                "too-long",
                question,
                pointer,
                format!(
                    "{what} has {n} characters; AWS accepts at most {}",
                    spec::TITLE_API_MAX
                ),
            );
        } else if n > spec::TITLE_MAX {
            self.push(
                Severity::Warning,
                "too-long",
                question,
                pointer,
                format!(
                    "{what} has {n} characters; the lens format specification allows {} (the \
                     AWS API takes up to {})",
                    spec::TITLE_MAX,
                    spec::TITLE_API_MAX
                ),
            );
        }
    }

    fn id(&mut self, question: Option<&str>, pointer: String, what: &str, id: &str) {
        if id.is_empty() {
            self.required(Severity::Error, question, pointer, id, what);
        } else if !spec::valid_id(id) {
            self.push(
                Severity::Error,
                "bad-id",
                question,
                pointer,
                format!(
                    "{what} `{id}` must be {} to {} characters of letters, digits and `_`",
                    spec::ID_MIN,
                    spec::ID_MAX
                ),
            );
        }
    }

    /// Checks a URL. Only the format's own `url` key is refused for a scheme other than
    /// http(s); a malformed one, or one under a key the format does not have, is a warning, and
    /// Trellis imports what it can of it.
    fn url(&mut self, question: Option<&str>, pointer: String, what: &str, u: &str) {
        if url_ok(u) {
            return;
        }
        let t = u.trim();
        let spec_key = pointer.ends_with("/url") && !is_question_url(&pointer);
        if spec_key && !(t.starts_with("http://") || t.starts_with("https://")) {
            self.push(
                Severity::Error,
                "bad-url",
                question,
                pointer,
                format!("the URL of {what}, `{u}`, must start with `http://` or `https://`"),
            );
            return;
        }
        let then = match usable_url(u) {
            Some(kept) => format!("Trellis imports `{kept}`"),
            None => "Trellis imports the text without the link".to_owned(),
        };
        self.push(
            Severity::Warning,
            "bad-url",
            question,
            pointer,
            format!(
                "the URL of {what}, `{u}`, is malformed: {}; {then}",
                url_defect(u)
            ),
        );
    }

    /// A `helpfulResource`, `improvementPlan` or extra link.
    fn resource(&mut self, question: Option<&str>, pointer: &str, res: &Resource, what: &str) {
        let text_ptr = format!("{pointer}/displayText");
        self.too_long(
            Severity::Error,
            question,
            text_ptr.clone(),
            &format!("the text of {what}"),
            &res.display_text,
            spec::DISPLAY_TEXT_MAX,
        );
        if let Some(u) = res.link() {
            let key = if res.url.is_some() { "url" } else { "Url" };
            if !u.trim().is_empty() {
                self.url(question, format!("{pointer}/{key}"), what, u);
                let spec_url = res.url.as_deref().is_some_and(|u| !u.trim().is_empty());
                if spec_url && res.display_text.trim().is_empty() && !self.read.is_broken(&text_ptr)
                {
                    self.push(
                        Severity::Error,
                        "missing-field",
                        question,
                        text_ptr.clone(),
                        format!("{what} has a URL but no `displayText`, which the format requires"),
                    );
                }
            }
        }
        if placeholder(&res.display_text) {
            self.push(
                Severity::Warning,
                "placeholder-text",
                question,
                text_ptr,
                format!(
                    "the text of {what} is `{}`, a placeholder",
                    res.display_text.trim()
                ),
            );
        }
    }

    fn lens(&mut self, lens: &Lens) {
        if lens.schema_version.is_empty() {
            self.required(
                Severity::Error,
                None,
                "/schemaVersion".into(),
                "",
                "`schemaVersion`",
            );
        } else if lens.schema_version != spec::SCHEMA_VERSION {
            self.push(
                Severity::Error,
                "schema-version",
                None,
                "/schemaVersion".into(),
                format!(
                    "`schemaVersion` is `{}`; the lens format is `{}`",
                    lens.schema_version,
                    spec::SCHEMA_VERSION
                ),
            );
        }
        if self.required(
            Severity::Error,
            None,
            "/name".into(),
            &lens.name,
            "the lens name",
        ) {
            self.too_long(
                Severity::Error,
                None,
                "/name".into(),
                "the lens name",
                &lens.name,
                spec::NAME_MAX,
            );
        }
        if self.required(
            Severity::Warning,
            None,
            "/description".into(),
            &lens.description,
            "the lens description",
        ) {
            self.too_long(
                Severity::Error,
                None,
                "/description".into(),
                "the lens description",
                &lens.description,
                spec::DESCRIPTION_MAX,
            );
        }
        if lens.pillars.is_empty() && !self.read.is_broken("/pillars") {
            self.push(
                Severity::Error,
                "missing-field",
                None,
                "/pillars".into(),
                "the lens has no pillars".into(),
            );
        }
        if lens.pillars.len() > spec::PILLARS_MAX {
            self.push(
                Severity::Error,
                "too-many",
                None,
                "/pillars".into(),
                format!(
                    "the lens has {} pillars; the limit is {}",
                    lens.pillars.len(),
                    spec::PILLARS_MAX
                ),
            );
        }
        let mut pillar_ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut question_ids: BTreeMap<&str, String> = BTreeMap::new();
        for (pi, pillar) in lens.pillars.iter().enumerate() {
            let pp = format!("/pillars/{pi}");
            if self.read.is_broken(&pp) {
                continue;
            }
            self.id(None, format!("{pp}/id"), "the pillar id", &pillar.id);
            if !pillar.id.is_empty()
                && let Some(first) = pillar_ids.insert(&pillar.id, pi)
            {
                self.push(
                    Severity::Error,
                    "duplicate-id",
                    None,
                    format!("{pp}/id"),
                    format!(
                        "pillar id `{}` is also the id of pillar {}",
                        pillar.id,
                        first + 1
                    ),
                );
            }
            let name = format!("the name of pillar `{}`", pillar.id);
            if self.required(
                Severity::Error,
                None,
                format!("{pp}/name"),
                &pillar.name,
                &name,
            ) {
                self.too_long(
                    Severity::Error,
                    None,
                    format!("{pp}/name"),
                    &name,
                    &pillar.name,
                    spec::PILLAR_NAME_MAX,
                );
            }
            if pillar.questions.is_empty() && !self.read.is_broken(&format!("{pp}/questions")) {
                self.push(
                    Severity::Error,
                    "missing-field",
                    None,
                    format!("{pp}/questions"),
                    format!("pillar `{}` has no questions", pillar.id),
                );
            }
            if pillar.questions.len() > spec::QUESTIONS_MAX {
                self.push(
                    Severity::Error,
                    "too-many",
                    None,
                    format!("{pp}/questions"),
                    format!(
                        "pillar `{}` has {} questions; the limit is {}",
                        pillar.id,
                        pillar.questions.len(),
                        spec::QUESTIONS_MAX
                    ),
                );
            }
            for (qi, question) in pillar.questions.iter().enumerate() {
                let qp = format!("{pp}/questions/{qi}");
                if self.read.is_broken(&qp) {
                    continue;
                }
                if !question.id.is_empty()
                    && let Some(first) = question_ids.insert(&question.id, qp.clone())
                {
                    self.push(
                        Severity::Error,
                        "duplicate-id",
                        Some(&question.id),
                        format!("{qp}/id"),
                        format!(
                            "question id `{}` is also the id of the question at {first}",
                            question.id
                        ),
                    );
                }
                self.question(&qp, question);
            }
        }
    }

    fn question(&mut self, qp: &str, question: &Question) {
        let qid = question.id.as_str();
        let q = (!qid.is_empty()).then_some(qid);
        self.id(q, format!("{qp}/id"), "the question id", qid);
        if self.required(
            Severity::Error,
            q,
            format!("{qp}/title"),
            &question.title,
            "the question title",
        ) {
            self.title(
                q,
                format!("{qp}/title"),
                "the question title",
                &question.title,
            );
        }
        if self.required(
            Severity::Warning,
            q,
            format!("{qp}/description"),
            &question.description,
            "the question description",
        ) {
            self.too_long(
                Severity::Error,
                q,
                format!("{qp}/description"),
                "the question description",
                &question.description,
                spec::DESCRIPTION_MAX,
            );
        }
        if let Some(res) = &question.helpful_resource {
            self.resource(
                q,
                &format!("{qp}/helpfulResource"),
                res,
                "the question's helpful resource",
            );
        }
        if let Some(u) = question.url.as_deref().filter(|u| !u.trim().is_empty()) {
            self.url(q, format!("{qp}/url"), "the question's `url`", u);
        }

        // Choices.
        if question.choices.is_empty() && !self.read.is_broken(&format!("{qp}/choices")) {
            self.push(
                Severity::Error,
                "missing-field",
                q,
                format!("{qp}/choices"),
                format!("question `{qid}` has no choices"),
            );
        }
        if question.choices.len() > spec::CHOICES_MAX {
            self.push(
                Severity::Error,
                "too-many",
                q,
                format!("{qp}/choices"),
                format!(
                    "question `{qid}` has {} choices; the limit is {}",
                    question.choices.len(),
                    spec::CHOICES_MAX
                ),
            );
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        for (ci, choice) in question.choices.iter().enumerate() {
            let cp = format!("{qp}/choices/{ci}");
            if self.read.is_broken(&cp) {
                continue;
            }
            if !choice.id.is_empty()
                && let Some(first) = seen.insert(&choice.id, ci)
            {
                self.push(
                    Severity::Error,
                    "duplicate-id",
                    q,
                    format!("{cp}/id"),
                    format!(
                        "choice id `{}` is also the id of choice {} of question `{qid}`",
                        choice.id,
                        first + 1
                    ),
                );
            }
            self.choice(q, &cp, choice);
        }
        let nones: Vec<&str> = question
            .choices
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| id.ends_with(spec::NONE_SUFFIX))
            .collect();
        if nones.len() > 1 {
            self.push(
                Severity::Error,
                "multiple-none-choices",
                q,
                format!("{qp}/choices"),
                format!(
                    "question `{qid}` has {} \"None of these\" choices (`{}`); ids ending in \
                     `_no` each exclude every other choice, so at most one can be chosen",
                    nones.len(),
                    nones.join("`, `")
                ),
            );
        }
        self.rules(qp, question);
    }

    fn choice(&mut self, q: Option<&str>, cp: &str, choice: &Choice) {
        let cid = choice.id.as_str();
        let none = cid.ends_with(spec::NONE_SUFFIX);
        self.id(q, format!("{cp}/id"), "the choice id", cid);
        let what = format!("choice `{cid}`");
        if self.required(
            Severity::Error,
            q,
            format!("{cp}/title"),
            &choice.title,
            &format!("the title of {what}"),
        ) {
            self.title(
                q,
                format!("{cp}/title"),
                &format!("the title of {what}"),
                &choice.title,
            );
        }
        if let Some(d) = &choice.description {
            self.too_long(
                Severity::Warning,
                q,
                format!("{cp}/description"),
                &format!("the description of {what}"),
                d,
                spec::CHOICE_DESCRIPTION_MAX,
            );
        }
        if !none && looks_like_none(&choice.title) {
            self.push(
                Severity::Warning,
                "none-choice-not-exclusive",
                q,
                format!("{cp}/id"),
                format!(
                    "{what} is titled `{}` but its id does not end in `_no`, so AWS lets it be \
                     selected together with other choices",
                    choice.title.trim()
                ),
            );
        }
        if let Some(res) = &choice.helpful_resource {
            self.resource(
                q,
                &format!("{cp}/helpfulResource"),
                res,
                &format!("the helpful resource of {what}"),
            );
        }
        let plan_ptr = format!("{cp}/improvementPlan");
        match &choice.improvement_plan {
            Some(plan) => {
                self.resource(
                    q,
                    &plan_ptr,
                    plan,
                    &format!("the improvement plan of {what}"),
                );
                let text_ptr = format!("{plan_ptr}/displayText");
                if !none && plan.display_text.trim().is_empty() && !self.read.is_broken(&text_ptr) {
                    self.push(
                        Severity::Error,
                        "missing-improvement-plan",
                        q,
                        text_ptr,
                        format!(
                            "the improvement plan of {what} has no `displayText`; every choice \
                             but \"None of these\" needs one"
                        ),
                    );
                }
            }
            None if !none && !self.read.is_broken(&plan_ptr) => self.push(
                Severity::Error,
                "missing-improvement-plan",
                q,
                plan_ptr,
                format!(
                    "{what} has no `improvementPlan`; every choice but \"None of these\" (an id \
                     ending in `_no`) needs one"
                ),
            ),
            None => {}
        }
        let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
        for (ai, add) in choice.additional_resources.iter().enumerate() {
            let ap = format!("{cp}/additionalResources/{ai}");
            if self.read.is_broken(&ap) {
                continue;
            }
            let label = match add.kind.as_str() {
                spec::HELPFUL_RESOURCE => "helpful resource",
                spec::IMPROVEMENT_PLAN => "improvement plan",
                other => {
                    if !self.read.is_broken(&format!("{ap}/type")) {
                        self.push(
                            Severity::Error,
                            "bad-value",
                            q,
                            format!("{ap}/type"),
                            format!(
                                "the additional resource type of {what} is `{other}`; it must be \
                                 `{}` or `{}`",
                                spec::HELPFUL_RESOURCE,
                                spec::IMPROVEMENT_PLAN
                            ),
                        );
                    }
                    continue;
                }
            };
            *kinds.entry(label).or_default() += 1;
            if kinds.get(label) == Some(&2) {
                self.push(
                    Severity::Warning,
                    "too-many",
                    q,
                    ap.clone(),
                    format!(
                        "{what} has more than one `{}` entry in `additionalResources`; the AWS \
                         API takes one of each type (Trellis reads them all)",
                        add.kind
                    ),
                );
            }
            if add.content.is_empty() && !self.read.is_broken(&format!("{ap}/content")) {
                self.push(
                    Severity::Warning,
                    "missing-field",
                    q,
                    format!("{ap}/content"),
                    format!("an additional {label} entry of {what} has no content"),
                );
            }
            if add.content.len() > spec::ADDITIONAL_MAX {
                self.push(
                    Severity::Error,
                    "too-many",
                    q,
                    format!("{ap}/content"),
                    format!(
                        "{what} has {} additional {label} links; the limit is {}",
                        add.content.len(),
                        spec::ADDITIONAL_MAX
                    ),
                );
            }
            for (i, item) in add.content.iter().enumerate() {
                let ip = format!("{ap}/content/{i}");
                if self.read.is_broken(&ip) {
                    continue;
                }
                let what = format!("additional {label} {} of {what}", i + 1);
                self.required(
                    Severity::Error,
                    q,
                    format!("{ip}/displayText"),
                    &item.display_text,
                    &format!("the text of {what}"),
                );
                self.resource(q, &ip, item, &what);
            }
        }
    }

    fn rules(&mut self, qp: &str, question: &Question) {
        let qid = question.id.as_str();
        let q = (!qid.is_empty()).then_some(qid);
        let rules = &question.risk_rules;
        if rules.len() > spec::RISK_RULES_MAX {
            self.push(
                Severity::Error,
                "too-many",
                q,
                format!("{qp}/riskRules"),
                format!(
                    "question `{qid}` has {} risk rules; the limit is {}, one per risk level",
                    rules.len(),
                    spec::RISK_RULES_MAX
                ),
            );
        }
        let ids: Vec<String> = question.choices.iter().map(|c| c.id.clone()).collect();
        let own = OwnChoices::new(&ids);
        let mut levels: BTreeMap<&str, usize> = BTreeMap::new();
        let mut analysed = Vec::new();
        let mut default_at = None;
        for (i, rule) in rules.iter().enumerate() {
            let rp = format!("{qp}/riskRules/{i}");
            if self.read.is_broken(&rp) {
                analysed.push(reach::Rule {
                    cond: None,
                    default: false,
                });
                continue;
            }
            let label = rule_label(i, rule);
            if self.required(
                Severity::Error,
                q,
                format!("{rp}/risk"),
                &rule.risk,
                &format!("the risk of rule {}", i + 1),
            ) {
                if risk_of(&rule.risk).is_none() {
                    self.push(
                        Severity::Error,
                        "bad-value",
                        q,
                        format!("{rp}/risk"),
                        format!(
                            "{label}: the risk must be `{}`, `{}` or `{}`",
                            spec::HIGH_RISK,
                            spec::MEDIUM_RISK,
                            spec::NO_RISK
                        ),
                    );
                } else if let Some(first) = levels.insert(&rule.risk, i) {
                    self.push(
                        Severity::Error,
                        "duplicate-risk",
                        q,
                        format!("{rp}/risk"),
                        format!(
                            "{label} repeats the risk level of rule {}: a lens has at most one \
                             rule per risk level",
                            first + 1
                        ),
                    );
                }
            }
            let cond = self.condition(q, &rp, i, rule, &own);
            let default = rule.condition.trim() == spec::DEFAULT_CONDITION;
            if default && default_at.is_none() {
                default_at = Some(i);
                if i + 1 < rules.len() {
                    self.push(
                        Severity::Warning,
                        "default-not-last",
                        q,
                        format!("{rp}/condition"),
                        format!(
                            "{label} is `default`, but {} after it: they can never fire, and \
                             Trellis drops them on import",
                            match rules.len() - i - 1 {
                                1 => "a rule comes".to_owned(),
                                n => format!("{n} rules come"),
                            }
                        ),
                    );
                }
            }
            analysed.push(reach::Rule { cond, default });
        }
        if default_at.is_none() && !self.read.is_broken(&format!("{qp}/riskRules")) {
            self.push(
                Severity::Error,
                "missing-default",
                q,
                format!("{qp}/riskRules"),
                format!(
                    "question `{qid}` has no `default` rule: the format requires one, and answers \
                     no rule matches would get no risk"
                ),
            );
        }
        let nones: Vec<bool> = ids
            .iter()
            .map(|id| id.ends_with(spec::NONE_SUFFIX))
            .collect();
        let mut unique = BTreeSet::new();
        if ids.iter().any(|id| !unique.insert(id)) {
            return; // duplicate choice ids: reported; reachability would mislead
        }
        let outcomes = reach::analyse(&nones, &analysed, &mut self.budget);
        for (i, outcome) in outcomes.into_iter().enumerate() {
            let rule = &rules[i];
            let label = rule_label(i, rule);
            let rp = format!("{qp}/riskRules/{i}");
            let never = |why: String| format!("{label} can never fire: {why}");
            let message = match outcome {
                Outcome::Reachable | Outcome::Skipped => continue,
                Outcome::Unchecked(why) => {
                    self.push(
                        Severity::Warning,
                        "reachability-unchecked",
                        q,
                        rp,
                        format!("{label} was not checked for reachability: {why}"),
                    );
                    continue;
                }
                Outcome::AfterDefault(d) => never(format!(
                    "it comes after rule {} (`default`), which always matches first",
                    d + 1
                )),
                Outcome::NeverTrue => {
                    let named: Vec<&str> = nones_named(&rule.condition, &ids);
                    let hint = match named.as_slice() {
                        [] => String::new(),
                        [n, ..] => format!(
                            " (`{n}` is \"None of these\", so it is never selected with another \
                             choice)"
                        ),
                    };
                    never(format!("no answer makes its condition true{hint}"))
                }
                Outcome::Covered(first) if analysed[i].default => {
                    let level = if rule.risk.is_empty() {
                        "at its level".to_owned()
                    } else {
                        rule.risk.clone()
                    };
                    let who = match first.as_slice() {
                        [one] => format!("{} already matches", rule_label(*one, &rules[*one])),
                        _ => format!("{} together match", rules_list(&first)),
                    };
                    never(format!(
                        "{who} every possible answer first, so no answer is rated {level}"
                    ))
                }
                Outcome::Covered(first) => match first.as_slice() {
                    [one] => never(format!(
                        "an earlier rule always matches first: {} holds for every answer that \
                         makes this one true",
                        rule_label(*one, &rules[*one])
                    )),
                    _ => never(format!(
                        "earlier rules always match first: {} hold for every answer that makes \
                         this one true",
                        rules_list(&first)
                    )),
                },
            };
            self.push(Severity::Warning, "unreachable-rule", q, rp, message);
        }
    }

    /// Checks a condition; its resolved form when it is well formed.
    fn condition(
        &mut self,
        q: Option<&str>,
        rp: &str,
        i: usize,
        rule: &RiskRule,
        own: &OwnChoices<'_>,
    ) -> Option<B> {
        let cp = format!("{rp}/condition");
        let label = rule_label(i, rule);
        let source = rule.condition.trim();
        if !self.required(
            Severity::Error,
            q,
            cp.clone(),
            source,
            &format!("the condition of rule {}", i + 1),
        ) {
            return None;
        }
        if source == spec::DEFAULT_CONDITION {
            return Some(B::True);
        }
        let shape = match shape(source) {
            Ok(s) => s,
            Err(e) => {
                self.push(
                    Severity::Error,
                    "bad-condition",
                    q,
                    cp,
                    format!("{label}: {e}"),
                );
                return None;
            }
        };
        let mut ok = true;
        if let Some(c) = shape.comparisons.first() {
            self.push(
                Severity::Error,
                "bad-condition",
                q,
                cp.clone(),
                format!("{label} compares values (`{c}`): lens conditions only name choices"),
            );
            ok = false;
        }
        let mut reported = BTreeSet::new();
        for w in &shape.words {
            if own.has(w) || !reported.insert(w.as_str()) {
                continue;
            }
            ok = false;
            let qid = q.unwrap_or("");
            let (code, why) = if w == spec::DEFAULT_CONDITION {
                (
                    "bad-condition",
                    "`default` must stand alone as the whole condition".to_owned(),
                )
            } else if w.contains('.') {
                (
                    "unknown-choice",
                    format!(
                        "`{w}` is not a choice of question `{qid}`: lens conditions name the question's own choices only"
                    ),
                )
            } else {
                (
                    "unknown-choice",
                    format!("`{w}` is not a choice of question `{qid}`"),
                )
            };
            self.push(
                Severity::Error,
                code,
                q,
                cp.clone(),
                format!("{label}: {why}"),
            );
        }
        if !ok {
            return None;
        }
        if ambiguous(source) {
            self.push(
                Severity::Warning,
                "ambiguous-condition",
                q,
                cp.clone(),
                format!(
                    "{label} mixes `&&` and `||` without parentheses; the lens format does not                      say which binds tighter (Trellis reads `&&` first): add parentheses"
                ),
            );
        }
        match Condition::compile(source, own, Some(0)) {
            Ok(c) => B::from_expr(c.expr()),
            Err(es) => {
                self.push(
                    Severity::Error,
                    "bad-condition",
                    q,
                    cp,
                    format!("{label}: {}", es.join("; ")),
                );
                None
            }
        }
    }
}

/// The "None of these" choices a condition names.
fn nones_named<'a>(condition: &str, ids: &'a [String]) -> Vec<&'a str> {
    let words: BTreeSet<String> = shape(condition)
        .map(|s| s.words.into_iter().collect())
        .unwrap_or_default();
    ids.iter()
        .filter(|id| id.ends_with(spec::NONE_SUFFIX) && words.contains(id.as_str()))
        .map(String::as_str)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    include!("../../tests/support/hostile_lens.rs");

    /// Issue 16: a lens within AWS's size limit whose rules are long and never true took about
    /// 5 s to lint when the budget counted rule evaluations (all 255 rules fit in it). Counted
    /// in terms, the budget stops the check long before: the work is capped, and what was not
    /// checked says so. The time is in the `lint_hostile_lens` bench.
    #[test]
    fn the_hostile_lens_spends_at_most_the_term_budget() {
        let text = hostile_lens();
        assert!(
            (480_000..=spec::MAX_LENS_BYTES).contains(&text.len()),
            "{}",
            text.len()
        );
        let a = analyze(&text);
        assert!(a.reach_terms <= BUDGET, "{} > {BUDGET}", a.reach_terms);
        // The budget, not the lens, ended the work: it is (nearly) all spent.
        let rule_nodes = 3 * (2 * 189 + 5);
        assert!(a.reach_terms > BUDGET - rule_nodes, "{}", a.reach_terms);

        let rules = HOSTILE_QUESTIONS * 3;
        let unchecked: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.code == "reachability-unchecked")
            .collect();
        let unreachable: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.code == "unreachable-rule")
            .collect();
        // Every rule is either proved never true, or said not to be checked; most are the
        // latter, and none is claimed unreachable without proof.
        assert_eq!(unchecked.len() + unreachable.len(), rules);
        assert!(unchecked.len() > rules * 9 / 10, "{}", unchecked.len());
        assert!(
            unreachable
                .iter()
                .all(|f| f.message.contains("no answer makes its condition true")),
            "{unreachable:?}"
        );
        assert!(
            unchecked[0]
                .message
                .contains("was not checked for reachability"),
            "{}",
            unchecked[0].message
        );
        // The questions checked first are checked in full, in order.
        assert_eq!(unreachable[0].pointer, "/pillars/0/questions/0/riskRules/0");
    }

    /// A lens without long rules spends a tiny part of the budget: the real ones in
    /// `tests/lenses` and the built-in review's export are all checked, with room to spare.
    #[test]
    fn real_lenses_spend_a_sliver_of_the_budget() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lenses");
        let mut texts = vec![crate::lens::export(crate::builtin()).to_pretty()];
        for entry in std::fs::read_dir(dir).expect("the lenses directory") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "json") {
                texts.push(std::fs::read_to_string(path).expect("a lens"));
            }
        }
        assert_eq!(texts.len(), 7);
        for text in &texts {
            let a = analyze(text);
            assert!(a.reach_terms < BUDGET / 1000, "{}", a.reach_terms);
            assert!(
                a.findings
                    .iter()
                    .all(|f| f.code != "reachability-unchecked")
            );
        }
    }
}
