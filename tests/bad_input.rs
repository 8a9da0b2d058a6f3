//! Bad-input sweep over the real binary: whatever the MCP client sends, the server answers with
//! the right JSON-RPC error or an `isError` result (or, where JSON-RPC allows no answer, stays
//! silent), and the next valid call still works.
//!
//! What rmcp's stdio transport does with a bad line, and so what is asserted here:
//! - not JSON at all (syntax error, binary garbage, invalid UTF-8): ignored, no reply (there is
//!   no id to answer; replying could start an error storm);
//! - JSON that is not a JSON-RPC message (`[]`, `42`, `{"hello":…}`, `"jsonrpc":"1.0"`):
//!   -32600 Invalid Request with no id;
//! - an unknown method: -32601 with the id; a known method with malformed params (e.g.
//!   `tools/call` without `name`): -32602 with the id (`NocServer::on_custom_request`);
//! - a line over 16 MiB (rmcp's limit): discarded unread, no reply, the session continues.
//!   Lines below the limit are parsed, so a 10 MB `tools/call` gets its `isError` answer.
//!
//! The argument cases are generated from each tool's `inputSchema` in `tools/list`, so a new
//! tool is covered without touching this file.

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::*;
use rmcp::model::CallToolRequestParams;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout};

/// A server spoken to in raw JSON-RPC lines.
struct Raw {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: tempfile_path::TempPath,
}

mod tempfile_path {
    /// A file in the temp dir removed on drop (the server's stderr, read after exit).
    pub struct TempPath(pub std::path::PathBuf);
    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

impl Raw {
    async fn start(sim: &aruba_noc_mcp::simulator::SimulatorHandle) -> Raw {
        let path = std::env::temp_dir().join(format!(
            "aruba-bad-input-{}-{}.log",
            std::process::id(),
            fastrand::u64(..)
        ));
        let stderr = std::fs::File::create(&path).expect("stderr file");
        let mut cmd = server_command(&env_for(sim), Stdio::from(stderr));
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("server spawns");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut raw = Raw {
            child,
            stdin,
            stdout,
            stderr: tempfile_path::TempPath(path),
        };
        raw.send(
            &json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "bad-input", "version": "1"}}}),
        )
        .await;
        let init = raw.recv().await.expect("initialize answered");
        assert_eq!(init["id"], 0, "{init}");
        assert!(init["result"]["serverInfo"].is_object(), "{init}");
        raw.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))
            .await;
        raw
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).await.expect("write");
        stdin.flush().await.expect("flush");
    }

    async fn send_line(&mut self, line: &str) {
        self.send_bytes(format!("{line}\n").as_bytes()).await;
    }

    async fn send(&mut self, message: &Value) {
        self.send_line(&message.to_string()).await;
    }

    /// The next message, or `None` when nothing comes within 5 s.
    async fn recv_within(&mut self, wait: Duration) -> Option<Value> {
        let mut line = String::new();
        match tokio::time::timeout(wait, self.stdout.read_line(&mut line)).await {
            Ok(Ok(n)) if n > 0 => {
                Some(serde_json::from_str(&line).expect("the server writes JSON"))
            }
            _ => None,
        }
    }

    async fn recv(&mut self) -> Option<Value> {
        self.recv_within(Duration::from_secs(20)).await
    }

    /// Sends a `ping` with `id` and expects its answer as the very next message: proves the
    /// session is alive and nothing was answered in between.
    async fn assert_alive(&mut self, id: u64, after: &str) {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}))
            .await;
        let answer = self
            .recv()
            .await
            .unwrap_or_else(|| panic!("no answer after {after}"));
        assert_eq!(answer["id"], id, "after {after}: {answer}");
        assert_eq!(answer["result"], json!({}), "after {after}: {answer}");
    }

    /// Expects the next message to be a JSON-RPC error with `code` and `"id": null`.
    async fn assert_error_without_id(&mut self, code: i64, after: &str) {
        let answer = self
            .recv()
            .await
            .unwrap_or_else(|| panic!("no error answer after {after}"));
        assert_eq!(answer["error"]["code"], code, "after {after}: {answer}");
        assert_eq!(
            answer.get("id"),
            Some(&Value::Null),
            "after {after}: {answer}"
        );
        assert_eq!(answer["jsonrpc"], "2.0", "after {after}: {answer}");
    }

    /// A `tools/call` that must work after the abuse.
    async fn assert_tool_works(&mut self, id: u64) {
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "get_device_list", "arguments": {"limit": 2}}}))
            .await;
        let answer = self.recv().await.expect("tools/call answered");
        assert_eq!(answer["id"], id, "{answer}");
        assert_ne!(answer["result"]["isError"], true, "{answer}");
        assert_eq!(
            answer["result"]["structuredContent"]["returned"], 2,
            "{answer}"
        );
    }

    fn rss_kib(&self) -> u64 {
        let pid = self.child.id().expect("running");
        rss_kib(pid)
    }

    /// Closes stdin and waits for the exit; returns the exit status and stderr.
    async fn finish(mut self) -> (std::process::ExitStatus, String) {
        drop(self.stdin.take());
        let status = tokio::time::timeout(Duration::from_secs(20), self.child.wait())
            .await
            .expect("the server exits after stdin closes")
            .expect("wait");
        let stderr = std::fs::read_to_string(&self.stderr.0).unwrap_or_default();
        (status, stderr)
    }
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

fn assert_clean_exit(status: std::process::ExitStatus, stderr: &str) {
    assert!(status.success(), "exit {status:?}; stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "a panic: {stderr}");
}

/// JSON-RPC 2.0 §5.1: a line that is not JSON gets a parse error with `"id": null`, and the
/// session goes on.
#[tokio::test]
async fn lines_that_are_not_json_get_a_parse_error() {
    let sim = simulator();
    let mut raw = Raw::start(&sim).await;
    for (i, line) in [
        "{",
        "not json",
        r#"{"jsonrpc":"2.0","id":1,"method":"#,
        "}}}}",
        "\u{7f}\u{1}\u{2}",
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"",
    ]
    .iter()
    .enumerate()
    {
        raw.send_line(line).await;
        raw.assert_error_without_id(-32700, line).await;
        raw.assert_alive(100 + i as u64, line).await;
    }
    let (status, stderr) = raw.finish().await;
    assert_clean_exit(status, &stderr);
}

#[tokio::test]
async fn binary_garbage_gets_errors_and_the_session_goes_on() {
    let sim = simulator();
    let mut raw = Raw::start(&sim).await;
    let mut rng = fastrand::Rng::with_seed(7);
    for round in 0..20u64 {
        // Random bytes, invalid UTF-8 and NULs included, ending in a newline.
        let mut garbage: Vec<u8> = (0..rng.usize(1..4096)).map(|_| rng.u8(..)).collect();
        garbage.retain(|b| *b != b'\n');
        garbage.push(b'\n');
        raw.send_bytes(&garbage).await;
        // Garbage is a parse error (-32700), or, when it starts like a JSON value of the wrong
        // type (a digit, a quote), a message of the wrong shape (-32600); both with `id: null`.
        // Beyond 10 a second the error replies are dropped.
        let id = 200 + round;
        raw.send(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}))
            .await;
        loop {
            let answer = raw.recv().await.expect("the ping is answered");
            if answer.get("id") == Some(&Value::Null) {
                let code = answer["error"]["code"].as_i64();
                assert!(matches!(code, Some(-32700 | -32600)), "{answer}");
                continue;
            }
            assert_eq!(answer["id"], id, "{answer}");
            break;
        }
    }
    // Invalid UTF-8 inside otherwise valid messages is not JSON: a parse error each (a second
    // later, so the reply budget is fresh). A UTF-8 byte-order mark and a CRLF line ending are
    // tolerated.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    raw.send_bytes(b"{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"p\xffing\"}\n")
        .await;
    raw.assert_error_without_id(-32700, "invalid UTF-8 in a method")
        .await;
    raw.send_bytes(
        b"{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"ping\",\"params\":{\"x\":\"\xff\"}}\n",
    )
    .await;
    raw.assert_error_without_id(-32700, "invalid UTF-8 in a parameter")
        .await;
    raw.assert_alive(250, "invalid UTF-8").await;
    raw.send_bytes(b"\xef\xbb\xbf{\"jsonrpc\":\"2.0\",\"id\":251,\"method\":\"ping\"}\r\n")
        .await;
    assert_eq!(raw.recv().await.expect("BOM + CRLF answered")["id"], 251);
    raw.assert_tool_works(300).await;
    let (status, stderr) = raw.finish().await;
    assert_clean_exit(status, &stderr);
}

#[tokio::test]
async fn json_that_is_not_json_rpc_is_an_invalid_request() {
    let sim = simulator();
    let mut raw = Raw::start(&sim).await;
    // The answer carries the message's id when it has a usable one, else `"id": null`.
    for (i, (line, id)) in [
        ("[]", Value::Null),
        ("42", Value::Null),
        ("\"hello\"", Value::Null),
        ("null", Value::Null),
        (r#"{"hello":"world"}"#, Value::Null),
        (r#"{"jsonrpc":"1.0","id":3,"method":"ping"}"#, json!(3)),
        (
            r#"{"jsonrpc":"2.0","id":{"nested":true},"method":"ping"}"#,
            Value::Null,
        ),
        (r#"[{"jsonrpc":"2.0","id":4,"method":"ping"}]"#, Value::Null),
    ]
    .iter()
    .enumerate()
    {
        raw.send_line(line).await;
        let answer = raw
            .recv()
            .await
            .unwrap_or_else(|| panic!("no answer to {line}"));
        assert_eq!(answer["error"]["code"], -32600, "{line}: {answer}");
        assert_eq!(answer.get("id"), Some(id), "{line}: {answer}");
        raw.assert_alive(400 + i as u64, line).await;
    }
    let (status, stderr) = raw.finish().await;
    assert_clean_exit(status, &stderr);
}

#[tokio::test]
async fn unknown_methods_and_malformed_params_get_errors_with_their_id() {
    let sim = simulator();
    let mut raw = Raw::start(&sim).await;
    let cases = [
        (
            json!({"jsonrpc":"2.0","id":1,"method":"no/such/method"}),
            -32601,
            "no/such/method",
        ),
        (
            json!({"jsonrpc":"2.0","id":2,"method":"resources/subscribe","params":{"uri":"aruba-noc://health"}}),
            -32601,
            "resources/subscribe",
        ),
        (
            json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}),
            -32602,
            "no_such_tool",
        ),
        (
            json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"arguments":{}}}),
            -32602,
            "name",
        ),
        (
            json!({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"get_device_list","arguments":5}}),
            -32602,
            "tools/call",
        ),
        (
            json!({"jsonrpc":"2.0","id":6,"method":"tools/call"}),
            -32602,
            "tools/call",
        ),
        (
            json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":42}}),
            -32602,
            "tools/call",
        ),
        (
            json!({"jsonrpc":"2.0","id":8,"method":"prompts/get","params":{"name":"no_such_prompt"}}),
            -32602,
            "no_such_prompt",
        ),
        (
            json!({"jsonrpc":"2.0","id":9,"method":"prompts/get","params":{"name":["x"]}}),
            -32602,
            "prompts/get",
        ),
    ];
    for (request, code, mention) in cases {
        raw.send(&request).await;
        let answer = raw
            .recv()
            .await
            .unwrap_or_else(|| panic!("no answer to {request}"));
        assert_eq!(answer["id"], request["id"], "{request}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{request}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(mention), "{request}: {message}");
    }
    // A notification nobody knows gets no answer (notifications never do).
    raw.send(&json!({"jsonrpc":"2.0","method":"notifications/no_such"}))
        .await;
    raw.assert_alive(10, "an unknown notification").await;
    raw.assert_tool_works(11).await;
    assert!(
        api_requests(&sim).len() == 1,
        "only the final valid call reached Central: {:?}",
        api_requests(&sim)
    );
    let (status, stderr) = raw.finish().await;
    assert_clean_exit(status, &stderr);
}

#[tokio::test]
async fn huge_lines_are_answered_and_memory_stays_bounded() {
    let sim = simulator();
    let mut raw = Raw::start(&sim).await;
    raw.assert_tool_works(1).await;
    let before = raw.rss_kib();

    // 900 KB: under the 1 MiB line limit, so it is parsed and the argument refused.
    let big = "x".repeat(900 * 1024);
    raw.send(&json!({"jsonrpc":"2.0","id":2,"method":"tools/call",
        "params":{"name":"find_device","arguments":{"query": big}}}))
        .await;
    let answer = raw.recv().await.expect("the 900 KB call is answered");
    assert_eq!(answer["id"], 2);
    assert_eq!(
        answer["result"]["isError"],
        true,
        "{}",
        &answer.to_string()[..300]
    );
    let text = answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("argument `query`") && text.contains("longer than"),
        "{text}"
    );
    assert!(text.len() < 1000, "the error does not echo the argument");

    // 20 MB on one line: discarded as it streams in (never buffered) and answered with -32600.
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{{"name":"find_device","arguments":{{"query":"{}"}}}}}}"#,
        "y".repeat(20 * 1024 * 1024)
    );
    raw.send_line(&huge).await;
    raw.assert_error_without_id(-32600, "a 20 MB line").await;
    raw.assert_alive(4, "a 20 MB line").await;
    raw.assert_tool_works(5).await;

    // Repeating both does not grow memory further: the line buffer is bounded by 1 MiB.
    let after_first = raw.rss_kib();
    for id in 6..9 {
        raw.send(&json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
            "params":{"name":"find_device","arguments":{"query": "x".repeat(900 * 1024)}}}))
            .await;
        assert_eq!(raw.recv().await.expect("answered")["id"], id);
        raw.send_line(&huge).await;
        raw.assert_error_without_id(-32600, "a repeated 20 MB line")
            .await;
    }
    raw.assert_alive(9, "repeated huge lines").await;
    let after_repeats = raw.rss_kib();
    assert!(
        after_first < before + 16 * 1024,
        "RSS grew from {before} KiB to {after_first} KiB"
    );
    assert!(
        after_repeats < after_first + 8 * 1024,
        "RSS kept growing: {after_first} KiB → {after_repeats} KiB"
    );
    assert_eq!(
        api_requests(&sim).len(),
        2,
        "only the two valid calls reached Central"
    );
    let (status, stderr) = raw.finish().await;
    assert_clean_exit(status, &stderr);
    assert!(
        stderr.contains("MCP message longer than the limit discarded"),
        "the dropped line is logged: {stderr}"
    );
}

#[tokio::test]
async fn closing_stdin_mid_call_ends_the_session_cleanly() {
    // Every API answer takes 3 s, so the call is in flight when stdin closes.
    let sim = simulator();
    sim.set_faults("latency=3000".parse().expect("fault spec"));
    let mut raw = Raw::start(&sim).await;
    raw.send(&json!({"jsonrpc":"2.0","id":1,"method":"tools/call",
        "params":{"name":"get_device_list","arguments":{}}}))
        .await;
    // Half a request, then EOF.
    raw.send_bytes(br#"{"jsonrpc":"2.0","id":2,"method":"tools/ca"#)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let (status, stderr) = raw.finish().await;
    assert_clean_exit(status, &stderr);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?} to exit",
        started.elapsed()
    );
}

/// The JSON type a property schema asks for, and its bounds.
#[derive(Debug)]
struct Prop {
    name: String,
    kind: String,
    minimum: Option<i64>,
    maximum: Option<i64>,
    enumerated: bool,
}

fn props(schema: &Value) -> Vec<Prop> {
    let mut out = Vec::new();
    let Some(properties) = schema["properties"].as_object() else {
        return out;
    };
    for (name, p) in properties {
        let mut kinds: Vec<String> = match &p["type"] {
            Value::String(t) => vec![t.clone()],
            Value::Array(ts) => ts
                .iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        };
        for alt in ["anyOf", "oneOf"] {
            for a in p[alt].as_array().into_iter().flatten() {
                if let Some(t) = a["type"].as_str() {
                    kinds.push(t.to_string());
                }
                if a.get("enum").is_some() || a.get("const").is_some() {
                    kinds.push("string".into());
                }
            }
        }
        let kind = kinds
            .into_iter()
            .find(|k| k != "null")
            .unwrap_or_else(|| "string".into());
        out.push(Prop {
            name: name.clone(),
            kind,
            minimum: p["minimum"].as_i64(),
            maximum: p["maximum"].as_i64(),
            // Enums are `enum`, or `anyOf`/`oneOf` of `const`s, nested `oneOf`s or `$ref`s.
            enumerated: p.get("enum").is_some()
                || ["anyOf", "oneOf"].iter().any(|alt| {
                    p[*alt].as_array().is_some_and(|a| {
                        a.iter().any(|x| {
                            ["enum", "const", "oneOf", "$ref"]
                                .iter()
                                .any(|k| x.get(*k).is_some())
                        })
                    })
                }),
        });
    }
    out
}

/// `(case, arguments, text the error must contain)` for one tool, from its input schema.
fn bad_cases(schema: &Value, valid: &Map<String, Value>) -> Vec<(String, Value, String)> {
    let mut cases = Vec::new();
    let required: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().map(String::from))
        .collect();
    for r in &required {
        let mut args = valid.clone();
        args.remove(r);
        cases.push((format!("missing {r}"), Value::Object(args), r.clone()));
    }
    cases.push((
        "unknown argument".into(),
        {
            let mut args = valid.clone();
            args.insert("no_such_argument".into(), json!(1));
            Value::Object(args)
        },
        "no_such_argument".into(),
    ));
    for p in props(schema) {
        let with = |value: Value| {
            let mut args = valid.clone();
            args.insert(p.name.clone(), value);
            Value::Object(args)
        };
        // No argument takes an object, so an object is the wrong type for every one.
        cases.push((
            format!("{} of the wrong type", p.name),
            with(json!({"wrong": true})),
            p.name.clone(),
        ));
        match p.kind.as_str() {
            "integer" | "number" => {
                cases.push((
                    format!("{} as text", p.name),
                    with(json!("ten")),
                    p.name.clone(),
                ));
                if let Some(min) = p.minimum {
                    cases.push((
                        format!("{} below {min}", p.name),
                        with(json!(min - 1)),
                        p.name.clone(),
                    ));
                }
                if let Some(max) = p.maximum {
                    cases.push((
                        format!("{} above {max}", p.name),
                        with(json!(max + 1)),
                        p.name.clone(),
                    ));
                }
                cases.push((
                    format!("{} huge", p.name),
                    with(json!(1e300)),
                    p.name.clone(),
                ));
            }
            "string" if p.enumerated => {
                cases.push((
                    format!("{} not one of its values", p.name),
                    with(json!("NOT_A_VALUE")),
                    p.name.clone(),
                ));
                cases.push((
                    format!("{} oversized", p.name),
                    with(json!("x".repeat(100_000))),
                    p.name.clone(),
                ));
            }
            "string" => {
                cases.push((
                    format!("{} oversized", p.name),
                    with(json!("x".repeat(100_000))),
                    p.name.clone(),
                ));
                cases.push((
                    format!("{} with control characters", p.name),
                    with(json!("a\u{0}b\u{1b}[31m")),
                    p.name.clone(),
                ));
            }
            "boolean" => {
                cases.push((
                    format!("{} as text", p.name),
                    with(json!("yes")),
                    p.name.clone(),
                ));
            }
            "array" => {
                cases.push((
                    format!("{} with a number inside", p.name),
                    with(json!([1])),
                    p.name.clone(),
                ));
            }
            _ => {}
        }
    }
    cases
}

/// Arguments that pass validation for `tool` (each tool's required arguments, well-formed).
fn valid_args(tool: &str, schema: &Value) -> Map<String, Value> {
    let mut args = Map::new();
    for r in schema["required"].as_array().into_iter().flatten() {
        let r = r.as_str().expect("names");
        let value = match r {
            "serial" | "serial_number" => json!("CNK7ABC123"),
            "mac_address" => json!("aa:bb:cc:dd:ee:01"),
            "stack_id" => json!("ST-sjc-01"),
            "cluster_name" => json!("cluster-1"),
            "wlan_name" => json!("Corp"),
            "query" => json!("switch-1"),
            "commands" => json!(["show version"]),
            "iperf_server" => json!("203.0.113.10"),
            "destination" => json!("8.8.8.8"),
            "start_size" | "end_size" => json!(1400),
            "host" => json!("www.example.com"),
            "kind" => json!("http"),
            "target" => json!("www.example.com"),
            other => panic!("{tool}: no sample value for required argument {other}; add one"),
        };
        args.insert(r.to_string(), value);
    }
    // Arguments needed in one of several forms (not `required` in the schema).
    let properties = &schema["properties"];
    if properties.get("destination").is_some() {
        args.insert("destination".into(), json!("8.8.8.8"));
    }
    if properties.get("location").is_some() {
        args.insert(
            "location".into(),
            json!("/network-troubleshooting/v1/aps/CNK7ABC123/ping/async-operations/0b7e5a4c-1d2e-4f3a-9b8c-7d6e5f4a3b2c"),
        );
    }
    args
}

#[tokio::test]
async fn every_tool_rejects_bad_arguments_without_calling_central() {
    let sim = simulator();
    let client = session(&sim, &[]).await;
    let tools = client.list_all_tools().await.expect("tools/list");
    assert!(tools.len() >= 38, "{} tools", tools.len());
    let mut checked = 0;
    // Some strings are free text that only has a length bound (checked by "oversized"); control
    // characters are refused by every text argument.
    for tool in &tools {
        let schema = Value::Object((*tool.input_schema).clone());
        let valid = valid_args(&tool.name, &schema);
        for (case, args, mention) in bad_cases(&schema, &valid) {
            let result = client
                .call_tool(
                    CallToolRequestParams::new(tool.name.to_string())
                        .with_arguments(args.as_object().cloned().unwrap_or_default()),
                )
                .await
                .unwrap_or_else(|e| panic!("{} / {case}: protocol error {e}", tool.name));
            let message = text(&result);
            assert_eq!(
                result.is_error,
                Some(true),
                "{} / {case}: accepted; answered {message}",
                tool.name
            );
            assert!(
                message.contains(&mention),
                "{} / {case}: the error does not name {mention}: {message}",
                tool.name
            );
            assert!(
                message.len() < 2_000,
                "{} / {case}: {} byte error",
                tool.name,
                message.len()
            );
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked} cases");
    assert!(
        api_requests(&sim).is_empty(),
        "a bad argument reached Central: {:?}",
        api_requests(&sim).first()
    );
    let ok = call(&client, "get_device_list", json!({"limit": 1})).await;
    assert_eq!(structured(&ok)["returned"], 1);
    client.cancel().await.expect("clean shutdown");
}
