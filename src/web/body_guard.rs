//! Every request body arrives within a deadline and under a size cap, whatever the route:
//! a client trickling a few bytes a second cannot hold a connection (and a worker) for
//! minutes, and no body larger than the largest any page accepts is read at all. Routes keep
//! their own, smaller limits (forms, the API, uploads); this is the outer bound.

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use actix_web::HttpMessage;
use futures_util::Stream;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// What cut a body off, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The body did not arrive in time.
    Slow,
    /// The body was larger than the cap.
    Large,
}

/// Told after the handler ran whether the body was cut off.
#[derive(Clone, Default)]
pub struct Watch(Arc<AtomicU8>);

impl Watch {
    pub fn cut(&self) -> Option<Cut> {
        match self.0.load(Ordering::Relaxed) {
            1 => Some(Cut::Slow),
            2 => Some(Cut::Large),
            _ => None,
        }
    }

    fn set(&self, cut: Cut) {
        let v = match cut {
            Cut::Slow => 1,
            Cut::Large => 2,
        };
        self.0.store(v, Ordering::Relaxed);
    }
}

/// The length the client declares, if any.
pub fn declared_length(req: &ServiceRequest) -> Option<u64> {
    req.headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

fn has_body(req: &ServiceRequest) -> bool {
    declared_length(req).is_some_and(|n| n > 0) || req.headers().contains_key(TRANSFER_ENCODING)
}

/// Puts the request's body under `deadline` (from now) and `cap` bytes. The handler sees a
/// read error when either is passed; the returned watch says which.
pub fn guard(req: &mut ServiceRequest, deadline: Duration, cap: u64) -> Watch {
    let watch = Watch::default();
    if !has_body(req) {
        return watch;
    }
    let mut inner = req.take_payload();
    let mut sleep = Box::pin(actix_web::rt::time::sleep(deadline));
    let mut seen: u64 = 0;
    let mut done = false;
    let w = watch.clone();
    let stream = futures_util::stream::poll_fn(move |cx| {
        if done {
            return Poll::Ready(None);
        }
        if sleep.as_mut().poll(cx).is_ready() {
            done = true;
            w.set(Cut::Slow);
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            )))));
        }
        match Pin::new(&mut inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                seen += chunk.len() as u64;
                if seen > cap {
                    done = true;
                    w.set(Cut::Large);
                    return Poll::Ready(Some(Err(PayloadError::Overflow)));
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    });
    let boxed: Pin<Box<dyn Stream<Item = Result<actix_web::web::Bytes, PayloadError>>>> =
        Box::pin(stream);
    req.set_payload(Payload::from(boxed));
    watch
}
