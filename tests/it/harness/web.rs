//! The app as its callers reach it over HTTP, one kind of caller a type: [`Anonymous`] (anyone,
//! not signed in), [`Citizen`] (a kiosk's screen), [`Staff`] (a signed-in surveyor,
//! supervisor, viewer or admin, with the session and CSRF token a browser holds) and
//! [`Token`] (a program with an API token). Each sends what that caller's browser or client
//! would, so tests read as what a user does:
//!
//! ```ignore
//! let web = service!(app);
//! let lan = web.supervisor("lan").await;
//! let page = lan.post_form("/admin/users", &[("username", "hoa"), ("role", "viewer")]).await;
//! assert_eq!(page.status, StatusCode::SEE_OTHER);
//! ```
//!
//! Tests whose point is a malformed request (a wrong method, a missing header or token) build
//! it themselves with `TestRequest` and send it with [`Web::send`].

use super::{csrf_field, ADMIN_PASSWORD, USER_PASSWORD};
use actix_web::body::BoxBody;
use actix_web::cookie::Cookie;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

type Reply = Pin<Box<dyn Future<Output = Result<ServiceResponse, actix_web::Error>>>>;

/// The app's service, built as the server builds it (see `service!`); cheap to clone.
#[derive(Clone)]
pub struct Web {
    call: Rc<dyn Fn(TestRequest) -> Reply>,
}

impl Web {
    /// `svc` is what `test::init_service` builds; `finish` is `TestRequest::to_request` (its
    /// request type is actix-http's, which this crate does not name).
    pub fn new<S, B, R>(svc: S, finish: fn(TestRequest) -> R) -> Web
    where
        S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
        B: actix_web::body::MessageBody + 'static,
        R: 'static,
    {
        let svc = Rc::new(svc);
        Web {
            call: Rc::new(move |req| {
                let svc = svc.clone();
                let req = finish(req);
                Box::pin(async move { svc.call(req).await.map(|r| r.map_into_boxed_body()) })
            }),
        }
    }

    /// Sends a request a test built itself; the response as the service gives it.
    pub async fn call(&self, req: TestRequest) -> ServiceResponse {
        (self.call)(req).await.expect("the service answers")
    }

    /// Sends a request a test built itself, and reads the answer.
    pub async fn send(&self, req: TestRequest) -> Answer {
        Answer::read(self.call(req).await).await
    }

    pub fn anonymous(&self) -> Anonymous {
        Anonymous {
            web: self.clone(),
            lang: None,
        }
    }

    /// The screen of the kiosk with URL token `token`.
    pub fn citizen(&self, token: &str) -> Citizen {
        Citizen {
            web: self.clone(),
            token: token.to_string(),
        }
    }

    /// A program calling the API with `token`.
    pub fn token(&self, token: &str) -> Token {
        Token {
            web: self.clone(),
            token: token.to_string(),
        }
    }

    /// The built-in admin, signed in.
    pub async fn admin(&self) -> Staff {
        self.sign_in("admin", ADMIN_PASSWORD).await
    }

    /// A surveyor the test added with `with_user`, signed in.
    pub async fn surveyor(&self, name: &str) -> Staff {
        self.sign_in(name, USER_PASSWORD).await
    }

    /// A supervisor the test added with `with_user`, signed in.
    pub async fn supervisor(&self, name: &str) -> Staff {
        self.sign_in(name, USER_PASSWORD).await
    }

    /// A viewer the test added with `with_user`, signed in.
    pub async fn viewer(&self, name: &str) -> Staff {
        self.sign_in(name, USER_PASSWORD).await
    }

    /// Signs `name` in through the login form, which must let them in.
    pub async fn sign_in(&self, name: &str, password: &str) -> Staff {
        let (status, staff) = self.try_sign_in(name, password).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{name} signs in");
        staff
    }

    /// Tries to sign in through the login form as a browser does (the pre-session cookie and
    /// the token of the login page): the status, and the browser (its session empty when
    /// refused). Forms are bound to the session, so the token is read from a signed-in page.
    pub async fn try_sign_in(&self, name: &str, password: &str) -> (StatusCode, Staff) {
        let (pre, token) = self.login_page().await;
        let answer = self.send(login_request(&pre, &token, name, password)).await;
        let session = answer.cookie("chiso_session").unwrap_or_default();
        let csrf = if session.is_empty() {
            String::new()
        } else {
            let page = self
                .send(
                    TestRequest::get()
                        .uri("/scores")
                        .cookie(Cookie::new("chiso_session", session.clone())),
                )
                .await;
            csrf_field(&page.text)
        };
        let staff = Staff {
            web: self.clone(),
            session,
            csrf,
            lang: None,
        };
        (answer.status, staff)
    }
}

const FORM: &str = "application/x-www-form-urlencoded";

impl Web {
    /// The sign-in page as a browser first gets it: its pre-session cookie and the token of
    /// its form.
    pub async fn login_page(&self) -> (String, String) {
        let login = self.anonymous().get("/login").await;
        let pre = login.cookie("chiso_csrf").expect("a pre-session cookie");
        (pre, csrf_field(&login.text))
    }
}

/// The sign-in form posted with the pre-session cookie `pre` and the form's `token`, for
/// tests that shape the rest of the request themselves.
pub fn login_request(pre: &str, token: &str, name: &str, password: &str) -> TestRequest {
    let form =
        serde_urlencoded::to_string([("csrf", token), ("username", name), ("password", password)])
            .unwrap();
    TestRequest::post()
        .uri("/login")
        .cookie(Cookie::new("chiso_csrf", pre.to_string()))
        .insert_header(("Content-Type", FORM))
        .set_payload(form)
}

/// An answer as the caller reads it.
pub struct Answer {
    pub status: StatusCode,
    /// The body as text (pages, CSV, JSON).
    pub text: String,
    /// Where a redirect leads.
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub cookies: Vec<Cookie<'static>>,
    pub bytes: actix_web::web::Bytes,
}

impl Answer {
    pub async fn read(resp: ServiceResponse<BoxBody>) -> Answer {
        let status = resp.status();
        let headers = resp.headers().clone();
        let location = headers
            .get("Location")
            .map(|l| l.to_str().unwrap().to_string());
        let cookies = resp.response().cookies().map(|c| c.into_owned()).collect();
        let bytes = test::read_body(resp).await;
        Answer {
            status,
            text: String::from_utf8_lossy(&bytes).into_owned(),
            location,
            headers,
            cookies,
            bytes,
        }
    }

    /// The text of an answer that must have `status` (the text shown if it has another).
    #[track_caller]
    pub fn text_with(self, status: StatusCode) -> String {
        assert_eq!(self.status, status, "{}", self.text);
        self.text
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|e| panic!("{e}: not JSON ({}): {}", self.status, self.text))
    }

    /// The body as JSON, or null when it is none (an empty or HTML answer).
    pub fn json_or_null(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or(Value::Null)
    }

    /// A header's value, empty when absent.
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    /// The value of a cookie the answer sets.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }
}

fn form_body<K: AsRef<str>, V: AsRef<str>>(fields: &[(K, V)], csrf: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    if let Some(csrf) = csrf {
        pairs.push(("csrf", csrf));
    }
    serde_urlencoded::to_string(&pairs).unwrap()
}

fn post(path: &str, content_type: &str, body: impl Into<actix_web::web::Bytes>) -> TestRequest {
    TestRequest::post()
        .uri(path)
        .insert_header(("Content-Type", content_type.to_string()))
        .set_payload(body.into())
}

/// What every kind of caller does alike; each kind says only what its requests carry (its
/// cookies, its token) and whether its forms hold a CSRF token. After crates.io's
/// `RequestHelper`.
#[allow(async_fn_in_trait)]
pub trait RequestHelper {
    fn web(&self) -> &Web;

    /// `req` with what this caller always sends.
    fn dress(&self, req: TestRequest) -> TestRequest;

    /// The token this caller's forms carry, if they carry one.
    fn csrf(&self) -> Option<&str> {
        None
    }

    async fn get(&self, path: impl AsRef<str>) -> Answer {
        self.web()
            .send(self.dress(TestRequest::get().uri(path.as_ref())))
            .await
    }

    /// A page asked for with one header of the browser's (a conditional, say).
    async fn get_with(&self, path: impl AsRef<str>, header: (&str, &str)) -> Answer {
        let (name, value) = header;
        let req = TestRequest::get()
            .uri(path.as_ref())
            .insert_header((name.to_string(), value.to_string()));
        self.web().send(self.dress(req)).await
    }

    /// Posts a form as this caller's browser does, its CSRF token (if any) filled in last.
    async fn post_form<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: impl AsRef<str>,
        fields: &[(K, V)],
    ) -> Answer {
        self.post_encoded(path, form_body(fields, self.csrf()))
            .await
    }

    /// Posts a form already encoded, exactly as given (no token added).
    async fn post_encoded(&self, path: impl AsRef<str>, form: impl Into<String>) -> Answer {
        self.post_body(path, FORM, form.into()).await
    }

    /// Posts a body as given, with its content type.
    async fn post_body(
        &self,
        path: impl AsRef<str>,
        content_type: &str,
        body: impl Into<actix_web::web::Bytes>,
    ) -> Answer {
        self.web()
            .send(self.dress(post(path.as_ref(), content_type, body)))
            .await
    }

    async fn post_json(&self, path: impl AsRef<str>, value: &Value) -> Answer {
        self.post_body(path, "application/json", serde_json::to_vec(value).unwrap())
            .await
    }

    /// Uploads a multipart form (built with [`multipart`]).
    async fn post_multipart(&self, path: impl AsRef<str>, form: (String, Vec<u8>)) -> Answer {
        let (content_type, body) = form;
        self.post_body(path, &content_type, body).await
    }
}

fn with_lang(req: TestRequest, lang: &Option<String>) -> TestRequest {
    match lang {
        Some(l) => req.cookie(Cookie::new("lang", l.clone())),
        None => req,
    }
}

/// Someone not signed in: a citizen online, a campaign's respondent, a passer-by. Their
/// forms carry no CSRF token: nothing is signed in.
pub struct Anonymous {
    pub web: Web,
    /// The language the browser chose (its `lang` cookie), if any.
    pub lang: Option<String>,
}

impl Anonymous {
    /// The same browser having chosen language `lang`.
    pub fn in_lang(self, lang: &str) -> Anonymous {
        Anonymous {
            lang: Some(lang.to_string()),
            ..self
        }
    }
}

impl RequestHelper for Anonymous {
    fn web(&self) -> &Web {
        &self.web
    }

    fn dress(&self, req: TestRequest) -> TestRequest {
        with_lang(req, &self.lang)
    }
}

/// A kiosk's screen: its form at `/k/<token>`, signed by the server, no session.
pub struct Citizen {
    pub web: Web,
    pub token: String,
}

impl Citizen {
    pub fn path(&self) -> String {
        format!("/k/{}", self.token)
    }

    /// The kiosk's form, fresh.
    pub async fn form(&self) -> Answer {
        self.web.anonymous().get(self.path()).await
    }

    pub async fn get(&self, path: impl AsRef<str>) -> Answer {
        self.web.anonymous().get(path).await
    }

    /// Posts the kiosk's form, encoded as the page's fields are.
    pub async fn post_encoded(&self, form: impl Into<String>) -> Answer {
        self.web.anonymous().post_encoded(self.path(), form).await
    }

    /// Posts `fields` to the kiosk's form.
    pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(&self, fields: &[(K, V)]) -> Answer {
        self.post_encoded(form_body(fields, None)).await
    }

    /// Answers a fresh form in full (but `skip`), as [`super::filled_form`] fills it in.
    pub async fn answer(&self, skip: Option<&str>) -> Answer {
        let page = self.form().await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        self.post_encoded(super::filled_form(&page.text, skip))
            .await
    }
}

/// A signed-in browser: its session cookie and the CSRF token its forms carry (bound to the
/// session by the server). A surveyor, supervisor, viewer or admin alike: what each may do is
/// the server's to say.
#[derive(Clone)]
pub struct Staff {
    pub web: Web,
    pub session: String,
    pub csrf: String,
    /// The language the browser chose (its `lang` cookie), if any.
    pub lang: Option<String>,
}

impl Staff {
    /// The same browser having chosen language `lang` (or none).
    pub fn in_lang(&self, lang: Option<&str>) -> Staff {
        Staff {
            lang: lang.map(str::to_string),
            ..self.clone()
        }
    }

    /// Presses a button whose form holds nothing but the CSRF token (revoke, close, disable,
    /// the yes of a question page), posting it to `path`.
    pub async fn press(&self, path: impl AsRef<str>) -> Answer {
        self.post_form(path, &[("x", "")]).await
    }

    /// Posts a form without the CSRF field, as a forged or stale page would.
    pub async fn post_form_without_csrf<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: impl AsRef<str>,
        fields: &[(K, V)],
    ) -> Answer {
        self.post_encoded(path, form_body(fields, None)).await
    }

    /// Where a redirect after a change leads, asked for as the browser does: with the
    /// cookies the redirect set (the notice it carries).
    pub async fn follow(&self, redirect: Answer) -> Answer {
        assert_eq!(redirect.status, StatusCode::SEE_OTHER, "{}", redirect.text);
        let to = redirect.location.expect("a redirect names where it leads");
        let mut req = self.dress(TestRequest::get().uri(&to));
        for c in redirect.cookies {
            req = req.cookie(c);
        }
        self.web.send(req).await
    }

    /// The same browser with another session cookie (a stale or stolen one).
    pub fn with_session(&self, session: &str) -> Staff {
        Staff {
            session: session.to_string(),
            ..self.clone()
        }
    }
}

impl RequestHelper for Staff {
    fn web(&self) -> &Web {
        &self.web
    }

    fn dress(&self, req: TestRequest) -> TestRequest {
        let req = req
            .cookie(Cookie::new("chiso_session", self.session.clone()))
            .cookie(Cookie::new("chiso_csrf", self.csrf.clone()));
        with_lang(req, &self.lang)
    }

    fn csrf(&self) -> Option<&str> {
        Some(&self.csrf)
    }
}

/// A program with an API token, sent as `Authorization: Bearer`.
pub struct Token {
    pub web: Web,
    pub token: String,
}

impl RequestHelper for Token {
    fn web(&self) -> &Web {
        &self.web
    }

    fn dress(&self, req: TestRequest) -> TestRequest {
        req.insert_header(("Authorization", format!("Bearer {}", self.token)))
    }
}

/// A multipart form of text fields and files (name, file name, bytes): its content type and
/// body, as a browser uploads it.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "----chiso-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The policy of `answer` (a web app's worker) lets its page install it and lets the worker
/// fetch from this site: `connect-src`, `worker-src` and `manifest-src` are `'self'`.
#[track_caller]
pub fn assert_installable_from_this_site(answer: &Answer) {
    let csp = answer.header("content-security-policy");
    for allowed in [
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
    ] {
        assert!(csp.contains(allowed), "{csp}");
    }
}

/// Sends requests at once (as many browsers would) and waits for them all: the status of each
/// answer, in order.
pub async fn statuses_at_once(
    requests: impl IntoIterator<Item = impl Future<Output = Answer>>,
) -> Vec<StatusCode> {
    futures_util::future::join_all(requests)
        .await
        .iter()
        .map(|a| a.status)
        .collect()
}

/// How many of `statuses` are `status`.
pub fn how_many(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}
