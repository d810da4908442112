//! Criterion bench: evaluating a fully answered assessment. Goal: median ≤ 50 µs.
//!
//! It runs on mimalloc, the allocator the `trellis` binary uses, so it measures what serves
//! requests.

#![expect(
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]

use criterion::{Criterion, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use questionnaires::{Format, builtin, evaluate, parse_answers_file};

fn bench(c: &mut Criterion) {
    let q = builtin();
    let text = include_str!("../tests/cases/full_answers.toml");
    let mut table: toml::Table = toml::from_str(text).expect("the bench case is valid TOML");
    table.remove("expect");
    let file = parse_answers_file(
        &toml::to_string(&table).expect("re-encodes"),
        Format::Toml,
        q,
    )
    .expect("the bench case is a valid answers file");
    // Follow-ups that do not apply are not asked, so "everything" is every applicable question.
    let p = evaluate(q, &file.answers).progress;
    assert!(
        p.answered * 100 >= p.applicable * 95,
        "the bench case should answer nearly every applicable question: {} of {}",
        p.answered,
        p.applicable
    );
    c.bench_function("evaluate_full_assessment", |b| {
        b.iter(|| evaluate(q, std::hint::black_box(&file.answers)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
