//! Sample events: `events/<handler>.json`, the event each function receives, in the shape AWS
//! delivers it. Every runtime's tests load these files, and `sam local invoke -e` takes them.
//!
//! The API's sample request carries a caller identity, as the authorizer puts it in the request
//! context (the JWT's claims, or the IAM caller), and an `Idempotency-Key` header.
//!
//! The webhook's sample request is signed with the test secret `test-secret`
//! (`x-signature: sha256=<hex HMAC-SHA256 of the body>`), which the starters' tests use.

use questionnaires::scaffold::{Auth, Handler, Pattern, Plan};

use super::Files;

/// One handler's sample event.
#[derive(askama::Template)]
#[template(path = "scaffold/events/event.json", escape = "none")]
struct Event<'a> {
    plan: &'a Plan,
    handler: &'a Handler,
}

impl Event<'_> {
    /// Whether the API's callers sign with IAM, so the sample request carries an IAM caller
    /// rather than JWT claims.
    fn iam_auth(&self) -> bool {
        self.plan.api.as_ref().is_some_and(|a| a.auth == Auth::Iam)
    }

    /// A FIFO message's group: the global group, or the SHA-256 of the entity key (see
    /// [`super::fifo_digest`]).
    fn fifo_group(&self, key: &str) -> String {
        match &self.plan.fifo {
            Some(f) if f.global => f.global_group.clone(),
            _ => super::fifo_digest(key),
        }
    }

    /// A FIFO message's deduplication id: the SHA-256 of the event id.
    fn fifo_digest(&self, id: &str) -> String {
        super::fifo_digest(id)
    }

    /// Whether the event store's changes reach the projections through Kinesis.
    fn es_kinesis(&self) -> bool {
        self.plan
            .event_sourcing
            .as_ref()
            .is_some_and(|es| es.feed == questionnaires::scaffold::Feed::Kinesis)
    }
}

/// Adds `events/<handler>.json` for every handler of the plan.
pub(super) fn files(plan: &Plan, out: &mut Files) -> Result<(), String> {
    for handler in &plan.handlers {
        out.add(
            &format!("events/{}.json", handler.name),
            &Event { plan, handler },
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use questionnaires::answers::{Format, parse_answers_file};
    use questionnaires::evaluate::evaluate;
    use questionnaires::scaffold::{Choice, Iac, Pattern, Runtime, plan};

    use super::super::Files;

    #[test]
    fn every_sample_event_is_json() {
        let q = questionnaires::builtin();
        let text =
            include_str!("../../../questionnaires/tests/cases/05_travel_booking_approval.toml");
        let file = parse_answers_file(text, Format::Toml, q).unwrap();
        let evaluation = evaluate(q, &file.answers);
        for pattern in Pattern::ALL {
            let choice = Choice {
                pattern: Some(pattern),
                runtime: Runtime::Python,
                iac: Iac::Sam,
            };
            let plan = plan(q, &file.workload, &file.answers, &evaluation, choice).unwrap();
            let mut out = Files(Vec::new());
            super::files(&plan, &mut out).unwrap();
            assert_eq!(out.0.len(), plan.handlers.len(), "{pattern:?}");
            for f in &out.0 {
                let value: serde_json::Value = serde_json::from_str(&f.contents)
                    .unwrap_or_else(|e| panic!("{pattern:?} {}: {e}\n{}", f.path, f.contents));
                assert!(value.is_object(), "{pattern:?} {}", f.path);
            }
        }
    }
}
