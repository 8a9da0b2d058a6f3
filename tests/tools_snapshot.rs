//! Pins `tools/list` — names, descriptions, input and output schemas, annotations — to
//! `tests/snapshots/tools_list.json`, so every schema change shows up in review.
//!
//! After an intended change: `UPDATE_SNAPSHOTS=1 cargo test --test tools_snapshot`, then review
//! and commit the diff of the snapshot file.

mod common;

use common::*;

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/snapshots/tools_list.json"
);

#[tokio::test]
async fn tools_list_matches_the_snapshot() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    let actual = serde_json::to_string_pretty(&tools).expect("serialise") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(SNAPSHOT, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(SNAPSHOT)
        .expect("tests/snapshots/tools_list.json exists (create it with UPDATE_SNAPSHOTS=1)");
    if actual != expected {
        let first_difference = actual
            .lines()
            .zip(expected.lines())
            .enumerate()
            .find(|(_, (a, e))| a != e)
            .map(|(i, (a, e))| format!("line {}: now {a:?}, snapshot {e:?}", i + 1))
            .unwrap_or_else(|| "the lengths differ".to_string());
        panic!(
            "tools/list changed ({first_difference}). If intended, run \
             UPDATE_SNAPSHOTS=1 cargo test --test tools_snapshot and commit the snapshot."
        );
    }
}
