//! Criterion bench: importing a 1 MB SAM template (a starter's resources repeated under new
//! logical ids), and 1 MB of Terraform. Goal: under 100 ms each.
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

/// At least `bytes` bytes of `.tf`: tables, each with blocks, a local merge and a template.
fn big_module(bytes: usize) -> String {
    let mut out = String::from("locals {\n  env  = \"prod\"\n  tags = { Team = \"a\" }\n}\n");
    let mut n = 0;
    while out.len() < bytes {
        out.push_str(&format!(
            "resource \"aws_dynamodb_table\" \"t{n}\" {{\n  billing_mode = \"PAY_PER_REQUEST\"\n  hash_key     = \"pk\"\n  attribute {{\n    name = \"pk\"\n    type = \"S\"\n  }}\n  point_in_time_recovery {{\n    enabled = true\n  }}\n  tags = merge(local.tags, {{ Name = \"table-${{local.env}}-{n}\" }})\n}}\n"
        ));
        n += 1;
    }
    out
}

fn bench(c: &mut Criterion) {
    let cases = [
        (
            "import_1mb_template",
            "runtime",
            iac::Input::Document {
                name: "template.yaml".to_owned(),
                text: big_template(1024 * 1024),
                explicit: true,
            },
        ),
        (
            "import_1mb_terraform",
            "dynamodb_capacity_mode",
            iac::Input::Terraform {
                name: "main.tf".to_owned(),
                text: big_module(1024 * 1024),
                explicit: true,
            },
        ),
    ];
    for (name, answered, input) in cases {
        let inputs = vec![input];
        let import = iac::import(&inputs, "Bench").expect("the big input imports");
        assert!(import.answers.contains_key(answered));
        c.bench_function(name, |b| {
            b.iter(|| iac::import(std::hint::black_box(&inputs), "Bench"))
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
