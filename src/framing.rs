//! Newline-delimited JSON-RPC, the framing of stdio (`serve`) and of the daemon's Unix socket:
//! an rmcp [`Transport`] over any byte stream.
//!
//! rmcp's own stream transport silently drops a line that is not JSON. JSON-RPC 2.0 §5.1 asks
//! for an answer, `{"jsonrpc":"2.0","error":{"code":-32700,…},"id":null}`, so this one sends it,
//! at most [`ERROR_REPLIES_PER_SECOND`] a second (a peer that echoes errors back as garbage
//! cannot start a storm), and keeps the session alive. Well-formed JSON that is not a JSON-RPC
//! message gets -32600 with the request's `id` when it has one; an unknown notification is
//! ignored, as rmcp does. A line longer than [`MAX_LINE_BYTES`] is discarded without being
//! buffered (bounded memory per session) and answered with -32600.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use rmcp::RoleServer;
use rmcp::model::{ErrorCode, NumberOrString, RequestId};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

/// Longest message accepted on one line; longer lines are discarded as they stream in.
pub const MAX_LINE_BYTES: usize = 1024 * 1024;
/// Error replies to unparsable or invalid lines sent per second at most; the rest are dropped.
pub const ERROR_REPLIES_PER_SECOND: u32 = 10;

/// The JSON-RPC error line for input that is not JSON (`-32700`, `id: null`).
pub fn parse_error_line() -> Vec<u8> {
    error_line(
        ErrorCode::PARSE_ERROR,
        "Parse error: the message is not valid JSON",
        None,
    )
}

/// A JSON-RPC error response line. Written by hand because rmcp leaves out an absent `id`,
/// while JSON-RPC 2.0 §5 requires `"id": null` when the request's id could not be read.
pub fn error_line(code: ErrorCode, message: &str, id: Option<RequestId>) -> Vec<u8> {
    let id = id.map_or(Value::Null, |id| match id {
        NumberOrString::Number(n) => Value::from(n),
        NumberOrString::String(s) => Value::from(s.to_string()),
    });
    let error = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code.0, "message": message},
    });
    let mut line = serde_json::to_vec(&error).unwrap_or_default();
    line.push(b'\n');
    line
}

/// Newline-delimited JSON-RPC over a reader and a writer.
pub struct LineTransport<R, W> {
    read: BufReader<R>,
    line: Vec<u8>,
    /// Dropping the rest of an oversized line until its newline.
    discarding: bool,
    write: Arc<Mutex<Option<W>>>,
    replies: ReplyBudget,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// A transport reading messages from `read` and writing them to `write`.
    pub fn new(read: R, write: W) -> LineTransport<R, W> {
        LineTransport {
            read: BufReader::new(read),
            line: Vec::new(),
            discarding: false,
            write: Arc::new(Mutex::new(Some(write))),
            replies: ReplyBudget::default(),
        }
    }

    /// Reads one line into `self.line`, never holding more than [`MAX_LINE_BYTES`]. Cancel-safe:
    /// a partial line stays in `self.line` for the next call.
    async fn read_line(&mut self) -> io::Result<Line> {
        loop {
            let (take, ended, outcome) = {
                let available = self.read.fill_buf().await?;
                if available.is_empty() {
                    return Ok(Line::Eof);
                }
                let newline = available.iter().position(|b| *b == b'\n');
                let take = newline.map_or(available.len(), |at| at + 1);
                let outcome = if self.discarding {
                    None
                } else if self.line.len() + take > MAX_LINE_BYTES {
                    self.line.clear();
                    Some(Line::Oversized)
                } else {
                    self.line
                        .extend_from_slice(available.get(..take).unwrap_or_default());
                    newline.map(|_| Line::Complete)
                };
                (take, newline.is_some(), outcome)
            };
            self.read.consume(take);
            match outcome {
                // The rest of an oversized line is dropped as it arrives, up to its newline.
                Some(Line::Oversized) => {
                    self.discarding = !ended;
                    return Ok(Line::Oversized);
                }
                Some(line) => return Ok(line),
                None if self.discarding && ended => self.discarding = false,
                None => {}
            }
        }
    }

    /// Writes an error line, within the reply budget.
    async fn reply(&mut self, line: Vec<u8>) -> io::Result<()> {
        if !self.replies.take() {
            tracing::debug!("invalid MCP input: error reply budget spent, not answering");
            return Ok(());
        }
        write_line(&self.write, &line).await
    }
}

enum Line {
    Complete,
    Oversized,
    Eof,
}

async fn write_line<W: AsyncWrite + Unpin>(
    write: &Mutex<Option<W>>,
    line: &[u8],
) -> io::Result<()> {
    let mut guard = write.lock().await;
    let Some(writer) = guard.as_mut() else {
        return Err(io::Error::new(
            io::ErrorKind::NotConnected,
            "the MCP transport is closed",
        ));
    };
    writer.write_all(line).await?;
    writer.flush().await
}

/// What one complete line is.
enum Parsed {
    Message(Box<RxJsonRpcMessage<RoleServer>>),
    /// Nothing to do (blank line, unknown notification).
    Skip,
    /// Answer with this error line.
    Reply(Vec<u8>),
}

fn parse(line: &[u8]) -> Parsed {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    if line.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Skip;
    }
    match serde_json::from_slice::<RxJsonRpcMessage<RoleServer>>(line) {
        Ok(message) => Parsed::Message(Box::new(message)),
        Err(e) if e.is_syntax() || e.is_eof() => Parsed::Reply(parse_error_line()),
        Err(_) => {
            let Ok(value) = serde_json::from_slice::<Value>(line) else {
                return Parsed::Reply(parse_error_line());
            };
            let id = request_id(&value);
            if id.is_none() && value.get("method").is_some() {
                // A notification this server does not know: never answered (JSON-RPC §4.1).
                return Parsed::Skip;
            }
            Parsed::Reply(error_line(
                ErrorCode::INVALID_REQUEST,
                "Invalid Request: not a JSON-RPC 2.0 message this server accepts",
                id,
            ))
        }
    }
}

/// The `id` of a message that has a usable one.
fn request_id(value: &Value) -> Option<RequestId> {
    match value.get("id")? {
        Value::String(s) => Some(NumberOrString::String(s.as_str().into())),
        Value::Number(n) => n.as_i64().map(NumberOrString::Number),
        _ => None,
    }
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), io::Error>> + Send + 'static {
        let write = Arc::clone(&self.write);
        async move {
            let mut line = serde_json::to_vec(&item).map_err(io::Error::other)?;
            line.push(b'\n');
            write_line(&write, &line).await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let read = match self.read_line().await {
                Ok(read) => read,
                Err(e) => {
                    tracing::debug!(error = %e, "MCP input could not be read; ending the session");
                    return None;
                }
            };
            let answer = match read {
                Line::Eof => return None,
                Line::Oversized => {
                    tracing::warn!(
                        max_bytes = MAX_LINE_BYTES,
                        "MCP message longer than the limit discarded"
                    );
                    error_line(
                        ErrorCode::INVALID_REQUEST,
                        "Invalid Request: message longer than 1 MiB",
                        None,
                    )
                }
                Line::Complete => {
                    let parsed = parse(&self.line);
                    self.line.clear();
                    match parsed {
                        Parsed::Message(message) => return Some(*message),
                        Parsed::Skip => continue,
                        Parsed::Reply(line) => {
                            tracing::debug!("invalid MCP input answered with a JSON-RPC error");
                            line
                        }
                    }
                }
            };
            if self.reply(answer).await.is_err() {
                return None;
            }
        }
    }

    async fn close(&mut self) -> Result<(), io::Error> {
        let writer = self.write.lock().await.take();
        if let Some(mut writer) = writer {
            // The peer may be gone already; closing is best effort.
            let _ = writer.shutdown().await;
        }
        Ok(())
    }
}

/// A per-second allowance of error replies.
#[derive(Debug)]
struct ReplyBudget {
    window: Instant,
    used: u32,
}

impl Default for ReplyBudget {
    fn default() -> ReplyBudget {
        ReplyBudget {
            window: Instant::now(),
            used: 0,
        }
    }
}

impl ReplyBudget {
    fn take(&mut self) -> bool {
        if self.window.elapsed() >= std::time::Duration::from_secs(1) {
            self.window = Instant::now();
            self.used = 0;
        }
        self.used += 1;
        self.used <= ERROR_REPLIES_PER_SECOND
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn reply_text(parsed: Parsed) -> Value {
        match parsed {
            Parsed::Reply(line) => serde_json::from_slice(&line).unwrap(),
            Parsed::Message(_) => panic!("parsed as a message"),
            Parsed::Skip => panic!("skipped"),
        }
    }

    #[test]
    fn garbage_is_a_parse_error_with_a_null_id() {
        let v = reply_text(parse(b"this is not json\n"));
        assert_eq!(v["error"]["code"], -32700);
        assert_eq!(v.get("id"), Some(&Value::Null), "{v}");
        assert_eq!(v["jsonrpc"], "2.0");
        let v = reply_text(parse(b"{\"jsonrpc\":\"2.0\",\"id\":1,\n"));
        assert_eq!(v["error"]["code"], -32700);
    }

    #[test]
    fn json_that_is_not_a_message_is_an_invalid_request_with_its_id() {
        let v = reply_text(parse(br#"{"jsonrpc":"2.0","id":7,"result":5,"error":{}}"#));
        assert_eq!(v["error"]["code"], -32600);
        assert_eq!(v["id"], 7);
        let v = reply_text(parse(b"[1,2,3]"));
        assert_eq!(v["error"]["code"], -32600);
        assert_eq!(v["id"], Value::Null);
    }

    #[test]
    fn blank_lines_and_unknown_notifications_are_skipped() {
        assert!(matches!(parse(b"\r\n"), Parsed::Skip));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","method":"notifications/made_up","params":5}"#),
            Parsed::Skip
        ));
        assert!(matches!(
            parse(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#),
            Parsed::Message(_)
        ));
    }

    #[test]
    fn the_reply_budget_caps_error_replies_per_second() {
        let mut budget = ReplyBudget::default();
        let granted = (0..100).filter(|_| budget.take()).count();
        assert_eq!(granted, ERROR_REPLIES_PER_SECOND as usize);
    }

    #[tokio::test]
    async fn a_session_survives_garbage_and_an_oversized_line() {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let (server_read, server_write) = tokio::io::split(server);
        let (mut client_read, mut client_write) = tokio::io::split(client);
        let mut transport = LineTransport::new(server_read, server_write);
        let writer = tokio::spawn(async move {
            client_write.write_all(b"garbage\n").await.unwrap();
            let big = vec![b'x'; MAX_LINE_BYTES + 10];
            client_write.write_all(&big).await.unwrap();
            client_write.write_all(b"\n").await.unwrap();
            client_write
                .write_all(b"{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"ping\"}\n")
                .await
                .unwrap();
            client_write
        });
        let message = transport.receive().await.expect("the ping after the junk");
        assert!(matches!(
            message,
            RxJsonRpcMessage::<RoleServer>::Request(_)
        ));
        let _client_write = writer.await.unwrap();
        let mut answers = vec![0u8; 4096];
        let n = client_read.read(&mut answers).await.unwrap();
        let text = String::from_utf8_lossy(&answers[..n]);
        let lines: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[0]["error"]["code"], -32700);
        assert_eq!(lines[1]["error"]["code"], -32600);
    }
}
