//! The router every feature declares its routes through: it adds them to actix and records
//! each one, so that the route table lists exactly what the server serves.

use actix_web::http::Method;
use actix_web::{guard, web, FromRequest, Handler, Responder};

/// Adds routes to actix (when it has a configuration) and records each one.
pub struct Router<'a> {
    pub(crate) cfg: Option<&'a mut web::ServiceConfig>,
    pub(crate) table: Vec<(Method, &'static str)>,
}

impl Router<'_> {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, handler: F, limit: Option<usize>)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
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

    pub fn get<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler, None);
    }

    pub fn post<F, Args>(&mut self, path: &'static str, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler, None);
    }

    /// A POST route whose form may be larger than the others (up to `limit` bytes).
    pub fn post_limited<F, Args>(&mut self, path: &'static str, handler: F, limit: usize)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler, Some(limit));
    }
}
