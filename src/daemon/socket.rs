//! The daemon's local transport: a Unix socket where each connection is one MCP session in the
//! stdio framing (newline-delimited JSON-RPC, [`framing::LineTransport`]). File permissions
//! decide who may connect: the socket is mode 0660, owned by the daemon's user and group.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rmcp::ServiceExt;
use rmcp::model::ErrorCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

use crate::framing::{self, LineTransport};
use crate::server::NocServer;
use crate::sessions::{SessionSlots, Transport};

/// Mode of the socket file: the daemon's user and group may connect, nobody else.
pub const SOCKET_MODE: u32 = 0o660;

/// Why the socket could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SocketError {
    /// Another process answers on the path.
    #[error(
        "another aruba-noc-mcp daemon is already listening on {0} (ARUBA_MCP_SOCKET); stop it \
         or choose another path"
    )]
    InUse(PathBuf),
    /// Something that is not a socket is in the way.
    #[error("{0} exists and is not a socket (ARUBA_MCP_SOCKET); remove it or choose another path")]
    NotASocket(PathBuf),
    /// The operating system refused.
    #[error("cannot listen on {path} (ARUBA_MCP_SOCKET): {source}")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// What failed.
        #[source]
        source: io::Error,
    },
}

/// A bound socket; dropping it removes the socket file.
#[derive(Debug)]
pub struct SocketListener {
    listener: UnixListener,
    path: PathBuf,
}

impl SocketListener {
    /// Binds `path` with mode [`SOCKET_MODE`], creating its directory when missing and replacing
    /// a stale socket that nobody answers on.
    pub fn bind(path: &Path) -> Result<SocketListener, SocketError> {
        let io_error = |source| SocketError::Io {
            path: path.to_path_buf(),
            source,
        };
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_socket() => {
                if std::os::unix::net::UnixStream::connect(path).is_ok() {
                    return Err(SocketError::InUse(path.to_path_buf()));
                }
                std::fs::remove_file(path).map_err(io_error)?;
            }
            Ok(_) => return Err(SocketError::NotASocket(path.to_path_buf())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error(e)),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.exists()
        {
            std::fs::create_dir_all(dir).map_err(io_error)?;
        }
        let listener = UnixListener::bind(path).map_err(io_error)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(SOCKET_MODE))
            .map_err(io_error)?;
        Ok(SocketListener {
            listener,
            path: path.to_path_buf(),
        })
    }

    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Accepts connections until the task is aborted: each becomes a session of a handler made
    /// from `server`, ended by `stop`; beyond the session limit a connection gets one JSON-RPC
    /// error line and is closed.
    pub async fn serve(
        &self,
        server: NocServer,
        slots: Arc<SessionSlots>,
        stop: CancellationToken,
    ) {
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "MCP socket: accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            match slots.open_or_reclaim(Transport::Socket).await {
                Ok(slot) => {
                    let handler = server.for_session(Some(slot));
                    tokio::spawn(session(stream, handler, stop.child_token()));
                }
                Err(limit) => {
                    tracing::warn!(error = %limit, "MCP socket: session refused");
                    tokio::spawn(refuse(stream, limit.to_string()));
                }
            }
        }
    }
}

impl Drop for SocketListener {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), error = %e, "MCP socket: cannot remove the socket file");
        }
    }
}

/// Serves one MCP session on `stream` until the client leaves or `stop` is cancelled.
async fn session(stream: UnixStream, handler: NocServer, stop: CancellationToken) {
    let (read, write) = stream.into_split();
    tracing::info!(transport = "socket", "MCP session opened");
    match handler
        .serve_with_ct(LineTransport::new(read, write), stop)
        .await
    {
        Ok(running) => {
            if let Err(e) = running.waiting().await {
                tracing::debug!(error = %e, "MCP socket session ended with an error");
            }
        }
        Err(e) => tracing::debug!(error = %e, "MCP socket session ended before initialisation"),
    }
    tracing::info!(transport = "socket", "MCP session closed");
}

/// Tells a client beyond the limit why, then closes its connection.
async fn refuse(mut stream: UnixStream, reason: String) {
    let line = framing::error_line(ErrorCode(-32000), &reason, None);
    let answer = async {
        stream.write_all(&line).await?;
        stream.shutdown().await?;
        // Closing with unread input would reset the connection before the client reads the
        // answer: read what it sent until it closes too.
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), io::Error>(())
    };
    // The client may be gone already; the refusal is best effort and bounded.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), answer).await;
}
