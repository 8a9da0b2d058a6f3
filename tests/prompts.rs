//! MCP prompts over the real binary: listed, filled in, and refused with a clear error.

mod common;

use common::*;
use rmcp::model::GetPromptRequestParams;
use serde_json::json;

#[tokio::test]
async fn prompts_are_listed_and_name_only_offered_tools() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let prompts = client.list_all_prompts().await.expect("prompts/list");
    let names: Vec<&str> = prompts.iter().map(|p| p.name.as_str()).collect();
    assert!(names.contains(&"network_health_overview"), "{names:?}");
    assert!(names.contains(&"troubleshoot_site"), "{names:?}");

    let args = json!({"site": "Branch 2", "window": "6h"});
    let result = client
        .get_prompt(
            GetPromptRequestParams::new("troubleshoot_site")
                .with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .expect("prompts/get");
    let message = serde_json::to_value(&result.messages[0]).unwrap();
    let text = message["content"]["text"].as_str().unwrap();
    assert!(text.contains("\"Branch 2\" over the last 6h"), "{text}");
    let tools = client.list_all_tools().await.unwrap();
    // Every tool the prompt names in a numbered step is one this server offers.
    for line in text
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
    {
        let named: Vec<&str> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| {
                ["get_", "list_", "find_", "ping_", "traceroute_", "check_"]
                    .iter()
                    .any(|p| w.starts_with(p))
            })
            .collect();
        for tool in named {
            assert!(
                tools.iter().any(|t| t.name == tool),
                "{tool} in {line:?} is not offered"
            );
        }
    }
    assert!(
        !sim.journal()
            .iter()
            .any(|e| e.path.starts_with("/network-")),
        "prompts call nothing"
    );
}

#[tokio::test]
async fn a_missing_required_argument_is_an_invalid_params_error() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let err = client
        .get_prompt(GetPromptRequestParams::new("troubleshoot_site"))
        .await
        .expect_err("site is required");
    assert!(
        err.to_string().contains("needs the argument \\\"site\\\"")
            || err.to_string().contains("needs the argument \"site\""),
        "{err}"
    );
    // The session still works.
    assert!(client.list_all_prompts().await.is_ok());
}
