//! Loading and validating a questionnaire from its TOML files.
//!
//! [`load`] takes the files as `(name, text)` pairs, so it stays free of IO. It does not stop at
//! the first problem: every error is collected, each naming its file and the id it concerns,
//! and a questionnaire is only returned when there are none.

pub(crate) mod raw;

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::condition::{Condition, Lookup};
use crate::model::{
    Area, AreaId, ChecklistItem, Choice, ChoiceId, ColdStartRange, ConditionInput, Diagram, Figure,
    Figures, Improvement, Inputs, ItemId, Link, NumberInput, NumberSpec, Pattern, PatternId,
    PatternKind, Question, QuestionId, QuestionKind, Questionnaire, Risk, RiskRule, Runtime,
    Signal,
};
use raw::RawKind;

/// The manifest every questionnaire has.
pub const MANIFEST: &str = "questionnaire.toml";
/// The optional pattern catalog.
pub const PATTERNS: &str = "patterns.toml";
/// The optional checklist.
pub const CHECKLIST: &str = "checklist.toml";
/// The optional quotas, prices and assumptions.
pub const LIMITS: &str = "limits.toml";

/// One problem in the content: which file, which id, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentError {
    /// The file it is in.
    pub file: String,
    /// The id it concerns (`question risk_rules[2]`, …), when there is one.
    pub id: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ContentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "{}: {}: {}", self.file, id, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Every problem found while loading.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadErrors(pub Vec<ContentError>);

impl std::fmt::Display for LoadErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{} problem(s) in the questionnaire content:",
            self.0.len()
        )?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

struct Errors(Vec<ContentError>);

impl Errors {
    fn add(&mut self, file: &str, id: impl Into<Option<String>>, message: impl Into<String>) {
        self.0.push(ContentError {
            file: file.to_owned(),
            id: id.into(),
            message: message.into(),
        });
    }

    fn check_id(&mut self, file: &str, what: &str, id: &str) {
        if let Err(e) = crate::model::check_id(id) {
            self.add(file, format!("{what} {id}"), e);
        }
    }

    fn check_text(&mut self, file: &str, id: &str, field: &str, text: &str) {
        if text.trim().is_empty() {
            self.add(file, id.to_owned(), format!("`{field}` is empty"));
        }
    }

    fn check_url(&mut self, file: &str, id: &str, url: Option<&str>) {
        if let Some(Err(e)) = url.map(crate::model::check_url) {
            self.add(file, id.to_owned(), e);
        }
    }

    /// A link with non-empty text and, when given, a valid URL.
    fn link(&mut self, file: &str, id: &str, link: &raw::RawLink) -> Link {
        self.check_text(file, id, "text", &link.text);
        self.check_url(file, id, link.url.as_deref());
        Link {
            text: link.text.as_str().into(),
            url: link.url.as_deref().map(Into::into),
        }
    }

    fn condition(
        &mut self,
        file: &str,
        id: &str,
        source: &str,
        lookup: &dyn Lookup,
        scope: Option<usize>,
    ) -> Option<Condition> {
        match Condition::compile(source, lookup, scope) {
            Ok(c) => Some(c),
            Err(es) => {
                for e in es {
                    self.add(file, id.to_owned(), format!("condition `{source}`: {e}"));
                }
                None
            }
        }
    }
}

fn parse_toml<T: serde::de::DeserializeOwned>(
    file: &str,
    text: &str,
    errors: &mut Errors,
) -> Option<T> {
    match toml::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.add(
                file,
                None,
                e.message().to_owned() + &location(text, e.span()),
            );
            None
        }
    }
}

fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    match span {
        Some(r) => {
            let before = &text[..r.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            format!(" (line {line})")
        }
        None => String::new(),
    }
}

/// The hash stored with every assessment: SHA-256 over the files, sorted by name.
pub fn content_hash(sources: &[(&str, &str)]) -> String {
    let mut sorted: Vec<_> = sources.to_vec();
    sorted.sort();
    let mut h = Sha256::new();
    for (name, text) in sorted {
        h.update(name.as_bytes());
        h.update([0]);
        h.update(text.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Questions seen so far, for resolving names while loading.
#[derive(Default)]
struct Table {
    questions: Vec<(QuestionId, QuestionKind, Vec<ChoiceId>)>,
    index: BTreeMap<String, usize>,
}

impl Lookup for Table {
    fn question(&self, id: &str) -> Option<(usize, QuestionKind)> {
        self.index.get(id).map(|&i| (i, self.questions[i].1))
    }

    fn choice(&self, question: usize, id: &str) -> Option<usize> {
        self.questions
            .get(question)?
            .2
            .iter()
            .position(|c| c.as_str() == id)
    }
}

/// Loads a questionnaire from its files. `sources` must contain `questionnaire.toml`, every area
/// file it lists, and optionally `patterns.toml`, `checklist.toml` and `limits.toml`.
pub fn load(sources: &[(&str, &str)]) -> Result<Questionnaire, LoadErrors> {
    let mut errors = Errors(Vec::new());
    let files: BTreeMap<&str, &str> = sources.iter().copied().collect();

    let Some(manifest_text) = files.get(MANIFEST) else {
        errors.add(MANIFEST, None, "the manifest is missing");
        return Err(LoadErrors(errors.0));
    };
    let Some(manifest) = parse_toml::<raw::Manifest>(MANIFEST, manifest_text, &mut errors) else {
        return Err(LoadErrors(errors.0));
    };
    errors.0.extend(manifest_errors(&manifest));

    let known: BTreeSet<&str> = [MANIFEST, PATTERNS, CHECKLIST, LIMITS]
        .into_iter()
        .chain(manifest.areas.iter().map(String::as_str))
        .collect();
    for name in files.keys() {
        if !known.contains(name) {
            errors.add(
                name,
                None,
                "this file is not listed in questionnaire.toml `areas`",
            );
        }
    }

    // Areas and their questions, in order.
    let mut raw_areas = Vec::new();
    for file in &manifest.areas {
        match files.get(file.as_str()) {
            Some(text) => {
                if let Some(a) = parse_toml::<raw::RawArea>(file, text, &mut errors) {
                    raw_areas.push((file.clone(), a));
                }
            }
            None => errors.add(
                MANIFEST,
                format!("area file {file}"),
                "is listed but missing",
            ),
        }
    }
    if manifest.areas.is_empty() {
        errors.add(MANIFEST, None, "`areas` lists no area files");
    }
    let limits = files
        .get(LIMITS)
        .and_then(|t| parse_toml::<raw::LimitsFile>(LIMITS, t, &mut errors));
    let checklist = files
        .get(CHECKLIST)
        .and_then(|t| parse_toml::<raw::ChecklistFile>(CHECKLIST, t, &mut errors));
    let patterns = files
        .get(PATTERNS)
        .and_then(|t| parse_toml::<raw::PatternsFile>(PATTERNS, t, &mut errors));
    let parsed = Parsed {
        manifest,
        areas: raw_areas,
        limits,
        checklist,
        patterns,
    };
    build(parsed, content_hash(sources), errors.0)
}

/// The problems of a manifest's own fields: its id, title and version.
pub(crate) fn manifest_errors(manifest: &raw::Manifest) -> Vec<ContentError> {
    let mut errors = Errors(Vec::new());
    errors.check_id(MANIFEST, "questionnaire", &manifest.id);
    errors.check_text(MANIFEST, &manifest.id, "title", &manifest.title);
    errors.check_text(MANIFEST, &manifest.id, "version", &manifest.version);
    errors.0
}

/// Content already read into the raw structs: the TOML files, or an imported lens.
pub(crate) struct Parsed {
    /// The manifest (its `areas` only name the area files).
    pub manifest: raw::Manifest,
    /// Each area with the name its errors are reported under.
    pub areas: Vec<(String, raw::RawArea)>,
    /// Quotas, prices and assumptions.
    pub limits: Option<raw::LimitsFile>,
    /// The checklist.
    pub checklist: Option<raw::ChecklistFile>,
    /// The pattern catalog.
    pub patterns: Option<raw::PatternsFile>,
}

/// Validates and resolves parsed content: the one place the model's invariants are checked.
/// `errors` are problems already found while reading; a questionnaire is only returned when
/// there are none, here or there.
pub(crate) fn build(
    parsed: Parsed,
    content_hash: String,
    errors: Vec<ContentError>,
) -> Result<Questionnaire, LoadErrors> {
    let mut errors = Errors(errors);
    let Parsed {
        manifest,
        areas: raw_areas,
        limits,
        checklist,
        patterns,
    } = parsed;
    let mut table = Table::default();
    let mut seen_areas = BTreeMap::new();
    for (file, area) in &raw_areas {
        errors.check_id(file, "area", &area.id);
        if let Some(other) = seen_areas.insert(area.id.as_str(), file.as_str()) {
            errors.add(
                file,
                format!("area {}", area.id),
                format!("duplicate area id (also in {other})"),
            );
        }
        for q in &area.questions {
            errors.check_id(file, "question", &q.id);
            let kind = kind_of(q.kind);
            let choices = q
                .choices
                .iter()
                .filter_map(|c| ChoiceId::parse(&c.id).ok())
                .collect();
            if table.index.contains_key(&q.id) {
                errors.add(file, format!("question {}", q.id), "duplicate question id");
                continue;
            }
            if let Ok(id) = QuestionId::parse(&q.id) {
                table.index.insert(q.id.clone(), table.questions.len());
                table.questions.push((id, kind, choices));
            }
        }
    }

    let mut areas = Vec::new();
    let mut questions = Vec::new();
    for (file, area) in &raw_areas {
        let area_index = areas.len();
        let label = format!("area {}", area.id);
        errors.check_text(file, &label, "title", &area.title);
        if !(0.5..=3.0).contains(&area.weight) {
            errors.add(
                file,
                label.clone(),
                format!("weight {} is outside 0.5 ..= 3", area.weight),
            );
        }
        if area.questions.is_empty() {
            errors.add(file, label.clone(), "the area has no questions");
        }
        let mut indexes = Vec::new();
        for q in &area.questions {
            let Some(&qi) = table.index.get(&q.id) else {
                continue;
            };
            if table.questions[qi].0.as_str() != q.id || qi != questions.len() {
                continue; // a duplicate, already reported
            }
            let question = load_question(file, area_index, qi, q, &table, &mut errors);
            indexes.push(questions.len());
            questions.push(question);
        }
        areas.push(Area {
            // A malformed id was reported above, and then no questionnaire is returned.
            id: AreaId::from_trusted(&area.id),
            title: area.title.as_str().into(),
            summary: area.summary.clone(),
            weight: area.weight,
            questions: indexes,
        });
    }
    let figures = limits
        .map(|f| load_figures(f, &mut errors))
        .unwrap_or_default();

    let checklist = checklist
        .map(|f| load_checklist(f, &areas, &table, &mut errors))
        .unwrap_or_default();

    let patterns = patterns
        .map(|f| load_patterns(f, &checklist, &figures, &table, &mut errors))
        .unwrap_or_default();

    let inputs = load_inputs(&manifest.inputs, &table, &mut errors);
    let runtimes = load_runtimes(&manifest.runtimes, &table, &mut errors);
    if !inputs.numbers.is_empty() || !inputs.conditions.is_empty() {
        for id in crate::checks::REQUIRED_LIMITS
            .iter()
            .chain(crate::cost::REQUIRED_LIMITS)
        {
            if !figures.limits.contains_key(*id) {
                errors.add(
                    LIMITS,
                    format!("limit {id}"),
                    "the checks need this limit, and it is missing",
                );
            }
        }
        for id in crate::cost::REQUIRED_PRICES {
            if !figures.prices.contains_key(*id) {
                errors.add(
                    LIMITS,
                    format!("price {id}"),
                    "the cost model needs this price, and it is missing",
                );
            }
        }
        for id in crate::cost::REQUIRED_ASSUMPTIONS
            .iter()
            .chain(crate::checks::REQUIRED_ASSUMPTIONS)
        {
            if !figures.assumptions.contains_key(*id) {
                errors.add(
                    LIMITS,
                    format!("assumption {id}"),
                    "the cost model needs this assumption, and it is missing",
                );
            }
        }
    }

    if !errors.0.is_empty() {
        // Grouped by file, each file's errors in the order they occur.
        errors.0.sort_by(|a, b| a.file.cmp(&b.file));
        return Err(LoadErrors(errors.0));
    }
    let question_index: BTreeMap<QuestionId, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q): (usize, &Question)| (q.id.clone(), i))
        .collect();
    let ids_sorted = question_index.values().copied().collect();
    let hidden_reasons = questions
        .iter()
        .map(|q: &crate::model::Question| {
            q.applies_when.as_ref().map(|c| {
                crate::model::Text::from(format!("follow-up shown only when `{}`", c.source()))
            })
        })
        .collect();
    Ok(Questionnaire {
        hidden_reasons,
        id: manifest.id,
        version: manifest.version,
        title: manifest.title,
        description: manifest.description,
        content_hash,
        areas,
        questions,
        patterns,
        checklist,
        cost_figures: crate::cost::CostFigures::new(&figures),
        figures,
        inputs,
        runtimes,
        question_index,
        ids_sorted,
    })
}

fn kind_of(k: RawKind) -> QuestionKind {
    match k {
        RawKind::Single => QuestionKind::Single,
        RawKind::Multi => QuestionKind::Multi,
        RawKind::Number => QuestionKind::Number,
        RawKind::Text => QuestionKind::Text,
    }
}

fn load_question(
    file: &str,
    area: usize,
    qi: usize,
    q: &raw::RawQuestion,
    table: &Table,
    errors: &mut Errors,
) -> Question {
    let label = format!("question {}", q.id);
    let kind = kind_of(q.kind);
    errors.check_text(file, &label, "title", &q.title);
    if !(1.0..=5.0).contains(&q.weight) {
        errors.add(
            file,
            label.clone(),
            format!("weight {} is outside 1 ..= 5", q.weight),
        );
    }

    // Follow-ups read only earlier questions, so applicability resolves in one pass.
    let applies_when = q.applies_when.as_deref().and_then(|src| {
        let c = errors.condition(file, &format!("{label} applies_when"), src, table, None)?;
        if c.questions().iter().any(|&i| i >= qi) {
            errors.add(
                file,
                format!("{label} applies_when"),
                "a follow-up may only depend on questions that come before it",
            );
        }
        if !c.calcs().is_empty() {
            errors.add(
                file,
                format!("{label} applies_when"),
                "a follow-up cannot depend on `calc.` figures: they are computed after the questions that apply are known",
            );
        }
        Some(c)
    });

    let number = match (kind, &q.unit, q.min, q.max) {
        (QuestionKind::Number, Some(unit), Some(min), Some(max)) => {
            if min >= max || !min.is_finite() || !max.is_finite() {
                errors.add(
                    file,
                    label.clone(),
                    format!("range {min} ..= {max} is empty"),
                );
            }
            Some(NumberSpec {
                unit: unit.clone(),
                min,
                max,
            })
        }
        (QuestionKind::Number, ..) => {
            errors.add(
                file,
                label.clone(),
                "a number question needs `unit`, `min` and `max`",
            );
            None
        }
        (_, None, None, None) => None,
        _ => {
            errors.add(
                file,
                label.clone(),
                "only number questions take `unit`, `min` and `max`",
            );
            None
        }
    };

    let mut choices = Vec::new();
    let mut seen = BTreeSet::new();
    for c in &q.choices {
        let clabel = format!("{label} choice {}", c.id);
        errors.check_id(file, &format!("{label} choice"), &c.id);
        if !seen.insert(c.id.as_str()) {
            errors.add(file, clabel.clone(), "duplicate choice id");
        }
        errors.check_text(file, &clabel, "title", &c.title);
        errors.check_url(file, &clabel, c.improvement_url.as_deref());
        if c.improvement_url.is_some() && c.improvement.is_none() {
            errors.add(
                file,
                clabel.clone(),
                "`improvement_url` without `improvement` text",
            );
        }
        let resource = c
            .resource
            .as_ref()
            .map(|l| errors.link(file, &format!("{clabel} resource"), l));
        let more_resources = c
            .more_resources
            .iter()
            .map(|l| errors.link(file, &format!("{clabel} more_resources"), l))
            .collect();
        let more_improvements = c
            .more_improvements
            .iter()
            .map(|l| {
                let link = errors.link(file, &format!("{clabel} more_improvements"), l);
                Improvement {
                    text: link.text,
                    url: link.url,
                }
            })
            .collect();
        if let Ok(id) = ChoiceId::parse(&c.id) {
            choices.push(Choice {
                id,
                title: c.title.clone(),
                help: c.help.clone(),
                improvement: c.improvement.clone().map(|text| Improvement {
                    text: text.into(),
                    url: c.improvement_url.as_deref().map(Into::into),
                }),
                none_of_these: c.none_of_these,
                resource,
                more_resources,
                more_improvements,
            });
        }
    }
    match kind {
        // A multi question is a list of practices to tick: one is enough.
        QuestionKind::Multi if q.choices.is_empty() => {
            errors.add(file, label.clone(), "a multi question needs a choice");
        }
        QuestionKind::Single if q.choices.len() < 2 => {
            errors.add(
                file,
                label.clone(),
                "a choice question needs at least two choices",
            );
        }
        QuestionKind::Number | QuestionKind::Text if !q.choices.is_empty() => {
            errors.add(
                file,
                label.clone(),
                "only single and multi questions take choices",
            );
        }
        _ => {}
    }
    if q.choices.len() > 64 {
        errors.add(file, label.clone(), "more than 64 choices");
    }
    if q.choices.iter().filter(|c| c.none_of_these).count() > 1 {
        errors.add(
            file,
            label.clone(),
            "more than one choice is marked `none_of_these`",
        );
    }

    // Risk rules may read this question by its bare choice ids, and any question by name.
    let mut risk_rules = Vec::new();
    for (i, r) in q.risk_rules.iter().enumerate() {
        let rlabel = format!("{label} risk_rules[{i}]");
        errors.check_text(file, &rlabel, "reason", &r.reason);
        errors.check_url(file, &rlabel, r.improvement_url.as_deref());
        if r.improvement_url.is_some() && r.improvement.is_none() {
            errors.add(
                file,
                rlabel.clone(),
                "`improvement_url` without `improvement` text",
            );
        }
        if let Some(problem) = &r.problem {
            check_problem(errors, file, &rlabel, r.risk, problem);
        }
        if let Some(text) = &r.improvement {
            errors.check_text(file, &rlabel, "improvement", text);
            if r.risk == crate::model::Risk::None {
                errors.add(
                    file,
                    rlabel.clone(),
                    "an `improvement` on a rule with risk `none` is never shown",
                );
            }
        }
        if let Some(when) = errors.condition(file, &rlabel, &r.when, table, Some(qi)) {
            if when.is_default() && i + 1 != q.risk_rules.len() {
                errors.add(
                    file,
                    rlabel.clone(),
                    "`default` must be the last rule: the rules after it can never fire",
                );
            }
            risk_rules.push(RiskRule {
                when,
                risk: r.risk,
                problem: r.problem.as_deref().map(|p| p.trim().into()),
                reason: r.reason.as_str().into(),
                improvement: r.improvement.as_ref().map(|text| Improvement {
                    text: text.as_str().into(),
                    url: r.improvement_url.as_deref().map(Into::into),
                }),
            });
        }
    }
    if q.risk_rules
        .last()
        .is_none_or(|r| r.when.trim() != "default")
    {
        errors.add(
            file,
            label.clone(),
            "the last risk rule must be `when = \"default\"`",
        );
    }

    Question {
        id: table.questions[qi].0.clone(),
        area,
        title: q.title.as_str().into(),
        help: q.help.clone(),
        kind,
        weight: q.weight,
        number,
        choices,
        applies_when,
        risk_rules,
        resource: q
            .resource
            .as_ref()
            .map(|l| errors.link(file, &format!("{label} resource"), l)),
    }
}

/// The longest problem title: a heading, not a paragraph.
const MAX_PROBLEM: usize = 100;

/// A rule's problem title: some words on one line, on a rule that raises a risk.
fn check_problem(errors: &mut Errors, file: &str, label: &str, risk: Risk, problem: &str) {
    errors.check_text(file, label, "problem", problem);
    if risk == Risk::None {
        errors.add(
            file,
            label.to_owned(),
            "a `problem` on a rule with risk `none` is never shown",
        );
    }
    if problem.contains('\n') || problem.chars().count() > MAX_PROBLEM {
        errors.add(
            file,
            label.to_owned(),
            format!("`problem` is a title: one line of at most {MAX_PROBLEM} characters"),
        );
    }
}

fn load_figures(f: raw::LimitsFile, errors: &mut Errors) -> Figures {
    let mut figures = Figures::default();
    let limits = f.limits.into_iter().map(|l| {
        let fig = Figure {
            id: l.id,
            title: l.title,
            value: l.value,
            unit: l.unit,
            source: l.source,
            adjustable: Some(l.adjustable),
        };
        ("limit", fig)
    });
    let prices = f.prices.into_iter().map(|p| {
        let fig = Figure {
            id: p.id,
            title: p.title,
            value: p.value,
            unit: p.unit,
            source: p.source,
            adjustable: None,
        };
        ("price", fig)
    });
    let assumptions = f.assumptions.into_iter().map(|a| {
        let fig = Figure {
            id: a.id,
            title: a.title,
            value: a.value,
            unit: a.unit,
            source: a.why,
            adjustable: None,
        };
        ("assumption", fig)
    });
    for (what, fig) in limits.chain(prices).chain(assumptions) {
        let label = format!("{what} {}", fig.id);
        errors.check_id(LIMITS, what, &fig.id);
        errors.check_text(LIMITS, &label, "title", &fig.title);
        if what == "assumption" {
            errors.check_text(LIMITS, &label, "why", &fig.source);
        } else {
            errors.check_url(LIMITS, &label, Some(&fig.source));
        }
        if !fig.value.is_finite() || fig.value < 0.0 {
            errors.add(
                LIMITS,
                label.clone(),
                "the value must be a non-negative number",
            );
        }
        let map = match what {
            "limit" => &mut figures.limits,
            "price" => &mut figures.prices,
            _ => &mut figures.assumptions,
        };
        if map.contains_key(&fig.id) {
            errors.add(LIMITS, label, format!("duplicate {what} id"));
        }
        map.insert(fig.id.clone(), fig);
    }
    figures
}

fn load_checklist(
    f: raw::ChecklistFile,
    areas: &[Area],
    table: &Table,
    errors: &mut Errors,
) -> Vec<ChecklistItem> {
    let mut items = Vec::new();
    let mut seen = BTreeSet::new();
    let ids: BTreeSet<String> = f.items.iter().map(|it| it.id.clone()).collect();
    for it in f.items {
        let label = format!("item {}", it.id);
        errors.check_id(CHECKLIST, "item", &it.id);
        if !seen.insert(it.id.clone()) {
            errors.add(CHECKLIST, label.clone(), "duplicate item id");
        }
        errors.check_text(CHECKLIST, &label, "title", &it.title);
        errors.check_text(CHECKLIST, &label, "why", &it.why);
        errors.check_text(CHECKLIST, &label, "how", &it.how);
        errors.check_url(CHECKLIST, &label, it.url.as_deref());
        let area = areas.iter().position(|a| a.id.as_str() == it.area);
        if area.is_none() {
            errors.add(
                CHECKLIST,
                label.clone(),
                format!("unknown area `{}`", it.area),
            );
        }
        let mut questions = Vec::new();
        for q in &it.questions {
            match table.index.get(q) {
                Some(i) => questions.push(*i),
                None => errors.add(CHECKLIST, label.clone(), format!("unknown question `{q}`")),
            }
        }
        let applies_when = it
            .applies_when
            .as_deref()
            .map(|s| errors.condition(CHECKLIST, &format!("{label} applies_when"), s, table, None));
        let done_when = errors.condition(
            CHECKLIST,
            &format!("{label} done_when"),
            &it.done_when,
            table,
            None,
        );
        let effort = it.effort.as_deref().and_then(|e| {
            let parsed = crate::model::Effort::parse(e);
            if parsed.is_none() {
                errors.add(
                    CHECKLIST,
                    label.clone(),
                    format!("effort `{e}` is not one of S, M or L"),
                );
            }
            parsed
        });
        let mut after = Vec::new();
        for a in &it.after {
            if *a == it.id {
                errors.add(CHECKLIST, label.clone(), "an item cannot come after itself");
            } else if !ids.contains(a.as_str()) {
                errors.add(
                    CHECKLIST,
                    label.clone(),
                    format!("`after` names an unknown item `{a}`"),
                );
            } else if let Ok(a) = ItemId::parse(a) {
                after.push(a);
            }
        }
        if let (Some(area), Ok(id), Some(done_when)) = (area, ItemId::parse(&it.id), done_when) {
            if let Some(None) = applies_when {
                continue;
            }
            items.push(ChecklistItem {
                id,
                title: it.title.into(),
                area,
                why: it.why.into(),
                how: it.how.into(),
                url: it.url.map(Into::into),
                questions,
                applies_when: applies_when.flatten(),
                done_when,
                effort,
                after,
            });
        }
    }
    items
}

fn load_patterns(
    f: raw::PatternsFile,
    checklist: &[ChecklistItem],
    figures: &Figures,
    table: &Table,
    errors: &mut Errors,
) -> Vec<Pattern> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for p in f.patterns {
        let label = format!("pattern {}", p.id);
        errors.check_id(PATTERNS, "pattern", &p.id);
        if !seen.insert(p.id.clone()) {
            errors.add(PATTERNS, label.clone(), "duplicate pattern id");
        }
        errors.check_text(PATTERNS, &label, "name", &p.name);
        errors.check_text(PATTERNS, &label, "summary", &p.summary);
        if p.tradeoffs.is_empty() {
            errors.add(
                PATTERNS,
                label.clone(),
                "a pattern needs at least one tradeoff",
            );
        }
        if p.signals.is_empty() {
            errors.add(
                PATTERNS,
                label.clone(),
                "a pattern needs at least one signal",
            );
        }
        let mut controls = Vec::new();
        for c in &p.controls {
            match checklist.iter().position(|i| i.id.as_str() == c) {
                Some(i) => controls.push(i),
                None => errors.add(
                    PATTERNS,
                    label.clone(),
                    format!("control `{c}` is not a checklist item"),
                ),
            }
        }
        for l in &p.limits {
            if !figures.limits.contains_key(l) {
                errors.add(
                    PATTERNS,
                    label.clone(),
                    format!("limit `{l}` is not in limits.toml"),
                );
            }
        }
        let nodes: BTreeSet<&str> = p.diagram.nodes.iter().map(|n| n.id.as_str()).collect();
        if nodes.len() != p.diagram.nodes.len() {
            errors.add(PATTERNS, label.clone(), "diagram node ids repeat");
        }
        for e in &p.diagram.edges {
            for end in [&e.from, &e.to] {
                if !nodes.contains(end.as_str()) {
                    errors.add(
                        PATTERNS,
                        label.clone(),
                        format!("diagram edge names unknown node `{end}`"),
                    );
                }
            }
        }
        let mut signals = |list: &[raw::RawSignal], what: &str| -> Vec<Signal> {
            list.iter()
                .enumerate()
                .filter_map(|(i, s)| {
                    let slabel = format!("{label} {what}[{i}]");
                    if !(1.0..=10.0).contains(&s.weight) {
                        errors.add(
                            PATTERNS,
                            slabel.clone(),
                            format!("weight {} is outside 1 ..= 10", s.weight),
                        );
                    }
                    errors.check_text(PATTERNS, &slabel, "reason", &s.reason);
                    let when = errors.condition(PATTERNS, &slabel, &s.when, table, None)?;
                    Some(Signal {
                        when,
                        weight: s.weight,
                        reason: s.reason.as_str().into(),
                    })
                })
                .collect()
        };
        let pos = signals(&p.signals, "signals");
        let neg = signals(&p.anti_signals, "anti_signals");
        if p.roles.is_empty() {
            errors.add(
                PATTERNS,
                label.clone(),
                "a pattern needs `roles`: \"backbone\", \"add_on\" or both",
            );
        }
        let backbone = p.roles.contains(&raw::RawRole::Backbone);
        let add_on = p.roles.contains(&raw::RawRole::AddOn);
        let backbone_when = p.backbone_when.as_ref().and_then(|w| {
            if !backbone {
                errors.add(
                    PATTERNS,
                    label.clone(),
                    "`backbone_when` needs the role \"backbone\"",
                );
            }
            errors.condition(PATTERNS, &format!("{label} backbone_when"), w, table, None)
        });
        if add_on {
            errors.check_text(PATTERNS, &label, "addresses", &p.addresses);
        }
        if p.job.trim().is_empty() {
            errors.add(
                PATTERNS,
                label.clone(),
                "a pattern needs a `job`: what it does in a design, in a few words",
            );
        }
        for r in &p.relieves {
            if !crate::checks::CHECK_IDS.contains(&r.as_str()) {
                errors.add(
                    PATTERNS,
                    label.clone(),
                    format!("`relieves` names `{r}`, which is not a check"),
                );
            }
        }
        if let Ok(id) = PatternId::parse(&p.id) {
            out.push(Pattern {
                id,
                name: p.name.into(),
                kind: match p.kind {
                    raw::RawPatternKind::Serverless => PatternKind::Serverless,
                    raw::RawPatternKind::Containers => PatternKind::Containers,
                },
                summary: p.summary,
                services: p.services,
                tradeoffs: p.tradeoffs.into(),
                failure_modes: p.failure_modes.into(),
                controls,
                limits: p.limits.into(),
                scaffold: p.scaffold,
                signals: pos,
                anti_signals: neg,
                diagram: Diagram {
                    nodes: p.diagram.nodes,
                    edges: p.diagram.edges,
                },
                backbone,
                backbone_when,
                add_on,
                addresses: p.addresses.as_str().into(),
                relieves: p.relieves,
                group: p.group,
                job: p.job.as_str().into(),
            });
        }
    }
    out
}

fn load_inputs(raw: &BTreeMap<String, String>, table: &Table, errors: &mut Errors) -> Inputs {
    let mut inputs = Inputs::default();
    for (name, value) in raw {
        let label = format!("inputs.{name}");
        if let Some(n) = NumberInput::parse(name) {
            match table.question(value) {
                Some((qi, QuestionKind::Number)) => {
                    inputs.numbers.insert(n, qi);
                }
                Some(_) => errors.add(
                    MANIFEST,
                    label,
                    format!("`{value}` is not a number question"),
                ),
                None => errors.add(MANIFEST, label, format!("unknown question `{value}`")),
            }
        } else if let Some(c) = ConditionInput::parse(name) {
            if let Some(cond) = errors.condition(MANIFEST, &label, value, table, None) {
                inputs.conditions.insert(c, cond);
            }
        } else {
            errors.add(
                MANIFEST,
                label,
                "unknown input name (see content/README.md for the list)",
            );
        }
    }
    inputs
}

fn load_runtimes(raw: &[raw::RawRuntime], table: &Table, errors: &mut Errors) -> Vec<Runtime> {
    let mut out = Vec::new();
    for r in raw {
        let label = format!("runtime {}", r.id);
        errors.check_url(MANIFEST, &label, Some(&r.source));
        for v in [r.cold_start_ms_arm64, r.cold_start_ms_x86] {
            if !(0.0..=60_000.0).contains(&v) {
                errors.add(
                    MANIFEST,
                    label.clone(),
                    format!("cold start {v} ms is outside 0 ..= 60000"),
                );
            }
        }
        let mut ranges = Vec::new();
        for (i, w) in r.ranges.iter().enumerate() {
            let wlabel = format!("{label} ranges[{i}]");
            errors.check_url(MANIFEST, &wlabel, Some(&w.source));
            errors.check_text(MANIFEST, &wlabel, "label", &w.label);
            let [low, high] = w.cold_start_ms;
            if !(0.0..=60_000.0).contains(&low) || !(low..=60_000.0).contains(&high) {
                errors.add(
                    MANIFEST,
                    wlabel.clone(),
                    format!(
                        "cold start range {low}..{high} ms must be ordered and within 0 ..= 60000"
                    ),
                );
            }
            if let Some(when) = errors.condition(MANIFEST, &wlabel, &w.when, table, None) {
                ranges.push(ColdStartRange {
                    when,
                    label: w.label.clone(),
                    low_ms: low,
                    high_ms: high,
                    source: w.source.clone(),
                });
            }
        }
        if let Some(when) = errors.condition(MANIFEST, &label, &r.when, table, None) {
            out.push(Runtime {
                id: r.id.clone(),
                when,
                cold_start_ms_arm64: r.cold_start_ms_arm64,
                cold_start_ms_x86: r.cold_start_ms_x86,
                source: r.source.clone(),
                ranges,
            });
        }
    }
    out
}
