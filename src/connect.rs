//! `aruba-noc-mcp connect`: what a local MCP client launches to use the daemon. It copies stdin
//! to the daemon's socket and the socket to stdout, unchanged, with blocking reads on two
//! threads (no runtime, no configuration, no credentials, no listener), so it stays small and
//! adds little latency.

use std::io::{self, Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Why `connect` could not relay.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// Nothing listens on the socket.
    #[error(
        "no aruba-noc-mcp daemon is listening on {path} ({source}). Start the service \
         (`sudo systemctl start aruba-noc-mcp`, or run `aruba-noc-mcp daemon`), point \
         --socket or ARUBA_MCP_SOCKET at its socket, or let the MCP client run \
         `aruba-noc-mcp serve` (standalone) or `aruba-noc-mcp connect --fallback`"
    )]
    NoDaemon {
        /// The socket path tried.
        path: PathBuf,
        /// What connecting said.
        source: io::Error,
    },
    /// The socket exists, but this user may not use it.
    #[error(
        "not allowed to connect to {path} ({source}); the socket is for the aruba-noc-mcp \
         group: `sudo adduser $USER aruba-noc-mcp`, then log in again"
    )]
    Denied {
        /// The socket path tried.
        path: PathBuf,
        /// What connecting said.
        source: io::Error,
    },
    /// The relay broke.
    #[error("relay to {path} failed: {source}")]
    Relay {
        /// The socket path.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// The daemon ended the session while the client was still connected.
    #[error(
        "the daemon on {0} closed the session (it may be stopping or restarting: \
         `journalctl -u aruba-noc-mcp`)"
    )]
    Closed(PathBuf),
}

impl ConnectError {
    /// Whether running standalone instead (`--fallback`) makes sense: nobody listens.
    pub fn no_daemon(&self) -> bool {
        matches!(self, ConnectError::NoDaemon { .. })
    }
}

/// Connects to the daemon at `path`.
pub fn open(path: &Path) -> Result<UnixStream, ConnectError> {
    UnixStream::connect(path).map_err(|source| match source.kind() {
        io::ErrorKind::PermissionDenied => ConnectError::Denied {
            path: path.to_path_buf(),
            source,
        },
        _ => ConnectError::NoDaemon {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Relays stdin to `stream` and `stream` to stdout until the daemon closes the connection.
/// Returns `Ok` when the client closed stdin first (a normal end).
pub fn relay(stream: UnixStream, path: &Path) -> Result<(), ConnectError> {
    let relay_error = |source| ConnectError::Relay {
        path: path.to_path_buf(),
        source,
    };
    let input_done = Arc::new(AtomicBool::new(false));
    let mut to_daemon = stream.try_clone().map_err(relay_error)?;
    let done = Arc::clone(&input_done);
    std::thread::Builder::new()
        .name("stdin".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let copied = io::copy(&mut io::stdin().lock(), &mut to_daemon);
            done.store(true, Ordering::Release);
            // The daemon ends the session when its input ends.
            let _ = to_daemon.shutdown(Shutdown::Write);
            copied
        })
        .map_err(relay_error)?;
    let mut from_daemon = stream;
    let mut stdout = io::stdout().lock();
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match from_daemon.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(relay_error(e)),
        };
        let chunk = buffer.get(..n).unwrap_or_default();
        if let Err(e) = stdout.write_all(chunk).and_then(|()| stdout.flush()) {
            // The client went away: nothing left to relay to.
            return if e.kind() == io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(relay_error(e))
            };
        }
    }
    if input_done.load(Ordering::Acquire) {
        Ok(())
    } else {
        Err(ConnectError::Closed(path.to_path_buf()))
    }
}
