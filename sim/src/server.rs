//! Listeners: a socket is bound at start (so its port is known) and listened
//! on at once or after a delay (until then, connecting is refused, as with
//! IMDS early at boot); an accept loop serves each connection with hyper's
//! HTTP/1.1, over TLS when asked. A cancellation token stops everything.

use crate::http::SimBody;
use crate::state::State;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Pending connections the kernel may queue (capped by `somaxconn`): a
/// thousand clients may connect at once.
const BACKLOG: u32 = 4096;
/// A client that has not sent its headers by then is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Which service a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Handler {
    Imds,
    Route53,
}

/// A bound, not yet listening, socket.
#[derive(Debug)]
pub(crate) struct Bound {
    socket: TcpSocket,
    pub(crate) addr: SocketAddr,
}

pub(crate) fn bind(addr: SocketAddr) -> io::Result<Bound> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    let addr = socket.local_addr()?;
    Ok(Bound { socket, addr })
}

/// Everything a listener task needs.
pub(crate) struct Listener {
    pub(crate) bound: Bound,
    pub(crate) listen_after: Duration,
    pub(crate) tls: Option<TlsAcceptor>,
    pub(crate) handler: Handler,
}

/// Starts serving on `tracker`; stops when `cancel` fires. Without a delay
/// the socket listens before this returns, so clients can connect at once.
pub(crate) fn spawn(
    listener: Listener,
    state: Arc<State>,
    cancel: CancellationToken,
    tracker: TaskTracker,
) -> io::Result<()> {
    let Listener {
        bound,
        listen_after,
        tls,
        handler,
    } = listener;
    let addr = bound.addr;
    let (now, later) = if listen_after.is_zero() {
        (Some(bound.socket.listen(BACKLOG)?), None)
    } else {
        (None, Some(bound.socket))
    };
    let inner_tracker = tracker.clone();
    tracker.spawn(async move {
        let tcp = match (now, later) {
            (Some(tcp), _) => tcp,
            (None, Some(socket)) => {
                tracing::info!(?handler, %addr, ?listen_after, "refusing connections for a while");
                tokio::select! {
                    () = tokio::time::sleep(listen_after) => {}
                    () = cancel.cancelled() => return,
                }
                match socket.listen(BACKLOG) {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::error!(?handler, %addr, error = %e, "cannot listen");
                        return;
                    }
                }
            }
            (None, None) => return,
        };
        tracing::debug!(?handler, %addr, "listening");
        loop {
            let accepted = tokio::select! {
                r = tcp.accept() => r,
                () = cancel.cancelled() => break,
            };
            let stream = match accepted {
                Ok((stream, _peer)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::warn!(?handler, error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            inner_tracker.spawn(connection(
                stream,
                tls.clone(),
                handler,
                state.clone(),
                cancel.clone(),
            ));
        }
    });
    Ok(())
}

async fn connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    handler: Handler,
    state: Arc<State>,
    cancel: CancellationToken,
) {
    match tls {
        None => serve(stream, handler, state, cancel).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
            let tls_stream = tokio::select! {
                r = handshake => match r {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                },
                () = cancel.cancelled() => return,
            };
            serve(tls_stream, handler, state, cancel).await;
        }
    }
}

async fn serve<S>(stream: S, handler: Handler, state: Arc<State>, cancel: CancellationToken)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req: Request<Incoming>| {
        let state = state.clone();
        async move {
            let resp: Response<SimBody> = match handler {
                Handler::Imds => crate::imds::handle(state, req).await,
                Handler::Route53 => crate::route53::handle(state, req).await,
            };
            Ok::<_, Infallible>(resp)
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        r = conn => {
            if let Err(e) = r {
                tracing::trace!(error = %e, "connection ended with an error");
            }
        }
        () = cancel.cancelled() => {}
    }
}
