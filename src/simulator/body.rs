//! The response body type: a whole body, or (fault injection) a body cut short.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// How long a truncated body waits after its partial data before failing, so hyper flushes
/// that data to the socket before it drops the connection.
const FLUSH_PAUSE: Duration = Duration::from_millis(20);

/// A response body.
#[derive(Debug)]
pub(crate) enum SimBody {
    /// The whole body, sent with a matching `Content-Length`.
    Full(Option<Bytes>),
    /// Part of a body whose declared `Content-Length` is larger: the part is sent, then the
    /// body fails and hyper closes the connection.
    Truncated {
        /// Data not yet handed to hyper.
        part: Option<Bytes>,
        /// Pause between the data and the failure.
        pause: Pin<Box<tokio::time::Sleep>>,
    },
}

impl SimBody {
    /// A complete body.
    pub(crate) fn full(bytes: Bytes) -> Self {
        Self::Full((!bytes.is_empty()).then_some(bytes))
    }

    /// A body that sends `part` and then breaks the connection.
    pub(crate) fn truncated(part: Bytes) -> Self {
        Self::Truncated {
            part: (!part.is_empty()).then_some(part),
            pause: Box::pin(tokio::time::sleep(FLUSH_PAUSE)),
        }
    }
}

impl Body for SimBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            Self::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Self::Truncated { part, pause } => {
                if let Some(b) = part.take() {
                    return Poll::Ready(Some(Ok(Frame::data(b))));
                }
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "injected fault: body truncated",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, Self::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            Self::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            // Unknown, so hyper frames the body with the explicit `Content-Length` header.
            Self::Truncated { .. } => SizeHint::default(),
        }
    }
}
