//! Administration: users, kiosks and API tokens, within the admin's unit.

pub mod page;
pub mod routes;
pub mod service;

use crate::web::router::Router;

/// The feature's routes, declared through the router the route table builds.
pub fn routes(r: &mut Router) {
    r.get("/admin", routes::home);
    r.get("/admin/users", routes::users);
    r.post("/admin/users", routes::add_user);
    r.post("/admin/users/{id}/role", routes::change_user);
    r.post("/admin/users/{id}/password", routes::reset_password);
    r.post("/admin/users/{id}/disable", routes::disable_user);
    r.post("/admin/users/{id}/enable", routes::enable_user);
    r.get("/admin/kiosks", routes::kiosks);
    r.post("/admin/kiosks", routes::add_kiosk);
    r.post("/admin/kiosks/{id}/revoke", routes::revoke_kiosk);
    r.get("/admin/tokens", routes::tokens);
    r.post("/admin/tokens", routes::create_token);
    r.post("/admin/tokens/{id}/revoke", routes::revoke_token);
}
