//! MCP prompts over the real binary: listed, filled in, and refused with a clear error.

mod common;

use common::*;
use rmcp::RoleClient;
use rmcp::model::GetPromptRequestParams;
use rmcp::service::RunningService;
use serde_json::{Value, json};

/// Every tool a numbered step of `text` names is one the server lists.
async fn assert_names_only_offered_tools(client: &RunningService<RoleClient, ()>, text: &str) {
    let tools = client.list_all_tools().await.unwrap();
    for line in text
        .lines()
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_digit()))
    {
        let named: Vec<&str> = line
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| {
                [
                    "get_",
                    "list_",
                    "find_",
                    "ping_",
                    "traceroute_",
                    "check_",
                    "run_",
                    "bounce_",
                    "reboot_",
                ]
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
}

/// The text of prompt `name` with `args`.
async fn prompt_text(client: &RunningService<RoleClient, ()>, name: &str, args: Value) -> String {
    let result = client
        .get_prompt(
            GetPromptRequestParams::new(name).with_arguments(args.as_object().cloned().unwrap()),
        )
        .await
        .unwrap_or_else(|e| panic!("prompts/get {name}: {e}"));
    let message = serde_json::to_value(&result.messages[0]).unwrap();
    message["content"]["text"].as_str().unwrap().to_string()
}

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
    assert_names_only_offered_tools(&client, text).await;
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

#[tokio::test]
async fn action_steps_appear_only_when_actions_are_offered() {
    let sim = simulator();
    for (extra, actions) in [
        (vec![], false),
        (vec![("ARUBA_ACTIONS", "on")], true),
        (
            vec![("ARUBA_ACTIONS", "on"), ("ARUBA_READ_ONLY", "true")],
            false,
        ),
    ] {
        let client = session(&sim, &extra).await;
        let names: Vec<String> = client
            .list_all_prompts()
            .await
            .expect("prompts/list")
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert!(
            names.iter().any(|n| n == "recover_unresponsive_ap")
                && names.iter().any(|n| n == "check_switch_port"),
            "{extra:?}: {names:?}"
        );

        let recover = prompt_text(
            &client,
            "recover_unresponsive_ap",
            json!({"ap": "AP-Lobby-1"}),
        )
        .await;
        assert!(recover.contains("\"AP-Lobby-1\""), "{recover}");
        assert!(
            recover.contains("get_switch_interfaces") && recover.contains("LLDP neighbour"),
            "{extra:?}: the port comes from the switch's LLDP neighbours: {recover}"
        );
        assert!(recover.contains("poe_status"), "{recover}");
        assert_eq!(
            recover.contains("bounce_poe"),
            actions,
            "{extra:?}: {recover}"
        );
        assert_eq!(
            recover.contains("Wait about three minutes"),
            actions,
            "{extra:?}: the wait and check follow the bounce: {recover}"
        );
        if actions {
            assert!(
                recover.contains("confirmation") && recover.contains("Never set allow_uplink"),
                "{recover}"
            );
        }
        assert_names_only_offered_tools(&client, &recover).await;

        let port = prompt_text(
            &client,
            "check_switch_port",
            json!({"switch": "SG12KW3456", "port": "1/1/7"}),
        )
        .await;
        assert!(
            port.starts_with("Check port 1/1/7 of the switch SG12KW3456."),
            "{port}"
        );
        assert!(port.contains("get_switch_interfaces"), "{port}");
        assert_eq!(
            port.contains("run_cable_test"),
            actions,
            "{extra:?}: {port}"
        );
        if actions {
            assert!(port.contains("link drops during the test"), "{port}");
        }
        assert_names_only_offered_tools(&client, &port).await;
        client.cancel().await.unwrap();
    }
    assert!(
        !sim.journal()
            .iter()
            .any(|e| e.path.starts_with("/network-")),
        "prompts call nothing"
    );
}
