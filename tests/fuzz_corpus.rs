//! Replays the fuzz corpus in plain `cargo test`: every committed seed (`fuzz/seeds/<target>/`)
//! and every input that once crashed a target (`fuzz/regressions/<target>/`) goes through the
//! same harness functions the fuzz targets call (`fuzz/src/lib.rs`), with their assertions.
//! `tests/fuzz.sh` fuzzes each target for a short time when cargo-fuzz is usable.

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn replay(kind: &str, require_seeds: bool) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    let mut total = 0;
    let mut failed = Vec::new();
    for (name, target) in harness::TARGETS {
        let files = inputs(&root.join(name));
        if require_seeds {
            assert!(
                !files.is_empty(),
                "no seeds for fuzz target {name} in {}",
                root.display()
            );
        }
        for file in &files {
            let data = std::fs::read(file).expect("readable input");
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                failed.push(format!("{name}: {}", file.display()));
            }
        }
        total += files.len();
    }
    assert!(failed.is_empty(), "failing inputs:\n{}", failed.join("\n"));
    total
}

#[test]
fn every_seed_replays_cleanly() {
    let n = replay("seeds", true);
    assert!(n >= harness::TARGETS.len(), "{n} seeds");
}

#[test]
fn every_past_crash_replays_cleanly() {
    replay("regressions", false);
    // libFuzzer's first input; it once failed the odata target.
    for (name, target) in harness::TARGETS {
        let outcome = std::panic::catch_unwind(|| target(&[]));
        assert!(outcome.is_ok(), "{name} failed on the empty input");
    }
}

#[test]
fn every_tool_has_valid_sample_arguments() {
    // The `responses` target runs each tool with these; a tool whose sample arguments fail
    // validation would never reach its response mapping.
    for spec in harness::catalogue() {
        let serde_json::Value::Object(args) = harness::sample_args(spec.name()) else {
            panic!("{}: sample arguments are not an object", spec.name());
        };
        if let Err(e) = spec.check_arguments(args) {
            panic!("{}: sample arguments rejected: {e}", spec.name());
        }
    }
}

#[test]
fn every_tool_reaches_central_with_its_sample_arguments() {
    // Otherwise the `responses` target would only ever see the tool's own argument error.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    for spec in harness::catalogue() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let responder: aruba_noc_mcp::central::transport::Responder = Arc::new(move |request| {
            if request.url == harness::TOKEN_URL {
                return Ok(harness::token_response());
            }
            counted.fetch_add(1, Ordering::Relaxed);
            Ok(aruba_noc_mcp::central::HttpResponse {
                status: 200,
                headers: Default::default(),
                body: b"{}".to_vec(),
            })
        });
        let serde_json::Value::Object(args) = harness::sample_args(spec.name()) else {
            panic!("{}: sample arguments are not an object", spec.name());
        };
        let result = harness::run_tool(spec, args, responder);
        assert!(
            calls.load(Ordering::Relaxed) > 0,
            "{} never called Central with its sample arguments: {}",
            spec.name(),
            result.text
        );
    }
}

#[test]
fn every_tool_has_a_response_seed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/responses");
    let covered: std::collections::BTreeSet<String> = inputs(&dir)
        .iter()
        .filter_map(|f| std::fs::read(f).ok())
        .filter_map(|data| data.first().copied())
        .map(|i| {
            let all = harness::catalogue();
            all[usize::from(i) % all.len()].name().to_string()
        })
        .collect();
    for spec in harness::catalogue() {
        assert!(
            covered.contains(spec.name()),
            "no seed in fuzz/seeds/responses for {} (run the seed generator: see fuzz/README.md)",
            spec.name()
        );
    }
}
