//! The interviewer app: its page, the pack a tablet downloads, and the static files that let
//! it work offline (script, service worker, manifest).

use crate::features::interviewer::{page, service};
use crate::ui::assets;
use crate::web::extract::Surveyor;
use crate::web::reader::Reader;
use actix_web::HttpResponse;

/// The app page: signed in once, it keeps working from the tablet's cache.
pub async fn app(desk: Reader<Surveyor>) -> HttpResponse {
    desk.page(page::app(&desk.staff()))
}

/// The surveys, units and key a tablet needs to interview offline.
pub async fn pack(desk: Reader<Surveyor>) -> HttpResponse {
    let pack = service::pack(&desk.state, &desk.user, &desk.csrf.token);
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(pack)
}

/// The app's script (forms rendered, checked, kept and sent on the tablet).
pub async fn script() -> HttpResponse {
    crate::web::assets::script(assets::INTERVIEWER_JS)
}

/// The app's own service worker, for the app's addresses only (not the kiosk's): always
/// asked for afresh, so a new build reaches tablets.
pub async fn worker() -> HttpResponse {
    crate::web::assets::worker(assets::interviewer_sw(), "/phong-van")
}

/// The web app manifest: the app installs on a tablet's home screen.
pub async fn manifest() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header(("Cache-Control", "no-cache"))
        .body(page::MANIFEST)
}

/// The app's icon (its address is in the manifest, unversioned: asked for afresh).
pub async fn icon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "no-cache"))
        .body(page::ICON)
}
