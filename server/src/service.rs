//! The use cases: what a signed-in actor may read and change, on top of [`store`]. The pages reach
//! them through `app::Backend` (implemented in [`crate::pages`]), the REST API and the reports
//! call them directly; each takes the request's [`AppContext`] and returns view models or
//! [`AppError`].

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use questionnaires::evaluate::Status;
use questionnaires::model::{Area, Question, QuestionKind};
use questionnaires::{Answer, AnswerValue, Answers, Evaluation, Questionnaire, Workload};

use crate::error::AppError;
use app::api::{
    AreaData, AssessmentList, AssessmentSummary, ChecklistRow, ChoiceView, ConflictView,
    QuestionView, RailArea, ResultsData,
};
use store::auth::{Actor, Role, User};
use store::{
    AnswersWrite, Assessment, Missing, NewAssessment, Order, PageQuery, Position, Store, StoreError,
};

pub mod heavy;
pub mod lenses;

/// How long the engine took for each evaluation a request needed, in seconds: read by
/// `/metrics` (server/src/observe.rs), which registers it. One histogram per process, as
/// Prometheus counts.
pub static EVALUATION_SECONDS: std::sync::LazyLock<
    prometheus_client::metrics::histogram::Histogram,
> = std::sync::LazyLock::new(|| {
    prometheus_client::metrics::histogram::Histogram::new(
        prometheus_client::metrics::histogram::exponential_buckets(0.000_005, 2.0, 14),
    )
});

/// The engine's evaluation, timed into [`EVALUATION_SECONDS`].
pub fn evaluate(q: &Questionnaire, answers: &Answers) -> Evaluation {
    let started = std::time::Instant::now();
    let e = questionnaires::evaluate(q, answers);
    EVALUATION_SECONDS.observe(started.elapsed().as_secs_f64());
    e
}
mod templates;
pub(crate) use templates::template_sources;

/// What every server function and handler can reach.
#[derive(Clone)]
pub struct AppContext {
    /// Storage.
    pub store: Store,
    /// The built-in questionnaire.
    pub builtin: &'static Questionnaire,
    /// Imported lenses, parsed.
    pub lenses: lenses::Lenses,
    /// The slots for CPU-heavy work, shared by every request.
    pub heavy: heavy::Heavy,
    /// Who is asking (set per request).
    pub actor: Actor,
}

impl AppContext {
    /// The signed-in user, or 401.
    pub fn user(&self) -> Result<&User, AppError> {
        self.actor.user().ok_or(AppError::Unauthorized)
    }

    /// The signed-in user of a browser session: an API token (scoped to one team) may not
    /// manage the account's tokens, for that team or any other.
    pub fn session_user(&self) -> Result<&User, AppError> {
        match &self.actor {
            Actor::Token { .. } => Err(AppError::Forbidden(
                "An API token cannot see or manage API tokens: sign in to your account.".into(),
            )),
            _ => self.user(),
        }
    }

    /// A team the actor belongs to with at least the role `need`: 404 to non-members (a team's
    /// existence is not revealed), 403 to members whose role is too low.
    pub async fn team(&self, team_id: &str, need: Role) -> Result<Role, AppError> {
        let user = self.user()?;
        let role = if self.actor.reaches(team_id) {
            self.store.role(&user.id, team_id).await?
        } else {
            None
        };
        let role = role.ok_or_else(|| AppError::NotFound("There is no such team.".into()))?;
        if role < need {
            return Err(AppError::Forbidden(format!(
                "This needs the {} role in the team; you are {} {}.",
                need.as_str(),
                if role == Role::Owner { "an" } else { "a" },
                role.as_str()
            )));
        }
        Ok(role)
    }

    /// An assessment the actor may act on with the role `need`, and the actor's role.
    pub async fn assessment(&self, id: &str, need: Role) -> Result<(Assessment, Role), AppError> {
        self.user()?;
        let not_found = || AppError::from(StoreError::NotFound(Missing::Review));
        let a = self.store.assessment(id).await?;
        let team = a.team_id.clone().ok_or_else(not_found)?;
        let role = self.team(&team, need).await.map_err(|e| match e {
            AppError::NotFound(_) => not_found(),
            other => other,
        })?;
        Ok((a, role))
    }

    /// Appends to the audit log of the assessment's team.
    async fn audit(
        &self,
        a: &Assessment,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), AppError> {
        if let Some(team) = &a.team_id {
            self.store
                .audit(team, &self.actor.label(), action, target, detail, now_ms())
                .await?;
        }
        Ok(())
    }
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Renders help Markdown to HTML and sanitizes it. The help comes from the questionnaire, so
/// each text is rendered once and then served from a cache: sanitizing is the costliest step of
/// a page. An imported lens has its texts rendered when it is parsed, off the async workers
/// ([`warm_markdown`]).
///
/// A questionnaire can be an imported lens, so its text is not trusted: ammonia drops scripts,
/// event handlers and `javascript:` links, and no image survives (an image would be fetched from
/// wherever the lens points, by every reader of a page or a report): a Markdown image becomes its
/// alt text, and an `<img>` element is removed.
pub fn markdown(text: &str) -> String {
    static CACHE: std::sync::OnceLock<std::sync::Mutex<RenderedCache>> = std::sync::OnceLock::new();
    static SANITIZER: std::sync::OnceLock<ammonia::Builder<'static>> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        std::sync::Mutex::new(RenderedCache {
            entries: lru::LruCache::unbounded(),
            bytes: 0,
        })
    });
    let lock = || cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(html) = lock().entries.get(text) {
        return html.clone();
    }
    use pulldown_cmark::{Event, Tag, TagEnd};
    let events = pulldown_cmark::Parser::new(text).filter(|e| {
        !matches!(
            e,
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image)
        )
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events);
    let sanitizer = SANITIZER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.rm_tags(["img"]);
        b
    });
    let clean = sanitizer.clean(&html).to_string();
    lock().insert(text, &clean);
    clean
}

/// Rendered help text, least recently used first out once it holds [`MARKDOWN_CACHE_BYTES`]:
/// imported lenses bring text of their own, version after version.
struct RenderedCache {
    entries: lru::LruCache<String, String>,
    bytes: usize,
}

/// The most rendered Markdown (source and HTML) kept in memory.
pub const MARKDOWN_CACHE_BYTES: usize = 32 << 20;

impl RenderedCache {
    fn insert(&mut self, text: &str, html: &str) {
        let size = text.len() + html.len();
        if size > MARKDOWN_CACHE_BYTES / 4 {
            return;
        }
        if let Some(old) = self.entries.put(text.to_owned(), html.to_owned()) {
            self.bytes -= text.len() + old.len();
        }
        self.bytes += size;
        while self.bytes > MARKDOWN_CACHE_BYTES {
            match self.entries.pop_lru() {
                Some((k, v)) => self.bytes -= k.len() + v.len(),
                None => break,
            }
        }
    }
}

/// Renders every help text of a questionnaire into the Markdown cache: area summaries,
/// question and choice help, and checklist items. Called where a lens is parsed, on the
/// blocking pool ([`heavy`]), so that its pages do not render a big lens on an async worker.
pub fn warm_markdown(q: &Questionnaire) {
    for area in &q.areas {
        markdown(&area.summary);
    }
    for question in &q.questions {
        markdown(&question.help);
        for c in question.choices.iter().filter(|c| !c.help.is_empty()) {
            markdown(&c.help);
        }
    }
    for item in &q.checklist {
        markdown(&item.why);
        markdown(&item.how);
    }
}

async fn answers_of(
    store: &Store,
    q: &Questionnaire,
    id: &str,
) -> Result<(Answers, BTreeMap<String, store::StoredAnswer>), AppError> {
    let stored = store.answers(id).await?;
    let mut answers = Answers::new();
    let mut by_id = BTreeMap::new();
    for s in stored {
        if let Some(question) = q.question(&s.question_id) {
            answers.insert(question.id.clone(), s.answer.clone());
        }
        by_id.insert(s.question_id.clone(), s);
    }
    Ok((answers, by_id))
}

/// The team an API token is limited to (`None`: a person sees every team of theirs).
fn token_team(c: &AppContext) -> Option<&str> {
    match &c.actor {
        Actor::Token { team_id, .. } => Some(team_id.as_str()),
        _ => None,
    }
}

/// A page of the assessments the actor can see (an API token sees its own team's only), most
/// recently changed first, and whether more follow.
async fn visible_page(
    c: &AppContext,
    include_archived: bool,
    search: &str,
    after: Option<&Position>,
    limit: u32,
) -> Result<(Vec<Assessment>, bool), AppError> {
    let user = c.user()?;
    Ok(c.store
        .assessments_page(&PageQuery {
            user_id: &user.id,
            team_id: token_team(c),
            include_archived,
            search,
            order: Order::Updated,
            after,
            limit,
        })
        .await?)
}

/// Reviews on a page of the home list.
pub const HOME_PAGE_SIZE: u32 = 25;

/// The home list's cursor for the item after `a`: opaque to people (base64url of its change
/// time and id).
pub fn home_cursor(a: &Assessment) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}", a.updated_at, a.id))
}

/// Reads a cursor [`home_cursor`] made; anything else is a clear 400.
pub fn read_home_cursor(cursor: &str) -> Result<Position, AppError> {
    use base64::Engine as _;
    let bad = || {
        AppError::BadInput(
            "That link to older reviews is not valid (it may have been cut short): start again from the first page."
                .into(),
        )
    };
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    let (at, id) = text.split_once(':').ok_or_else(bad)?;
    let at = at.parse::<i64>().map_err(|_| bad())?;
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(bad());
    }
    Ok(Position {
        at,
        id: id.to_owned(),
    })
}

/// A page of the reviews the actor can see: those matching `search`, after the cursor `after`.
pub async fn list_assessments(
    c: &AppContext,
    include_archived: bool,
    search: &str,
    after: Option<&str>,
) -> Result<AssessmentList, AppError> {
    let after = after
        .filter(|a| !a.trim().is_empty())
        .map(read_home_cursor)
        .transpose()?;
    let (page, more) =
        visible_page(c, include_archived, search, after.as_ref(), HOME_PAGE_SIZE).await?;
    // The link to the next page keeps the search and the archived toggle.
    let older = match page.last() {
        Some(last) if more => {
            let mut params = Vec::new();
            if !search.trim().is_empty() {
                params.push(("q", search.trim().to_owned()));
            }
            if include_archived {
                params.push(("archived", "1".to_owned()));
            }
            params.push(("after", home_cursor(last)));
            Some(format!(
                "/?{}",
                serde_urlencoded::to_string(params).unwrap_or_default()
            ))
        }
        _ => None,
    };
    // Only the page shown is evaluated.
    let mut rows = Vec::with_capacity(page.len());
    for a in page {
        let q = c.questionnaire_of(&a).await?;
        let (answers, stored) = answers_of(&c.store, &q, &a.id).await?;
        let e = evaluate(&q, &answers);
        rows.push(AssessmentSummary {
            to_confirm: templates::to_confirm(&q, &e, &stored).len(),
            answered: e.progress.answered,
            applicable: e.progress.applicable,
            overall: e.scores.overall,
            verdict: e.verdict.status.label().to_owned(),
            high: e
                .risks
                .iter()
                .filter(|r| r.level == questionnaires::Risk::High)
                .count(),
            medium: e
                .risks
                .iter()
                .filter(|r| r.level == questionnaires::Risk::Medium)
                .count(),
            archived: a.archived_at.is_some(),
            id: a.id,
            name: a.name,
            description: a.description,
            environment: a.environment,
            updated_at: a.updated_at,
            version: a.version,
        });
    }
    Ok(AssessmentList {
        rows,
        older,
        first_page: after.is_none(),
    })
}

fn workload(name: &str, description: &str, environment: &str) -> Result<Workload, AppError> {
    check_workload(name, description, environment).map_err(|errors| {
        AppError::BadInput(
            errors
                .iter()
                .map(|(field, message)| format!("{field}: {message}"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// Checks a workload's details (name 1 to 200 characters, description up to 5,000, environment
/// up to 100): the trimmed workload, or every problem as (field, message).
pub fn check_workload(
    name: &str,
    description: &str,
    environment: &str,
) -> Result<Workload, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() {
        errors.push(("name".to_owned(), "the workload needs a name".to_owned()));
    } else if name.chars().count() > 200 {
        errors.push(("name".to_owned(), "at most 200 characters".to_owned()));
    }
    if description.chars().count() > 5_000 {
        errors.push((
            "description".to_owned(),
            "at most 5,000 characters".to_owned(),
        ));
    }
    if environment.chars().count() > 100 {
        errors.push((
            "environment".to_owned(),
            "at most 100 characters".to_owned(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Workload {
        name: name.to_owned(),
        description: description.trim().to_owned(),
        environment: environment.trim().to_owned(),
    })
}

/// What a new assessment asks for.
#[derive(Debug, Clone, Default)]
pub struct NewReview<'a> {
    /// The team it belongs to.
    pub team: &'a str,
    /// Workload name.
    pub name: &'a str,
    /// Workload description.
    pub description: &'a str,
    /// Environment.
    pub environment: &'a str,
    /// A review or milestone to start from (see [`templates::Source`]); empty: blank.
    pub from: &'a str,
    /// The questionnaire: empty or the built-in id, an imported lens id (its latest version),
    /// or `id@version`.
    pub questionnaire: &'a str,
}

/// Creates an assessment: blank, or from a review or milestone the actor can read, with its
/// answers carried over, to confirm (and then on that review's questionnaire).
pub async fn create_assessment_in(
    c: &AppContext,
    r: NewReview<'_>,
) -> Result<Assessment, AppError> {
    c.team(r.team, Role::Editor).await?;
    let workload = workload(r.name, r.description, r.environment)?;
    let source = templates::Source::parse(r.from)?;
    let (questionnaire_id, questionnaire_hash) = match r.questionnaire.trim() {
        "" => (c.builtin.id.clone(), c.builtin.content_hash.clone()),
        id if id == c.builtin.id => (c.builtin.id.clone(), c.builtin.content_hash.clone()),
        spec => {
            let (id, version) = match spec.split_once('@') {
                Some((id, v)) => {
                    let v = v.trim_start_matches('v').parse::<i64>().map_err(|_| {
                        AppError::BadInput(format!(
                            "questionnaire: `{spec}` is not `id` or `id@version`"
                        ))
                    })?;
                    (id, Some(v))
                }
                None => (spec, None),
            };
            let (row, _) = c.lens(id, version).await.map_err(|e| match e {
                AppError::NotFound(m) => AppError::BadInput(format!("questionnaire: {m}")),
                other => other,
            })?;
            (row.id, row.hash)
        }
    };
    let new = NewAssessment {
        workload,
        questionnaire_id,
        questionnaire_hash,
        team_id: r.team.to_owned(),
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let now = now_ms();
    let created = match source {
        None => c.store.create_assessment(&new, &id, now).await?,
        Some(source) => templates::create_from(c, new, &id, source, now).await?,
    };
    let detail = created
        .started_from
        .as_ref()
        .map_or_else(|| "created".to_owned(), |f| format!("created from {f}"));
    c.audit(&created, "assessment", &created.name, &detail)
        .await?;
    Ok(created)
}

/// Creates an assessment; returns the address of its first area.
pub async fn create_assessment(c: &AppContext, r: NewReview<'_>) -> Result<String, AppError> {
    let a = create_assessment_in(c, r).await?;
    let q = c.questionnaire_of(&a).await?;
    let first = q
        .areas
        .first()
        .map(|a| a.id.to_string())
        .unwrap_or_default();
    Ok(format!("/assessments/{}/review/{first}", a.id))
}

/// Renames a review (editors), at the version the form read.
pub async fn rename_assessment(
    c: &AppContext,
    id: &str,
    name: &str,
    version: i64,
) -> Result<(), AppError> {
    let (current, _) = c.assessment(id, Role::Editor).await?;
    let w = workload(name, &current.description, &current.environment)?;
    c.store.update_assessment(id, &w, version, now_ms()).await?;
    c.audit(
        &current,
        "assessment",
        &current.name,
        &format!("renamed to {}", w.name),
    )
    .await
}

/// Duplicates a review with its answers and checklist (editors).
pub async fn duplicate_assessment(c: &AppContext, id: &str) -> Result<(), AppError> {
    let (current, _) = c.assessment(id, Role::Editor).await?;
    let name: String = format!("{} (copy)", current.name)
        .chars()
        .take(200)
        .collect();
    let new_id = uuid::Uuid::new_v4().simple().to_string();
    c.store
        .duplicate_assessment(id, &new_id, &name, &c.actor.label(), now_ms())
        .await?;
    Ok(())
}

/// Archives or restores a review (editors), at the version the form read.
pub async fn archive_assessment(
    c: &AppContext,
    id: &str,
    version: i64,
    archive: bool,
) -> Result<(), AppError> {
    let (current, _) = c.assessment(id, Role::Owner).await?;
    c.store.set_archived(id, archive, version, now_ms()).await?;
    let what = if archive { "archived" } else { "restored" };
    c.audit(&current, "assessment", &current.name, what).await
}

/// Each area's progress, and how many of its answers are still to confirm (`pending`, from
/// [`templates::to_confirm`]).
fn rail(q: &Questionnaire, e: &Evaluation, pending: &[usize]) -> Vec<RailArea> {
    q.areas
        .iter()
        .zip(&e.areas)
        .enumerate()
        .map(|(i, (a, r))| RailArea {
            id: a.id.to_string(),
            title: a.title.to_string(),
            answered: r.progress.answered,
            applicable: r.progress.applicable,
            to_confirm: pending
                .iter()
                .filter(|&&p| q.questions[p].area == i)
                .count(),
        })
        .collect()
}

fn question_view(
    question: &Question,
    answer: Option<&store::StoredAnswer>,
    e: &Evaluation,
    index: usize,
    to_confirm: bool,
) -> QuestionView {
    let result = &e.questions[index];
    let value = answer.map(|a| &a.answer.value);
    let selected: Vec<&str> = match value {
        Some(AnswerValue::Choices(ids)) => ids.iter().map(|c| c.as_str()).collect(),
        _ => Vec::new(),
    };
    QuestionView {
        id: question.id.to_string(),
        title: question.title.to_string(),
        help_html: markdown(&question.help) + &links(question.resource.iter()),
        kind: question.kind,
        unit: question.number.as_ref().map(|n| n.unit.clone()),
        min: question.number.as_ref().map(|n| n.min),
        max: question.number.as_ref().map(|n| n.max),
        choices: question
            .choices
            .iter()
            .map(|c| ChoiceView {
                id: c.id.to_string(),
                title: c.title.clone(),
                help_html: if c.help.is_empty() {
                    String::new()
                } else {
                    markdown(&c.help)
                } + &links(c.resource.iter().chain(&c.more_resources)),
                selected: selected.contains(&c.id.as_str()),
                none_of_these: c.none_of_these,
            })
            .collect(),
        value: match value {
            Some(AnswerValue::Number(x)) => format_number(*x),
            Some(AnswerValue::Text(t)) => t.clone(),
            _ => String::new(),
        },
        not_applicable: matches!(value, Some(AnswerValue::NotApplicable(_))),
        na_reason: match value {
            Some(AnswerValue::NotApplicable(r)) => r.clone(),
            _ => String::new(),
        },
        note: answer
            .and_then(|a| a.answer.note.clone())
            .unwrap_or_default(),
        version: answer.map(|a| a.version),
        follow_up: question.applies_when.is_some(),
        visible: result.status != Status::Hidden,
        risk: result.risk.map(|r| r.as_str().to_owned()),
        changed: answer.map(|a| (a.updated_by.clone(), a.updated_at)),
        to_confirm,
    }
}

/// Helpful resources (an imported lens's notes and links) as HTML: one line each, escaped.
fn links<'a>(resources: impl Iterator<Item = &'a questionnaires::model::Link>) -> String {
    resources
        .filter(|r| r.url.is_some() || r.text.chars().filter(|c| c.is_alphanumeric()).count() >= 2)
        .map(|r| {
            // Some lenses put a placeholder (`-`) where the text goes: name the page instead.
            let words = r.text.chars().filter(|c| c.is_alphanumeric()).count() >= 2;
            let text = match (&r.url, words) {
                (Some(url), false) => app::escape_html(url),
                _ => app::escape_html(&r.text),
            };
            match &r.url {
                Some(url) => format!(
                    "<span class=\"resource\"><a href=\"{}\" rel=\"noopener noreferrer\">{text}</a></span>",
                    app::escape_html(url)
                ),
                None => format!("<span class=\"resource\">{text}</span>"),
            }
        })
        .collect()
}

fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// One area of the review page, with the flash message of the save that led here.
pub async fn area_page(
    c: &AppContext,
    id: &str,
    area_id: &str,
    flash: Option<&str>,
) -> Result<AreaData, AppError> {
    let (assessment, role) = c.assessment(id, Role::Viewer).await?;
    let q = &*c.questionnaire_of(&assessment).await?;
    let Some(area_index) = q.areas.iter().position(|a| a.id.as_str() == area_id) else {
        return Err(AppError::NotFound(format!("There is no area `{area_id}`.")));
    };
    let area = &q.areas[area_index];
    let (answers, stored) = answers_of(&c.store, q, id).await?;
    let e = evaluate(q, &answers);
    let pending = templates::to_confirm(q, &e, &stored);
    let flash: Flash = flash
        .and_then(|f| serde_json::from_str(f).ok())
        .unwrap_or_default();
    Ok(AreaData {
        assessment_id: assessment.id,
        workload: assessment.name,
        started_from: assessment.started_from,
        area_id: area.id.to_string(),
        area_title: area.title.to_string(),
        summary_html: markdown(&area.summary),
        rail: rail(q, &e, &pending),
        questions: area
            .questions
            .iter()
            .map(|&i| {
                question_view(
                    &q.questions[i],
                    stored.get(q.questions[i].id.as_str()),
                    &e,
                    i,
                    pending.contains(&i),
                )
            })
            .collect(),
        next_area: q.areas.get(area_index + 1).map(|a| a.id.to_string()),
        prev_area: area_index.checked_sub(1).map(|i| q.areas[i].id.to_string()),
        conflicts: flash.conflicts,
        errors: flash.errors,
        saved: flash.saved,
        confirmed: flash.confirmed,
        can_edit: role >= Role::Editor,
    })
}

/// Saves an area's form as the user types, and tells the page what it needs to stay current:
/// the stored versions, which questions apply, their risks, what is left to confirm, and the
/// progress rail. The same checks and writes as the plain form ([`save_area_form`]); the answers
/// are read once more after the save, so the versions include anyone else's writes meanwhile.
pub async fn autosave(
    c: &AppContext,
    id: &str,
    area_id: &str,
    form: &str,
) -> Result<app::api::SaveResult, AppError> {
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_str(form).map_err(|e| AppError::BadInput(format!("form: {e}")))?;
    let (assessment, _) = c.assessment(id, Role::Editor).await?;
    let q = &*c.questionnaire_of(&assessment).await?;
    let area = area_of(q, area_id)?;
    let flash = save_area(c, &assessment, q, area, fields).await?;
    let conflicts_url = (!flash.conflicts.is_empty()).then(|| flash.review_url(id, area_id));
    let (answers, stored) = answers_of(&c.store, q, id).await?;
    let e = evaluate(q, &answers);
    let pending = templates::to_confirm(q, &e, &stored);
    let questions = || {
        area.questions
            .iter()
            .map(|&i| (i, q.questions[i].id.to_string()))
    };
    Ok(app::api::SaveResult {
        conflicts_url,
        versions: questions()
            .map(|(_, qid)| {
                let version = stored.get(&qid).map(|a| a.version);
                (qid, version)
            })
            .collect(),
        visible: questions()
            .map(|(i, qid)| (qid, e.questions[i].status != Status::Hidden))
            .collect(),
        risks: questions()
            .map(|(i, qid)| (qid, e.questions[i].risk.map(|r| r.as_str().to_owned())))
            .collect(),
        to_confirm: questions()
            .map(|(i, qid)| (qid, pending.contains(&i)))
            .collect(),
        rail: rail(q, &e, &pending),
    })
}

/// An area of a questionnaire, or 404.
fn area_of<'q>(q: &'q Questionnaire, area_id: &str) -> Result<&'q Area, AppError> {
    q.areas
        .iter()
        .find(|a| a.id.as_str() == area_id)
        .ok_or_else(|| AppError::NotFound(format!("There is no area `{area_id}`.")))
}

/// What a form save tells the page it redirects to.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Flash {
    /// Saves that lost a race.
    #[serde(default)]
    pub conflicts: Vec<ConflictView>,
    /// Problems, by question id.
    #[serde(default)]
    pub errors: Vec<(String, String)>,
    /// Whether everything saved.
    #[serde(default)]
    pub saved: bool,
    /// How many carried-over answers the save confirmed unchanged.
    #[serde(default)]
    pub confirmed: usize,
    /// Where "save and continue" goes: the next area's review page, or the results.
    #[serde(skip)]
    pub next: String,
}

impl Flash {
    /// The review page of an area, carrying this outcome in its query string.
    pub fn review_url(&self, id: &str, area: &str) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        let query = serde_urlencoded::to_string([("flash", json)]).unwrap_or_default();
        format!("/assessments/{id}/review/{area}?{query}")
    }
}

/// The results page of a review (viewers).
pub async fn results_page(c: &AppContext, id: &str) -> Result<ResultsData, AppError> {
    let (assessment, role) = c.assessment(id, Role::Viewer).await?;
    let mut page = results_of(c, assessment).await?;
    page.can_edit = role >= Role::Editor;
    page.start_from = Some(templates::Source::value(id, None));
    if role == Role::Owner {
        let now = now_ms();
        page.share_links = Some(
            c.store
                .share_links(id)
                .await?
                .into_iter()
                .filter(|l| l.revoked_at.is_none() && l.expires_at.is_none_or(|e| e > now))
                .map(|l| app::api::ShareLinkView {
                    id: l.id,
                    created_by: l.created_by,
                    created_at: l.created_at,
                    expires_at: l.expires_at,
                })
                .collect(),
        );
    }
    Ok(page)
}

/// The results of the assessment a share link opens: read-only, for anyone holding the link.
pub async fn shared_results(c: &AppContext, token: &str) -> Result<ResultsData, AppError> {
    let assessment = shared_assessment(c, token).await?;
    let mut page = results_of(c, assessment).await?;
    page.shared = true;
    page.to_confirm = None;
    page.report_url = format!("/share/{token}");
    Ok(page)
}

async fn results_of(c: &AppContext, assessment: Assessment) -> Result<ResultsData, AppError> {
    let q = &*c.questionnaire_of(&assessment).await?;
    let (answers, stored) = answers_of(&c.store, q, &assessment.id).await?;
    let e = evaluate(q, &answers);
    let pending = templates::to_confirm(q, &e, &stored);
    let to_confirm = pending.first().map(|&first| app::api::ToConfirm {
        count: pending.len(),
        from: assessment.started_from.clone().unwrap_or_default(),
        first: format!(
            "/assessments/{}/review/{}#q-{}",
            assessment.id, q.areas[q.questions[first].area].id, q.questions[first].id
        ),
    });
    let items = c.store.checklist(&assessment.id).await?;
    let mut page = results_from(q, assessment, e, items)?;
    page.to_confirm = to_confirm;
    Ok(page)
}

/// One milestone of an assessment, or 404.
async fn milestone_of(
    c: &AppContext,
    assessment: &str,
    milestone: &str,
) -> Result<store::Milestone, AppError> {
    c.store
        .milestone(assessment, milestone)
        .await
        .map_err(AppError::from)
}

/// The results of an assessment as a milestone saved them: read-only, with the checklist as the
/// answers then implied it.
pub async fn milestone_results(
    c: &AppContext,
    id: &str,
    milestone: &str,
) -> Result<ResultsData, AppError> {
    let (a, _) = c.assessment(id, Role::Viewer).await?;
    let m = milestone_of(c, id, milestone).await?;
    let q = c.questionnaire_of(&a).await?;
    let mut page = results_from(&q, a, m.evaluation, Vec::new())?;
    page.start_from = Some(templates::Source::value(id, Some(milestone)));
    page.report_url = format!("/assessments/{id}/milestones/{milestone}");
    page.as_of = Some(format!(
        "{} ({} UTC, by {})",
        m.row.name,
        app::utc(m.row.created_at),
        m.row.created_by
    ));
    Ok(page)
}

fn results_from(
    q: &Questionnaire,
    assessment: Assessment,
    e: Evaluation,
    items: Vec<store::StoredItem>,
) -> Result<ResultsData, AppError> {
    let id = assessment.id.clone();
    let id = id.as_str();
    let stored: BTreeMap<String, store::StoredItem> =
        items.into_iter().map(|i| (i.item_id.clone(), i)).collect();
    // A lens has an item per good-practice choice: only the answered questions' items are shown,
    // as the AWS tool's improvement plan does.
    let lens = q.id != questionnaires::builtin().id;
    let shown = |entry: &&questionnaires::evaluate::ChecklistEntry| !lens || entry.decided;
    let checklist_waiting = e.checklist.len() - e.checklist.iter().filter(shown).count();
    let checklist = e
        .checklist
        .iter()
        .filter(shown)
        .map(|entry| {
            let state = stored.get(entry.id.as_str());
            ChecklistRow {
                id: entry.id.to_string(),
                title: entry.title.to_string(),
                area: q
                    .areas
                    .iter()
                    .find(|a| a.id == entry.area)
                    .map(|a| a.title.to_string())
                    .unwrap_or_default(),
                why_html: markdown(&entry.why),
                how_html: markdown(&entry.how),
                derived: serde_json::to_value(entry.state)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                status: state.map(|s| s.status.clone()),
                owner: state.map(|s| s.owner.clone()).unwrap_or_default(),
                due_date: state.and_then(|s| s.due_date.clone()).unwrap_or_default(),
                version: state.map(|s| s.version),
                priority: serde_json::to_value(entry.priority)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            }
        })
        .collect();
    let diagrams = e
        .recommendations
        .iter()
        .filter(|r| r.score > 0.0)
        .take(3)
        .filter_map(|r| q.pattern(r.pattern.as_str()))
        .map(|p| {
            (
                p.id.to_string(),
                app::charts::pattern_diagram(&p.diagram, &p.name),
            )
        })
        .collect();
    // The page shows only these parts; the rest would travel to the browser for nothing.
    let mut e = e;
    e.questions.clear();
    e.checklist.clear();
    e.recommendations.retain(|r| r.score > 0.0);
    e.recommendations.truncate(5);
    Ok(ResultsData {
        lens: lens.then(|| q.title.clone()),
        checklist_waiting,
        can_edit: false,
        shared: false,
        as_of: None,
        to_confirm: None,
        start_from: None,
        report_url: format!("/assessments/{id}"),
        share_links: None,
        assessment_id: assessment.id,
        workload: assessment.name,
        areas: q
            .areas
            .iter()
            .map(|a| (a.id.to_string(), a.title.to_string()))
            .collect(),
        question_titles: q
            .questions
            .iter()
            .map(|x| {
                (
                    x.id.to_string(),
                    x.title.to_string(),
                    q.areas[x.area].id.to_string(),
                )
            })
            .collect(),
        scores_svg: app::charts::score_bars(&e.areas, e.scores.overall),
        cost_svg: e.cost.as_ref().map(app::charts::cost_chart),
        diagrams,
        checklist,
        limit_labels: q
            .figures
            .limits
            .values()
            .map(|f| {
                (
                    f.id.clone(),
                    format!("{}: {} {}", f.title, format_number(f.value), f.unit),
                )
            })
            .collect(),
        evaluation: e,
    })
}

const STATUSES: [&str; 3] = ["open", "done", "accepted-risk"];

/// Saves a checklist item's team state (editors); its new version.
pub async fn save_checklist_item(
    c: &AppContext,
    id: &str,
    item: &str,
    status: &str,
    owner: &str,
    due_date: &str,
    version: Option<i64>,
) -> Result<i64, AppError> {
    let (assessment, _) = c.assessment(id, Role::Editor).await?;
    if !c
        .questionnaire_of(&assessment)
        .await?
        .checklist
        .iter()
        .any(|i| i.id.as_str() == item)
    {
        return Err(AppError::BadInput(format!(
            "item: unknown checklist item `{item}`"
        )));
    }
    if !STATUSES.contains(&status) {
        return Err(AppError::BadInput(format!(
            "status: `{status}` is not one of open, done, accepted-risk"
        )));
    }
    if owner.chars().count() > 200 {
        return Err(AppError::BadInput("owner: at most 200 characters".into()));
    }
    let due = due_date.trim();
    let valid_date = due.is_empty()
        || (due.len() == 10
            && due.as_bytes()[4] == b'-'
            && due.as_bytes()[7] == b'-'
            && due.chars().filter(char::is_ascii_digit).count() == 8);
    if !valid_date {
        return Err(AppError::BadInput(format!(
            "due_date: `{due}` is not a date (YYYY-MM-DD)"
        )));
    }
    let saved = c
        .store
        .save_item(
            id,
            item,
            status,
            owner.trim(),
            (!due.is_empty()).then_some(due),
            version,
            &c.actor.label(),
            now_ms(),
        )
        .await?;
    let detail = format!(
        "{status}{}{}",
        if saved.owner.is_empty() {
            String::new()
        } else {
            format!(", owner {}", saved.owner)
        },
        saved
            .due_date
            .as_deref()
            .map(|d| format!(", due {d}"))
            .unwrap_or_default()
    );
    c.audit(&assessment, "checklist", item, &detail).await?;
    Ok(saved.version)
}

/// The answer a form describes for one question, or why it is wrong.
fn answer_from_fields(q: &Question, fields: &QuestionFields) -> Result<Option<Answer>, String> {
    let note = fields.note.trim();
    let note = (!note.is_empty()).then(|| note.to_owned());
    if note.as_ref().is_some_and(|n| n.chars().count() > 5_000) {
        return Err("the note is longer than 5,000 characters".into());
    }
    if fields.not_applicable {
        let reason = fields.na_reason.trim();
        if reason.is_empty() {
            return Err("not applicable needs a reason".into());
        }
        if reason.chars().count() > 2_000 {
            return Err("the reason is longer than 2,000 characters".into());
        }
        return Ok(Some(Answer {
            value: AnswerValue::NotApplicable(reason.to_owned()),
            note,
        }));
    }
    let json = match q.kind {
        QuestionKind::Single | QuestionKind::Text => match fields.values.as_slice() {
            [] => return Ok(None),
            [one] if one.trim().is_empty() => return Ok(None),
            [one] => serde_json::Value::String(one.clone()),
            _ => return Err("takes one value".into()),
        },
        QuestionKind::Multi => {
            if fields.values.is_empty() {
                return Ok(None);
            }
            serde_json::Value::Array(
                fields
                    .values
                    .iter()
                    .cloned()
                    .map(serde_json::Value::String)
                    .collect(),
            )
        }
        QuestionKind::Number => match fields.values.as_slice() {
            [] => return Ok(None),
            [one] if one.trim().is_empty() => return Ok(None),
            [one] => match one.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => serde_json::json!(x),
                _ => return Err(format!("`{one}` is not a number")),
            },
            _ => return Err("takes one value".into()),
        },
    };
    questionnaires::answers::check_value(q, &json)
        .map(|value| Some(Answer { value, note }))
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| e.message)
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// The fields one question posts.
#[derive(Debug, Default)]
struct QuestionFields {
    values: Vec<String>,
    not_applicable: bool,
    na_reason: String,
    note: String,
    version: Option<i64>,
    raw: Vec<(String, String)>,
}

/// An answer as the audit log and a conflict show it: in the user's words (choice labels, the
/// number with its unit), at most 200 characters; "no answer" when there is none.
pub fn describe(q: &Questionnaire, question: &str, a: Option<&Answer>) -> String {
    match a {
        None => "no answer".into(),
        Some(a) => questionnaires::diff::describe(q, question, &a.value)
            .chars()
            .take(200)
            .collect(),
    }
}

/// Saves the review form of one area. Every field is checked first: any bad field refuses the
/// whole form (400, naming the field) and stores nothing. Then each changed answer is saved at
/// the version the page showed; a stale one becomes a conflict to resolve, never an overwrite.
///
/// A saved answer is confirmed. A press of Save (the form posts `save`) also confirms, as they
/// are, the carried-over answers the form showed; an autosave, which posts the whole form on
/// any change, confirms only the answers it changes.
pub async fn save_area_form(
    ctx: &AppContext,
    id: &str,
    area_id: &str,
    form: Vec<(String, String)>,
) -> Result<Flash, AppError> {
    let (assessment, _) = ctx.assessment(id, Role::Editor).await?;
    let q = &*ctx.questionnaire_of(&assessment).await?;
    let area = area_of(q, area_id)?;
    save_area(ctx, &assessment, q, area, form).await
}

/// [`save_area_form`] once the assessment (which the actor may edit), its questionnaire and the
/// area are known. Every write of the form (saves, confirmations and their audit entries) is
/// one transaction.
async fn save_area(
    ctx: &AppContext,
    assessment: &Assessment,
    q: &Questionnaire,
    area: &Area,
    form: Vec<(String, String)>,
) -> Result<Flash, AppError> {
    let id = assessment.id.as_str();
    let pressed_save = form.iter().any(|(key, _)| key == "save");
    let mut by_question: BTreeMap<usize, QuestionFields> = BTreeMap::new();
    let mut errors = Vec::new();
    for (key, value) in form {
        let Some((kind, qid)) = key.split_once('.') else {
            if key != "save" {
                errors.push(format!("{key}: unknown field"));
            }
            continue;
        };
        let Some(qi) = area
            .questions
            .iter()
            .copied()
            .find(|&i| q.questions[i].id.as_str() == qid)
        else {
            errors.push(format!("{key}: `{qid}` is not a question of this area"));
            continue;
        };
        let f = by_question.entry(qi).or_default();
        f.raw.push((key.clone(), value.clone()));
        match kind {
            "q" => f.values.push(value),
            "na" => f.not_applicable = value == "on" || value == "true",
            "na_reason" => f.na_reason = value,
            "note" => f.note = value,
            "v" if value.is_empty() => f.version = None,
            "v" => match value.parse() {
                Ok(v) => f.version = Some(v),
                Err(_) => errors.push(format!("{key}: `{value}` is not a version")),
            },
            _ => errors.push(format!("{key}: unknown field")),
        }
    }
    let mut wanted = Vec::new();
    for (&qi, fields) in &by_question {
        let question = &q.questions[qi];
        match answer_from_fields(question, fields) {
            Ok(a) => wanted.push((qi, a)),
            Err(e) => errors.push(format!("{}: {e}", question.id)),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::BadInput(errors.join("\n")));
    }
    let (answers, stored) = answers_of(&ctx.store, q, id).await?;
    let pending = if pressed_save {
        templates::to_confirm(q, &evaluate(q, &answers), &stored)
    } else {
        Vec::new()
    };
    let next = q
        .areas
        .iter()
        .position(|a| a.id == area.id)
        .and_then(|i| q.areas.get(i + 1))
        .map_or_else(
            || format!("/assessments/{id}/results"),
            |a| format!("/assessments/{id}/review/{}", a.id),
        );
    let mut flash = Flash {
        saved: true,
        next,
        ..Flash::default()
    };
    // What to write: answers that differ from the stored ones, and (on Save) carried-over
    // answers shown as they are, to confirm.
    let writes: Vec<(usize, Option<Answer>)> = wanted
        .into_iter()
        .filter(|(qi, answer)| {
            let current = stored.get(q.questions[*qi].id.as_str());
            current.map(|s| &s.answer) != answer.as_ref() || pending.contains(qi)
        })
        .collect();
    if writes.is_empty() {
        return Ok(flash);
    }
    let who = ctx.actor.label();
    let mut lost = Vec::new();
    let mut write = ctx.store.write_answers_of(id, now_ms()).await?;
    for (qi, answer) in writes {
        let question = &q.questions[qi];
        let qid = question.id.as_str();
        if stored.get(qid).map(|s| &s.answer) == answer.as_ref() {
            if write.confirm(qid, &who).await? {
                flash.confirmed += 1;
                audit_answer(&mut write, assessment, &who, qid, "confirmed").await?;
            }
        } else if write
            .save(qid, answer.as_ref(), by_question[&qi].version, &who)
            .await?
        {
            audit_answer(
                &mut write,
                assessment,
                &who,
                qid,
                &describe(q, qid, answer.as_ref()),
            )
            .await?;
        } else {
            lost.push((qi, answer));
        }
    }
    write.commit().await?;
    if lost.is_empty() {
        return Ok(flash);
    }
    // What the stale writes lost to, as stored now.
    let (_, now_stored) = answers_of(&ctx.store, q, id).await?;
    for (qi, answer) in lost {
        let question = &q.questions[qi];
        let theirs = now_stored.get(question.id.as_str());
        // Someone stored exactly this answer meanwhile: nothing would be lost.
        if theirs.map(|t| &t.answer) == answer.as_ref() {
            continue;
        }
        flash.saved = false;
        flash.conflicts.push(ConflictView {
            question: question.id.to_string(),
            title: question.title.to_string(),
            mine: describe(q, question.id.as_str(), answer.as_ref()),
            theirs: describe(q, question.id.as_str(), theirs.map(|t| &t.answer)),
            theirs_by: theirs.map(|t| t.updated_by.clone()).unwrap_or_default(),
            version: theirs.map(|t| t.version),
            fields: by_question[&qi]
                .raw
                .iter()
                .filter(|(k, _)| !k.starts_with("v."))
                .cloned()
                .collect(),
        });
    }
    Ok(flash)
}

/// Appends a change to an answer to the audit log of the assessment's team, with the write.
async fn audit_answer(
    write: &mut AnswersWrite<'_>,
    a: &Assessment,
    who: &str,
    question: &str,
    detail: &str,
) -> Result<(), StoreError> {
    match &a.team_id {
        Some(team) => write.audit(team, who, "answer", question, detail).await,
        None => Ok(()),
    }
}

/// The signed-in user and their teams, if anyone is signed in.
pub async fn whoami(c: &AppContext) -> Result<Option<app::api::Me>, AppError> {
    match c.actor.user() {
        Some(user) => Ok(Some(me(c, user).await?)),
        None => Ok(None),
    }
}

async fn me(c: &AppContext, user: &User) -> Result<app::api::Me, AppError> {
    let teams = c
        .store
        .teams_of(&user.id)
        .await?
        .into_iter()
        .filter(|t| c.actor.reaches(&t.id))
        .map(|t| (t.id, t.name, t.role))
        .collect();
    Ok(app::api::Me {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
        is_admin: user.is_admin,
        teams,
    })
}

/// A team's page: its members, and the audit log for owners.
pub async fn team_page(c: &AppContext, id: &str) -> Result<app::api::TeamData, AppError> {
    let role = c.team(id, Role::Viewer).await?;
    let audit = if role == Role::Owner {
        Some(
            c.store
                .audit_log(id, 200)
                .await?
                .into_iter()
                .map(|a| app::api::AuditView {
                    at: a.at,
                    actor: a.actor,
                    action: a.action,
                    target: a.target,
                    detail: a.detail,
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(app::api::TeamData {
        id: id.to_owned(),
        name: c.store.team_name(id).await?,
        role: role.as_str().to_owned(),
        members: c
            .store
            .members(id)
            .await?
            .into_iter()
            .map(|m| (m.user_id, m.name, m.email, m.role))
            .collect(),
        audit,
    })
}

/// Changes a member's role, or removes them (`role` = `remove`); owners only.
pub async fn set_member(
    c: &AppContext,
    team: &str,
    user: &str,
    role: &str,
) -> Result<(), AppError> {
    c.team(team, Role::Owner).await?;
    let new = match role {
        "remove" => None,
        other => Some(Role::parse(other).ok_or_else(|| {
            AppError::BadInput(format!(
                "role: `{other}` is not one of owner, editor, viewer, remove"
            ))
        })?),
    };
    let member = c
        .store
        .members(team)
        .await?
        .into_iter()
        .find(|m| m.user_id == user)
        .ok_or_else(|| AppError::BadInput("user: not a member of this team".into()))?;
    c.store.set_member(team, user, new).await?;
    c.store
        .audit(
            team,
            &c.actor.label(),
            "membership",
            &member.name,
            new.map_or("removed", Role::as_str),
            now_ms(),
        )
        .await?;
    Ok(())
}

/// Checks a team name.
pub fn team_name(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadInput(
            "name: a team name has 1 to 100 characters".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Renames a team; owners only.
pub async fn rename_team(c: &AppContext, team: &str, name: &str) -> Result<(), AppError> {
    c.team(team, Role::Owner).await?;
    let name = team_name(name)?;
    c.store.rename_team(team, &name).await?;
    c.store
        .audit(team, &c.actor.label(), "team", "name", &name, now_ms())
        .await?;
    Ok(())
}

/// Revokes a share link of a review; owners only.
pub async fn revoke_share_link(c: &AppContext, id: &str, link: &str) -> Result<(), AppError> {
    let (a, _) = c.assessment(id, Role::Owner).await?;
    c.store.revoke_share_link(id, link, now_ms()).await?;
    c.audit(&a, "share-link", &a.name, "revoked").await
}

/// The account page: the user's teams and API tokens (a browser session only).
pub async fn account_page(c: &AppContext) -> Result<app::api::AccountData, AppError> {
    let user = c.session_user()?.clone();
    let me = me(c, &user).await?;
    let tokens = c
        .store
        .api_tokens(&user.id)
        .await?
        .into_iter()
        .map(|t| app::api::TokenView {
            team: me
                .teams
                .iter()
                .find(|(id, ..)| *id == t.team_id)
                .map(|(_, name, _)| name.clone())
                .unwrap_or_default(),
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    Ok(app::api::AccountData { me, tokens })
}

/// Revokes one of the user's API tokens (a browser session only).
pub async fn revoke_api_token(c: &AppContext, token: &str) -> Result<(), AppError> {
    let user = c.session_user()?;
    c.store
        .revoke_api_token(&user.id, token, now_ms())
        .await
        .map_err(AppError::from)
}

/// The evaluation of an assessment's stored answers (for reports and exports).
pub async fn evaluation_of(c: &AppContext, a: &Assessment) -> Result<Evaluation, AppError> {
    let q = c.questionnaire_of(a).await?;
    let (answers, _) = answers_of(&c.store, &q, &a.id).await?;
    Ok(evaluate(&q, &answers))
}

/// The assessment a live share link opens, or 404.
pub async fn shared_assessment(c: &AppContext, token: &str) -> Result<Assessment, AppError> {
    let gone = || {
        AppError::NotFound("This link is not valid: it may have expired or been revoked.".into())
    };
    let id = c
        .store
        .shared_assessment(token, now_ms())
        .await?
        .ok_or_else(gone)?;
    c.store.assessment(&id).await.map_err(|_| gone())
}

/// One side of a comparison: `current`, or a milestone's id. Returns its label, answers and
/// evaluation.
async fn snapshot(
    c: &AppContext,
    a: &Assessment,
    which: &str,
) -> Result<(String, Answers, Evaluation), AppError> {
    let (answers, e, milestone) = state_of(c, a, which).await?;
    let label = milestone.map_or_else(
        || "now".to_owned(),
        |m| format!("{} ({})", m.name, app::utc(m.created_at)),
    );
    Ok((label, answers, e))
}

/// The answers and evaluation of `current`, or of a milestone by id (with its row). 404 for an
/// unknown milestone.
pub async fn state_of(
    c: &AppContext,
    a: &Assessment,
    which: &str,
) -> Result<(Answers, Evaluation, Option<store::MilestoneRow>), AppError> {
    if which == "current" {
        let q = c.questionnaire_of(a).await?;
        let (answers, _) = answers_of(&c.store, &q, &a.id).await?;
        let e = evaluate(&q, &answers);
        return Ok((answers, e, None));
    }
    let m = milestone_of(c, &a.id, which).await?;
    Ok((m.answers, m.evaluation, Some(m.row)))
}

/// What changed from one snapshot to another, with their labels.
pub async fn diff_of(
    c: &AppContext,
    a: &Assessment,
    from: &str,
    to: &str,
) -> Result<(String, String, questionnaires::diff::Diff), AppError> {
    let (from_label, fa, fe) = snapshot(c, a, from).await?;
    let (to_label, ta, te) = snapshot(c, a, to).await?;
    let side = |answers, evaluation| questionnaires::diff::Side {
        answers,
        evaluation,
    };
    let q = c.questionnaire_of(a).await?;
    let d = questionnaires::diff::diff(&q, side(&fa, &fe), side(&ta, &te));
    Ok((from_label, to_label, d))
}

/// The milestones page: the milestones, and what changed between two snapshots.
pub async fn milestones_page(
    c: &AppContext,
    id: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<app::api::MilestonesData, AppError> {
    let (a, role) = c.assessment(id, Role::Viewer).await?;
    let milestones = c.store.milestones(id).await?;
    let from = from
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .or_else(|| milestones.first().map(|m| m.id.clone()));
    let to = to.filter(|t| !t.is_empty()).unwrap_or("current").to_owned();
    let (from, to_label, diff) = match &from {
        Some(f) => {
            let (fl, tl, d) = diff_of(c, &a, f, &to).await?;
            (Some((f.clone(), fl)), tl, Some(d))
        }
        None => (None, "now".to_owned(), None),
    };
    Ok(app::api::MilestonesData {
        assessment_id: a.id.clone(),
        workload: a.name.clone(),
        can_edit: role >= Role::Editor,
        milestones: milestones
            .into_iter()
            .map(|m| (m.id, m.name, m.created_by, m.created_at))
            .collect(),
        from,
        to: (to, to_label),
        diff,
    })
}

/// Saves the current answers and their evaluation as a named milestone (editors).
pub async fn create_milestone(c: &AppContext, id: &str, name: &str) -> Result<(), AppError> {
    let (a, _) = c.assessment(id, Role::Editor).await?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadInput(
            "name: a milestone needs a name of 1 to 100 characters".into(),
        ));
    }
    let q = c.questionnaire_of(&a).await?;
    let (answers, _) = answers_of(&c.store, &q, id).await?;
    let e = evaluate(&q, &answers);
    let row = store::MilestoneRow {
        id: uuid::Uuid::new_v4().simple().to_string(),
        name: name.to_owned(),
        created_by: c.actor.label(),
        created_at: now_ms(),
        questionnaire_hash: q.content_hash.clone(),
    };
    c.store.create_milestone(&row, id, &answers, &e).await?;
    c.audit(&a, "milestone", &a.name, &format!("saved \"{name}\""))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markdown_cache_stays_within_its_bytes() {
        let mut cache = RenderedCache {
            entries: lru::LruCache::unbounded(),
            bytes: 0,
        };
        // Far more text than the cache holds, as many large lens versions would bring.
        let html = "h".repeat(60_000);
        for n in 0..1_000 {
            cache.insert(&format!("text {n}"), &html);
            assert!(cache.bytes <= MARKDOWN_CACHE_BYTES, "{} bytes", cache.bytes);
        }
        let kept: usize = cache.entries.iter().map(|(k, v)| k.len() + v.len()).sum();
        assert_eq!(kept, cache.bytes, "the count matches what is kept");
        assert!(cache.entries.contains("text 999"), "the newest is kept");
        assert!(!cache.entries.contains("text 0"), "the oldest went first");
        // Rendering still works through the cache.
        assert_eq!(markdown("**b**"), "<p><strong>b</strong></p>\n");
        assert_eq!(markdown("**b**"), "<p><strong>b</strong></p>\n");
    }
}
