//! A fake ingestion endpoint on 127.0.0.1 (LangSmith `/runs/batch`, OTLP `/v1/traces`): a
//! `std::net::TcpListener`, one thread per connection, a minimal HTTP/1.1 request reader. It
//! keeps every request and answers with a status from a script, or never answers ("hanging").

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// One request received.
#[derive(Debug, Clone)]
pub struct Received {
    /// `POST`, ….
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Received {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// How the receiver answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// These statuses in order, then 200 for ever.
    Statuses(Vec<u16>),
    /// Read the request and never answer (until the receiver is dropped).
    Hang,
}

/// A running receiver; stops when dropped.
pub struct Receiver {
    addr: std::net::SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    /// Starts a receiver behaving as `behaviour`.
    pub fn start(behaviour: Behaviour) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let script = Arc::new(Mutex::new(match &behaviour {
            Behaviour::Statuses(s) => s.iter().copied().collect::<VecDeque<u16>>(),
            Behaviour::Hang => VecDeque::new(),
        }));
        let hang = matches!(behaviour, Behaviour::Hang);
        {
            let (received, stop) = (Arc::clone(&received), Arc::clone(&stop));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (received, stop, script) = (
                                Arc::clone(&received),
                                Arc::clone(&stop),
                                Arc::clone(&script),
                            );
                            std::thread::spawn(move || {
                                serve(stream, &received, &stop, &script, hang);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            });
        }
        Receiver {
            addr,
            received,
            stop,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until `done(received)` holds; returns whether it did.
    pub fn wait_until(&self, timeout: Duration, done: impl Fn(&[Received]) -> bool) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.received()) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

fn serve(
    stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    stop: &AtomicBool,
    script: &Mutex<VecDeque<u16>>,
    hang: bool,
) {
    stream.set_nonblocking(false).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    // Keep-alive: several requests per connection, until the client closes it.
    let idle_limit = Instant::now() + Duration::from_secs(60);
    while !stop.load(Ordering::Relaxed) && Instant::now() < idle_limit {
        let mut request_line = String::new();
        match reader.read_line(&mut request_line) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue;
            }
            Err(_) => return,
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        let read_deadline = Instant::now() + Duration::from_secs(10);
        let mut filled = 0;
        while filled < length && Instant::now() < read_deadline {
            match reader.read(&mut body[filled..]) {
                Ok(0) => return,
                Ok(n) => filled += n,
                Err(_) => continue,
            }
        }
        received.lock().unwrap().push(Received {
            method,
            path,
            headers,
            body,
        });
        if hang {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        let status = script.lock().unwrap().pop_front().unwrap_or(200);
        let stream = reader.get_mut();
        let answer = format!(
            "HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
        );
        if stream.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
