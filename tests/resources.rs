//! MCP resources over the real binary and rmcp's client: every runbook in
//! `packaging/monitoring/runbooks/` is listed and reads back as the file; `aruba-noc://health`
//! reads as the same JSON shape as `check_server_health`; an unknown URI is an error.

mod common;

use rmcp::model::{ReadResourceRequestParams, ResourceContents};
use serde_json::Value;

use common::*;

/// The text and mime type of the single content of `uri`.
async fn read(
    client: &rmcp::service::RunningService<rmcp::RoleClient, ()>,
    uri: &str,
) -> (String, Option<String>) {
    let result = client
        .read_resource(ReadResourceRequestParams::new(uri))
        .await
        .unwrap_or_else(|e| panic!("resources/read {uri}: {e}"));
    assert_eq!(result.contents.len(), 1, "{uri}");
    match &result.contents[0] {
        ResourceContents::TextResourceContents {
            uri: got,
            mime_type,
            text,
            ..
        } => {
            assert_eq!(got, uri);
            (text.clone(), mime_type.clone())
        }
        other => panic!("{uri}: not text: {other:?}"),
    }
}

#[tokio::test]
async fn runbooks_and_health_are_resources() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let info = client.peer_info().expect("initialize result");
    assert!(
        info.capabilities.resources.is_some(),
        "resources capability"
    );
    assert!(
        info.instructions
            .as_deref()
            .unwrap_or_default()
            .contains("aruba-noc://runbooks/"),
        "instructions mention the resources"
    );

    let listed = client.list_all_resources().await.expect("resources/list");
    let uris: Vec<&str> = listed.iter().map(|r| r.uri.as_str()).collect();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/monitoring/runbooks");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(alert) = name.strip_suffix(".md").filter(|a| *a != "README") else {
            continue;
        };
        files += 1;
        let uri = format!("aruba-noc://runbooks/{alert}");
        let resource = listed
            .iter()
            .find(|r| r.uri == uri)
            .unwrap_or_else(|| panic!("{uri} not listed in {uris:?}"));
        assert_eq!(resource.mime_type.as_deref(), Some("text/markdown"));
    }
    assert!(files >= 20, "{files} runbooks on disk");
    assert_eq!(listed.len(), files + 1, "runbooks plus health: {uris:?}");

    let (text, mime) = read(&client, "aruba-noc://runbooks/CircuitBreakerOpen").await;
    assert_eq!(mime.as_deref(), Some("text/markdown"));
    assert_eq!(
        text,
        std::fs::read_to_string(format!("{dir}/CircuitBreakerOpen.md")).unwrap()
    );

    let (text, mime) = read(&client, "aruba-noc://health").await;
    assert_eq!(mime.as_deref(), Some("application/json"));
    let health: Value = serde_json::from_str(&text).expect("health is JSON");
    assert_eq!(health["status"], "healthy", "{health}");
    let tool = structured(&call(&client, "check_server_health", serde_json::json!({})).await);
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&health),
        keys(&tool),
        "same shape as check_server_health"
    );
    assert_eq!(keys(&health["components"]), keys(&tool["components"]));
    assert!(
        health["summary"]
            .as_str()
            .unwrap()
            .starts_with("Server healthy")
    );

    let e = client
        .read_resource(ReadResourceRequestParams::new(
            "aruba-noc://runbooks/NoSuchAlert",
        ))
        .await
        .expect_err("unknown runbook");
    assert!(e.to_string().contains("NoSuchAlert"), "{e}");
    client.cancel().await.unwrap();
}
