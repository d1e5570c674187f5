//! The accept loop for one emulated host: HTTP/1.1 via hyper, one task per
//! connection, graceful shutdown, and the `close` fault (a response marked
//! `CloseConnection` makes the connection drop without writing anything).

use crate::faults::CloseConnection;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// Serves `router` on `listener` until `shutdown` flips (or its sender drops).
pub async fn serve(listener: TcpListener, router: Router, mut shutdown: watch::Receiver<bool>) {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let close = Arc::new(Notify::new());
                let close_svc = close.clone();
                let router = router.clone();
                let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let router = router.clone();
                    let close = close_svc.clone();
                    async move {
                        let resp = match router.oneshot(req).await {
                            Ok(r) => r,
                            Err(never) => match never {},
                        };
                        if resp.extensions().get::<CloseConnection>().is_some() {
                            close.notify_one();
                            std::future::pending::<()>().await;
                        }
                        Ok::<_, Infallible>(resp)
                    }
                });
                let conn = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), svc);
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    tokio::select! {
                        _ = conn => {}
                        _ = close.notified() => {}
                    }
                });
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(2), graceful.shutdown()).await;
}
