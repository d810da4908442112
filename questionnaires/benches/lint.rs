//! Criterion bench: linting the hostile lens of issue 16 (85 questions × 15 choices × 3 risk
//! rules built to be slow to check, about 490 KB). Goal: median ≤ 200 ms, the cost of the
//! reachability budget when a lens spends all of it.

#![expect(
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use questionnaires::lens;

include!("../tests/support/hostile_lens.rs");

fn bench(c: &mut Criterion) {
    let text = hostile_lens();
    assert!(text.len() <= lens::spec::MAX_LENS_BYTES);
    c.bench_function("lint_hostile_lens", |b| {
        b.iter(|| lens::lint(std::hint::black_box(&text)))
    });
}

criterion_group! {
    name = benches;
    // Seconds per iteration before the term budget: ten samples are enough to see it.
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
