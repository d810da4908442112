//! Criterion bench: planning, rendering and zipping a starter project of a fully answered review,
//! for each runtime. The HTTP figure (as a ratio to the results page) comes from `scripts/bench`.

#![expect(
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use questionnaires::scaffold::{Choice, Iac, Pattern, Runtime};
use questionnaires::{Format, builtin, evaluate, parse_answers_file};

fn bench(c: &mut Criterion) {
    let q = builtin();
    let text = include_str!("../../questionnaires/tests/cases/full_answers.toml");
    let mut table: toml::Table = toml::from_str(text).expect("the bench case is valid TOML");
    table.remove("expect");
    let file = parse_answers_file(
        &toml::to_string(&table).expect("re-encodes"),
        Format::Toml,
        q,
    )
    .expect("the bench case is a valid answers file");
    let evaluation = evaluate(q, &file.answers);
    for runtime in Runtime::ALL {
        let choice = Choice {
            pattern: Some(Pattern::Webhook),
            runtime,
            iac: Iac::Sam,
        };
        c.bench_function(&format!("starter_zip_webhook_{}", runtime.as_str()), |b| {
            b.iter(|| {
                let (_, starter) = server::scaffold::starter(
                    q,
                    &file.workload,
                    &file.answers,
                    &evaluation,
                    choice,
                )
                .expect("renders");
                server::scaffold::zip(&starter).expect("zips")
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
