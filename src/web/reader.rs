//! [`Reader<R>`]: everything a staff page needs to know about who asks, in one extractor —
//! the signed-in user (with a role of at least `R`), the CSRF token of the page's forms, the
//! reader's language and the page's own address, with the state to run a use case on.
//! Handlers take one `Reader` instead of five extractors, and draw the top bar from
//! [`Reader::staff`].

use crate::db::auth::User;
use crate::db::DbError;
use crate::state::AppState;
use crate::text::Lang;
use crate::ui::notice::Notice;
use crate::ui::staff::Staff;
use crate::web::extract::{here, lang_of, removal, Csrf, MinRole, SignedIn, Viewer};
use crate::web::flash;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use std::future::Future;
use std::pin::Pin;

pub struct Reader<R: MinRole = Viewer> {
    pub state: web::Data<AppState>,
    pub user: User,
    pub csrf: Csrf,
    pub lang: Lang,
    /// The page's own path and query: where the language switch returns to.
    pub here: String,
    /// What the change that led here said, carried across its redirect; read once.
    pub notice: Option<Notice>,
    signed_in: std::marker::PhantomData<R>,
}

impl<R: MinRole + 'static> FromRequest for Reader<R> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // Taken in the order handlers took them one by one, so a refusal is the same.
        let state = web::Data::<AppState>::from_request(req, payload);
        let signed_in = SignedIn::<R>::from_request(req, payload);
        let csrf = Csrf::from_request(req, payload);
        let (lang, here, req) = (lang_of(req), here(req), req.clone());
        Box::pin(async move {
            let state = state.await?;
            let user = signed_in.await.map_err(actix_web::Error::from)?.user;
            Ok(Reader {
                notice: flash::read(&req, &state.forms_key),
                state,
                user,
                csrf: csrf.await?,
                lang,
                here,
                signed_in: std::marker::PhantomData,
            })
        })
    }
}

impl<R: MinRole> Reader<R> {
    /// The top bar's view of the reader, for the page at its own address.
    pub fn staff(&self) -> Staff<'_> {
        self.staff_at(&self.here)
    }

    /// The top bar's view of the reader, for a page whose language switch returns to `here`
    /// (a page drawn after a POST returns to the page's GET address).
    pub fn staff_at<'a>(&'a self, here: &'a str) -> Staff<'a> {
        Staff {
            username: &self.user.username,
            role: self.user.role,
            csrf: &self.csrf.token,
            lang: self.lang,
            here,
        }
    }

    /// Runs a use case for this reader, off the async threads.
    pub async fn run<T, E>(
        &self,
        work: impl FnOnce(&AppState, &User) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let user = self.user.clone();
        self.state.run(move |st| work(st, &user)).await
    }

    /// A page for this reader: 200 and the pre-session cookie when the browser had none.
    pub fn page(&self, body: maud::Markup) -> HttpResponse {
        self.page_with(StatusCode::OK, body)
    }

    /// A page with another status (a form shown again with what to correct). The notice it
    /// says, if any, is said once: its cookie goes.
    pub fn page_with(&self, status: StatusCode, body: maud::Markup) -> HttpResponse {
        let mut page = self.csrf.page(status, body);
        if self.notice.is_some() {
            // A removal cookie is always a valid header.
            let _ = page.add_cookie(&removal(flash::NOTICE_COOKIE));
        }
        page
    }
}
