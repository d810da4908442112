//! The review page of one area: a progress rail across all areas and the area's questions as
//! one plain form. It posts to `/assessments/{id}/review/{area}/save`, which answers with a
//! redirect back here, so it works with JavaScript off. Answers carried over from a template
//! are marked "To confirm", and the rail counts them per area. Owners get a Share button beside
//! the crumbs (to the review's Share page).
//!
//! Respondent mode (`?mine=1`, kept by the rail, the form and "Save and continue") shows a
//! member only what is assigned to them: their areas in the rail, their questions in the form,
//! the counts of those alone. It is a view, not a permission, and the page says so.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use questionnaires::model::QuestionKind;

use crate::api::{AreaData, ConflictView, QuestionView, RailArea, area_page};

/// The page.
#[component]
pub fn ReviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = {
        let p = params.read_untracked();
        let q = query.read_untracked();
        // `?saved` (and `&confirmed=N`): the form post before this page saved.
        let saved = q
            .get("saved")
            .map(|_| q.get("confirmed").and_then(|n| n.parse().ok()).unwrap_or(0));
        (
            p.get("id").unwrap_or_default(),
            p.get("area").unwrap_or_default(),
            saved,
            // Respondent mode: only what is assigned to me.
            q.get("mine").is_some_and(|v| v == "1"),
        )
    };
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || { let (id, area, saved, mine) = key.clone(); Suspend::new(async move {
                match area_page(id, area, saved, mine).await {
                    Err(error) => view! { <super::LoadError error /> }.into_any(),
                    Ok(page) => view! { <Area page /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}

#[component]
fn Area(page: AreaData) -> impl IntoView {
    let mine = if page.respondent { "?mine=1" } else { "" };
    let action = format!(
        "/assessments/{}/review/{}/save{mine}",
        page.assessment_id, page.area_id
    );
    let results = format!("/assessments/{}/results", page.assessment_id);
    let title = format!("{} · {}", page.area_title, page.workload);
    let next_label = if page.next_area.is_some() {
        "Save and continue"
    } else {
        "Save and see results"
    };
    let everything = format!(
        "/assessments/{}/review/{}",
        page.assessment_id, page.area_id
    );
    let here = format!("{everything}{mine}");
    let progress = page
        .rail
        .iter()
        .find(|a| a.id == page.area_id)
        .map(|a| (a.answered, a.applicable))
        .unwrap_or_default();
    let hidden = page.questions.iter().filter(|q| !q.visible).count();
    let to_confirm = page.questions.iter().filter(|q| q.to_confirm).count();
    let saved = match page.confirmed {
        0 => "Saved.".to_owned(),
        1 => "Saved, and 1 carried-over answer confirmed.".to_owned(),
        n => format!("Saved, and {n} carried-over answers confirmed."),
    };
    view! {
        <Title text=title />
        <div class="review">
            <Rail rail=page.rail.clone() current=page.area_id.clone() id=page.assessment_id.clone() results=results.clone() mine=page.respondent />
            <section class="card area-form">
                <div class="crumbs-row">
                    <p class="crumbs"><a href="/">"Reviews"</a> " / " {page.workload.clone()}</p>
                    {page.can_edit.then(|| view! {
                        <a class="button small" href=format!("/assessments/{}/evidence", page.assessment_id)>"Import from infrastructure code"</a>
                    })}
                    {page.can_share.then(|| view! {
                        <a class="button small" href=format!("/assessments/{}/share", page.assessment_id)>"Share"</a>
                    })}
                </div>
                <h1>{page.area_title.clone()}</h1>
                <div class="summary" inner_html=page.summary_html.clone()></div>
                <Respondent page=page.clone() everything=everything.clone() />
                {page.saved.then(|| view! { <p class="notice ok" role="status">{saved}</p> })}
                {(to_confirm > 0).then(|| view! {
                    <ToConfirmNotice count=to_confirm from=page.started_from.clone().unwrap_or_default() can_edit=page.can_edit />
                })}
                {(!page.can_edit).then(|| view! {
                    <p class="notice" role="note">"You can read this review. Only editors and owners of its team can change answers."</p>
                })}
                {(!page.conflicts.is_empty()).then(|| view! {
                    <Conflicts conflicts=page.conflicts.clone() action=action.clone() here=here.clone() />
                })}
                {(!page.errors.is_empty()).then(|| view! { <FieldErrors page=page.clone() /> })}
                {
                    let questions = page.questions.iter().cloned().map(|q| view! { <Question q /> }).collect_view();
                    let follow_ups = (hidden > 0).then(|| view! {
                        <p class="muted small">{format!("{hidden} follow-up question(s) will appear when your answers call for them.")}</p>
                    });
                    if page.can_edit {
                        view! {
                            <AutosaveForm action=action.clone() id=page.assessment_id.clone() area=page.area_id.clone() next_label=next_label.to_owned() progress mine=page.respondent>
                                {questions}
                                {follow_ups}
                            </AutosaveForm>
                        }.into_any()
                    } else {
                        // A reader sees the answers, not controls they may not use: every input
                        // disabled, no form, no save buttons (and so no island to load).
                        view! {
                            <fieldset class="questions read-only" disabled=true>
                                <legend class="sr-only">"Answers (read-only)"</legend>
                                {questions}
                                {follow_ups}
                            </fieldset>
                            <p class="form-actions"><a class="button primary" href=results.clone()>"See results"</a></p>
                        }.into_any()
                    }
                }
            </section>
        </div>
    }
}

/// The review form (an island). Without JavaScript it is a plain form; in the browser it also
/// saves in the background whenever an answer changes, and says whether it did.
#[island]
fn AutosaveForm(
    action: String,
    id: String,
    area: String,
    next_label: String,
    /// Answered and applicable questions of this area.
    progress: (usize, usize),
    /// Respondent mode: the counts are of what is assigned to the viewer.
    mine: bool,
    children: Children,
) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let queue = SaveQueue {
        status,
        progress: RwSignal::new(progress),
        busy: RwSignal::new(false),
        again: RwSignal::new(false),
    };
    let on_change = move |ev: leptos::ev::Event| autosave(&ev, &id, &area, mine, queue);
    let answered = move || {
        let (answered, applicable) = queue.progress.get();
        format!("{answered} of {applicable} answered")
    };
    view! {
        <form method="post" action=action class="questions" on:change=on_change>
            {children()}
            <div class="form-actions">
                <p class="progress-count">{answered}</p>
                <p class="autosave" role="status" aria-live="polite">{move || status.get()}</p>
                <button type="submit" name="save" value="stay">"Save"</button>
                <button type="submit" name="save" value="next" class="primary">{next_label}</button>
            </div>
        </form>
    }
}

/// Says how many answers on the page were carried over and still need someone to check them.
#[component]
fn ToConfirmNotice(count: usize, from: String, can_edit: bool) -> impl IntoView {
    let what = if count == 1 {
        "1 answer on this page was".to_owned()
    } else {
        format!("{count} answers on this page were")
    };
    let from = if from.is_empty() {
        String::new()
    } else {
        format!(" from {from}")
    };
    view! {
        <p class="notice confirm" role="note">
            <strong>{format!("{what} carried over{from} and {} still to confirm.", if count == 1 { "is" } else { "are" })}</strong>
            {if can_edit {
                " Change any that differ for this workload; saving the page confirms the others as they are."
            } else {
                " An editor of the team confirms them."
            }}
        </p>
    }
}

/// The way into respondent mode (for a member with something assigned), or, in it, what it
/// shows and the way back to every question.
#[component]
fn Respondent(page: AreaData, everything: String) -> impl IntoView {
    let questions = |n: usize| {
        if n == 1 {
            "1 question".to_owned()
        } else {
            format!("{n} questions")
        }
    };
    if !page.respondent {
        return (page.assigned_to_me > 0).then(|| view! {
            <p class="notice respondent" role="note">
                {format!("{} of this review {} assigned to you. ", questions(page.assigned_to_me), if page.assigned_to_me == 1 { "is" } else { "are" })}
                <a href=format!("{everything}?mine=1")>"Show only what is assigned to me"</a>
            </p>
        }).into_any();
    }
    let shown = page.questions.iter().filter(|q| q.visible).count();
    let what = if page.assigned_to_me == 0 {
        "Nothing in this review is assigned to you.".to_owned()
    } else if shown == 0 {
        format!(
            "Nothing in this area is assigned to you: the areas beside hold your {}.",
            questions(page.assigned_to_me)
        )
    } else {
        format!(
            "Showing {shown} of the {} in this area: those assigned to you.",
            questions(page.area_questions)
        )
    };
    view! {
        <p class="notice respondent" role="note">
            {what}
            " This is a view, not a permission: anyone who can edit may answer any question. "
            <a href=everything>"Show every question"</a>
        </p>
    }
    .into_any()
}

#[component]
fn Rail(
    rail: Vec<RailArea>,
    current: String,
    id: String,
    results: String,
    /// Respondent mode: the links keep it.
    mine: bool,
) -> impl IntoView {
    let query = if mine { "?mine=1" } else { "" };
    let label = if mine {
        "Areas assigned to you"
    } else {
        "Areas"
    };
    view! {
        <nav class="rail card" aria-label=label>
            <ol>
                {rail.into_iter().map(|a| {
                    let here = a.id == current;
                    let done = a.applicable > 0 && a.answered == a.applicable;
                    view! {
                        <li class:current=here class:done=done id=format!("rail-{}", a.id)>
                            <a href=format!("/assessments/{id}/review/{}{query}", a.id) aria-current=here.then_some("page")>
                                <span class="rail-title">{a.title}</span>
                                <span class="rail-count" id=format!("rail-{}-count", a.id)>{format!("{}/{}", a.answered, a.applicable)}</span>
                                {(a.to_confirm > 0).then(|| view! {
                                    <span class="rail-confirm" id=format!("rail-{}-confirm", a.id)>{format!("{} to confirm", a.to_confirm)}</span>
                                })}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <a class="button" href=results>"See results"</a>
        </nav>
    }
}

/// The answers a form post could not save, each a link to its question (which shows why).
#[component]
fn FieldErrors(page: AreaData) -> impl IntoView {
    let titles = |id: &str| {
        page.questions
            .iter()
            .find(|q| q.id == id)
            .map(|q| q.title.clone())
            .unwrap_or_default()
    };
    let count = match page.errors.len() {
        1 => "1 answer needs".to_owned(),
        n => format!("{n} answers need"),
    };
    view! {
        <div class="notice error" role="alert" id="form-errors">
            <h2>{format!("Nothing was saved: {count} correcting")}</h2>
            <p>"Your answers are kept below as you sent them. Correct the marked ones, then save again."</p>
            <ul>
                {page.errors.iter().map(|(q, message)| view! {
                    <li><a href=format!("#q-{q}")>{titles(q)}</a>": "{message.clone()}</li>
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn Conflicts(conflicts: Vec<ConflictView>, action: String, here: String) -> impl IntoView {
    view! {
        <div class="notice conflict" role="alert">
            <h2>"Someone else changed these answers while you were editing"</h2>
            <p>"Nothing of yours was lost. Choose which answer to keep for each question."</p>
            {conflicts.into_iter().map(|c| view! {
                <div class="conflict-item">
                    <h3>{c.title.clone()}</h3>
                    <dl>
                        <dt>"Your answer"</dt><dd>{c.mine.clone()}</dd>
                        <dt>{format!("Saved meanwhile by {}", c.theirs_by)}</dt><dd>{c.theirs.clone()}</dd>
                    </dl>
                    <form method="post" action=action.clone() class="inline">
                        {c.fields.iter().map(|(k, v)| view! { <input type="hidden" name=k.clone() value=v.clone() /> }).collect_view()}
                        <input type="hidden" name=format!("v.{}", c.question) value=c.version.map(|v| v.to_string()).unwrap_or_default() />
                        <button type="submit" name="save" value="stay">"Keep mine"</button>
                    </form>
                    <a class="button" href=here.clone()>"Keep theirs"</a>
                </div>
            }).collect_view()}
        </div>
    }
}

#[component]
fn Question(q: QuestionView) -> impl IntoView {
    let base = format!("q-{}", q.id);
    let name = format!("q.{}", q.id);
    let help_id = format!("{base}-help");
    let risk = q.risk.clone().filter(|r| r != "none");
    let error_id = format!("{base}-value-error");
    let invalid = q.error.is_some().then_some("true");
    let error = q.error.clone().map(|message| {
        view! { <p class="field-error" id=error_id.clone() role="alert">{message}</p> }
    });
    let input = match q.kind {
        QuestionKind::Single | QuestionKind::Multi => {
            let kind = if q.kind == QuestionKind::Single {
                "radio"
            } else {
                "checkbox"
            };
            view! {
                <div class="choices" role=if kind == "radio" { "radiogroup" } else { "group" } aria-labelledby=format!("{base}-title") aria-invalid=invalid aria-errormessage=invalid.map(|_| error_id.clone())>
                    {q.choices.iter().map(|c| {
                        let cid = format!("{base}-{}", c.id);
                        view! {
                            <div class="choice">
                                <input type=kind id=cid.clone() name=name.clone() value=c.id.clone() checked=c.selected />
                                <label for=cid>
                                    {c.title.clone()}
                                    {(!c.help_html.is_empty()).then(|| view! { <span class="choice-help" inner_html=c.help_html.clone()></span> })}
                                </label>
                            </div>
                        }
                    }).collect_view()}
                </div>
            }.into_any()
        }
        QuestionKind::Number => {
            let iid = format!("{base}-value");
            view! {
                <div class="number">
                    <label for=iid.clone()>{format!("Value ({})", q.unit.clone().unwrap_or_default())}</label>
                    <div class="with-unit">
                    <input
                        type="number"
                        step="any"
                        id=iid
                        name=name.clone()
                        min=q.min.map(|m| m.to_string())
                        max=q.max.map(|m| m.to_string())
                        value=q.value.clone()
                        aria-describedby=help_id.clone()
                        aria-invalid=invalid
                        aria-errormessage=invalid.map(|_| error_id.clone())
                    />
                    <span class="unit">{q.unit.clone()}</span>
                    </div>
                </div>
            }.into_any()
        }
        QuestionKind::Text => {
            let iid = format!("{base}-value");
            view! {
                <div class="text">
                    <label for=iid.clone()>"Answer"</label>
                    <textarea id=iid name=name.clone() rows="3" maxlength="10000" aria-describedby=help_id.clone() aria-invalid=invalid aria-errormessage=invalid.map(|_| error_id.clone()) inner_html=crate::escape_html(&q.value)></textarea>
                </div>
            }.into_any()
        }
    };
    let na_id = format!("{base}-na");
    let reason_id = format!("{base}-reason");
    let note_id = format!("{base}-note");
    view! {
        <fieldset class="question" id=base.clone() class:follow-up=q.follow_up hidden=!q.visible>
            <legend id=format!("{base}-title")>
                {q.title.clone()}
                {risk.map(|r| view! { <span class=format!("risk-badge {r}")>{format!("{r} risk")}</span> })}
                {q.to_confirm.then(|| view! { <span class="confirm-badge" id=format!("{base}-confirm")>"To confirm"</span> })}
            </legend>
            <details class="help">
                <summary>"Why this matters"</summary>
                <div id=help_id inner_html=q.help_html.clone()></div>
            </details>
            {(!q.discussion_href.is_empty()).then(|| view! {
                <p class="q-meta" id=format!("{base}-meta")>
                    {q.assignee.clone().map(|name| view! { <span class="q-assignee">{format!("Answered by {name}")}</span> })}
                    <a href=q.discussion_href.clone()>
                        {match q.comments { 0 => "Discuss".to_owned(), n => format!("Discussion ({n})") }}
                        <span class="sr-only">{format!(": {}", q.title)}</span>
                    </a>
                </p>
            })}
            {(!q.evidence.is_empty()).then(|| view! {
                <ul class="evidence-lines" id=format!("{base}-evidence") aria-label="From infrastructure code">
                    {q.evidence.iter().cloned().map(|e| view! { <li>{e}</li> }).collect_view()}
                </ul>
            })}
            {input}
            {error}
            <details class="extras" open=q.not_applicable || !q.note.is_empty()>
                <summary>"Not applicable, or add a note"</summary>
                <div class="na">
                    <input type="checkbox" id=na_id.clone() name=format!("na.{}", q.id) checked=q.not_applicable />
                    <label for=na_id>"Does not apply to this workload"</label>
                    <label for=reason_id.clone()>"Why not"</label>
                    <input id=reason_id name=format!("na_reason.{}", q.id) maxlength="2000" value=q.na_reason.clone() />
                </div>
                <label for=note_id.clone()>"Note"</label>
                <textarea id=note_id name=format!("note.{}", q.id) rows="2" maxlength="5000" inner_html=crate::escape_html(&q.note)></textarea>
            </details>
            <input type="hidden" name=format!("v.{}", q.id) value=q.version.map(|v| v.to_string()).unwrap_or_default() />
        </fieldset>
    }
}

/// One autosave at a time: a change while a save is in flight is saved right after it, with the
/// versions that save returned, so a user never conflicts with their own earlier keystrokes.
#[derive(Clone, Copy)]
#[cfg_attr(
    not(feature = "hydrate"),
    expect(dead_code, reason = "only the browser build saves in the background")
)]
struct SaveQueue {
    status: RwSignal<String>,
    /// This area's answered and applicable questions, as the last save left them.
    progress: RwSignal<(usize, usize)>,
    busy: RwSignal<bool>,
    again: RwSignal<bool>,
}

/// Saves the form in the background when an answer changes (browser only), then updates the
/// stored versions and shows or hides follow-ups. A conflict opens the page that shows both
/// values; any other failure says so and leaves the form as it is.
#[cfg(feature = "hydrate")]
fn autosave(ev: &leptos::ev::Event, id: &str, area: &str, mine: bool, queue: SaveQueue) {
    use wasm_bindgen::JsCast;
    let Some(form) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
    else {
        return;
    };
    if queue.busy.get_untracked() {
        queue.again.set(true);
        return;
    }
    save_now(form, id.to_owned(), area.to_owned(), mine, queue);
}

#[cfg(feature = "hydrate")]
fn save_now(
    form: web_sys::HtmlFormElement,
    id: String,
    area: String,
    mine: bool,
    queue: SaveQueue,
) {
    use wasm_bindgen::JsCast;
    use web_sys::{FormData, HtmlInputElement, UrlSearchParams};

    // A number the browser cannot read (`12e`) or one out of range is not sent: it would arrive
    // as a blank and clear the answer. Its field says what is wrong instead.
    if !numbers_valid(&form) {
        queue
            .status
            .set("Not saved: correct the marked answer first.".into());
        return;
    }
    let Ok(data) = FormData::new_with_form(&form) else {
        return;
    };
    let Ok(params) =
        UrlSearchParams::new_with_str_sequence_sequence(&wasm_bindgen::JsValue::from(data))
    else {
        return;
    };
    let body = String::from(params.to_string());
    queue.busy.set(true);
    queue.status.set("Saving…".into());
    leptos::task::spawn_local(async move {
        match crate::api::autosave(id.clone(), area.clone(), body, mine).await {
            Ok(result) => {
                if result.conflicts {
                    // The plain post meets the same race, and its answer shows both values.
                    let _ = form.submit();
                    return;
                }
                let doc = document();
                for (q, version) in result.versions {
                    let selector = format!("input[name='v.{q}']");
                    if let Some(input) = doc
                        .query_selector(&selector)
                        .ok()
                        .flatten()
                        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
                    {
                        input.set_value(&version.map(|v| v.to_string()).unwrap_or_default());
                    }
                }
                // A changed answer is confirmed: its badge goes (one never comes back).
                for (q, _) in result.to_confirm.iter().filter(|(_, pending)| !pending) {
                    if let Some(badge) = doc.get_element_by_id(&format!("q-{q}-confirm")) {
                        badge.remove();
                    }
                }
                for (q, visible) in result.visible {
                    if let Some(el) = doc.get_element_by_id(&format!("q-{q}")) {
                        let _ = if visible {
                            el.remove_attribute("hidden")
                        } else {
                            el.set_attribute("hidden", "")
                        };
                    }
                }
                // The rail's counts, and this area's in the bar, as the save left them.
                for a in &result.rail {
                    if let Some(count) = doc.get_element_by_id(&format!("rail-{}-count", a.id)) {
                        count.set_text_content(Some(&format!("{}/{}", a.answered, a.applicable)));
                    }
                    if let Some(li) = doc.get_element_by_id(&format!("rail-{}", a.id)) {
                        let _ = li.class_list().toggle_with_force(
                            "done",
                            a.applicable > 0 && a.answered == a.applicable,
                        );
                    }
                    if let Some(confirm) = doc.get_element_by_id(&format!("rail-{}-confirm", a.id))
                    {
                        if a.to_confirm == 0 {
                            confirm.remove();
                        } else {
                            confirm.set_text_content(Some(&format!("{} to confirm", a.to_confirm)));
                        }
                    }
                    if a.id == area {
                        queue.progress.set((a.answered, a.applicable));
                    }
                }
                queue.status.set("All changes saved".into());
            }
            Err(e) => queue.status.set(format!("Not saved: {e}")),
        }
        queue.busy.set(false);
        if queue.again.get_untracked() {
            queue.again.set(false);
            save_now(form, id, area, mine, queue);
        }
    });
}

/// Marks every number field of the form the browser cannot read or that is out of its range
/// (`aria-invalid`, and a message under the field, in words), and clears the marks of the
/// fields that are fine again. Whether all of them are fine.
#[cfg(feature = "hydrate")]
fn numbers_valid(form: &web_sys::HtmlFormElement) -> bool {
    use wasm_bindgen::JsCast;
    let Ok(inputs) = form.query_selector_all("input[type=number]") else {
        return true;
    };
    let doc = document();
    let mut all = true;
    for i in 0..inputs.length() {
        let Some(input) = inputs
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            continue;
        };
        let error_id = format!("{}-error", input.id());
        let shown = doc.get_element_by_id(&error_id);
        let validity = input.validity();
        if validity.valid() {
            let _ = input.remove_attribute("aria-invalid");
            if let Some(el) = shown {
                el.remove();
            }
            continue;
        }
        all = false;
        let (min, max) = (input.min(), input.max());
        let message = if validity.bad_input() {
            "This is not a number: enter digits only, such as 250 or 0.5.".to_owned()
        } else {
            match (min.is_empty(), max.is_empty()) {
                (false, false) => format!("Enter a number from {min} to {max}."),
                (false, true) => format!("Enter a number of at least {min}."),
                (true, false) => format!("Enter a number of at most {max}."),
                (true, true) => "Enter a number.".to_owned(),
            }
        };
        let _ = input.set_attribute("aria-invalid", "true");
        let _ = input.set_attribute("aria-errormessage", &error_id);
        let el = match shown {
            Some(el) => el,
            None => {
                let Ok(el) = doc.create_element("p") else {
                    continue;
                };
                el.set_id(&error_id);
                el.set_class_name("field-error");
                let _ = el.set_attribute("role", "alert");
                if let Some(row) = input.parent_element() {
                    let _ = row.after_with_node_1(&el);
                }
                el
            }
        };
        el.set_text_content(Some(&message));
    }
    all
}

/// Without the browser bundle there is nothing to do: the Save buttons post the form.
#[cfg(not(feature = "hydrate"))]
fn autosave(_ev: &leptos::ev::Event, _id: &str, _area: &str, _mine: bool, _queue: SaveQueue) {}
