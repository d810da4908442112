//! Criterion bench: importing a 1 MB SAM template (a starter's resources repeated under new
//! logical ids). Goal: under 100 ms.
//!
//! The template is the API starter's, checked in beside the tests, so the bench needs no
//! binary; it runs on mimalloc, the allocator the `trellis` binary uses.

#![expect(
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]

use criterion::{Criterion, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A template of at least `bytes` bytes: the starter's resources, copied with renamed ids.
fn big_template(bytes: usize) -> String {
    let starter = include_str!("../tests/starters/api_lambda_dynamodb.yaml");
    let (head, resources) = starter
        .split_once("\nResources:\n")
        .expect("the starter has a Resources section");
    let (resources, tail) = match resources.find("\nOutputs:\n") {
        Some(i) => (&resources[..i], &resources[i..]),
        None => (resources, ""),
    };
    let ids: Vec<&str> = resources
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .map(|l| l.trim().trim_end_matches(':'))
        .collect();
    let mut out = format!("{head}\nResources:\n{resources}\n");
    let mut n = 0;
    while out.len() < bytes {
        n += 1;
        let mut copy = resources.to_owned();
        for id in &ids {
            copy = copy.replace(id, &format!("{id}N{n}"));
        }
        out.push_str(&copy);
        out.push('\n');
    }
    let _ = tail; // Outputs refer to the first copy only; not needed to measure the import.
    out
}

fn bench(c: &mut Criterion) {
    let text = big_template(1024 * 1024);
    let inputs = vec![iac::Input::Document {
        name: "template.yaml".to_owned(),
        text,
        explicit: true,
    }];
    let import = iac::import(&inputs, "Bench").expect("the big template imports");
    assert!(import.answers.contains_key("runtime"));
    c.bench_function("import_1mb_template", |b| {
        b.iter(|| iac::import(std::hint::black_box(&inputs), "Bench"))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
