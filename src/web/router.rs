//! The router the route table declares every route through: it adds them to actix and records
//! each one, so that the route table lists exactly what the server serves.

use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, Responder};

/// A handler the router can serve: an actix handler whose answer is a response.
pub trait Answers<Args>: Handler<Args, Output: Responder + 'static> {}

impl<F: Handler<Args, Output: Responder + 'static>, Args> Answers<Args> for F {}

/// Adds routes to actix (when it has a configuration) and records each one.
pub struct Router<'a> {
    pub(crate) cfg: Option<&'a mut web::ServiceConfig>,
    pub(crate) table: Vec<(Method, &'static str)>,
}

impl Router<'_> {
    fn add<Args: FromRequest + 'static>(
        &mut self,
        method: Method,
        path: &'static str,
        handler: impl Answers<Args>,
        limit: Option<usize>,
    ) {
        self.table.push((method.clone(), path));
        if let Some(cfg) = self.cfg.as_deref_mut() {
            // HEAD answers wherever GET does (the body is dropped in `hygiene`).
            let route = if method == Method::GET {
                web::route()
                    .guard(guard::Any(guard::Get()).or(guard::Head()))
                    .to(handler)
            } else {
                web::method(method).to(handler)
            };
            match limit {
                Some(limit) => {
                    cfg.service(
                        web::resource(path)
                            .app_data(web::FormConfig::default().limit(limit))
                            .route(route),
                    );
                }
                None => {
                    cfg.route(path, route);
                }
            }
        }
    }

    pub fn get<Args: FromRequest + 'static>(&mut self, path: &'static str, h: impl Answers<Args>) {
        self.add(Method::GET, path, h, None);
    }

    pub fn post<Args: FromRequest + 'static>(&mut self, path: &'static str, h: impl Answers<Args>) {
        self.add(Method::POST, path, h, None);
    }

    /// A POST route whose form may be larger than the others (up to `limit` bytes).
    pub fn post_limited<Args: FromRequest + 'static>(
        &mut self,
        path: &'static str,
        h: impl Answers<Args>,
        limit: usize,
    ) {
        self.add(Method::POST, path, h, Some(limit));
    }
}
