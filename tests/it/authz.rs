//! The authorization matrix: every route the router declares (`chiso::features::route_table()`),
//! called by every kind of caller, compared with the answer written here. A route the table
//! below does not name fails the test: a new route cannot be forgotten. Also: callers limited
//! to a unit (users and API tokens) see nothing of another unit. Every request that is let in
//! and creates something (a user, token, kiosk, slip codes, people of a campaign) is checked
//! for what it created: within the caller's unit, never the whole city for a scoped caller;
//! a refused request creates nothing.

use crate::harness::*;
use actix_web::cookie::Cookie;
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Where the fixtures live (a ward of Ninh Kiều), and the unit the scoped callers are limited
/// to (Cái Răng district): the fixtures lie outside it.
const WARD: &str = "NK-P-AN-BINH";
const SCOPE: &str = "CR";
/// A ward of Cái Răng, on today's map: what the admins create is scoped here.
const IN_SCOPE: &str = "CR-P-BA-LANG";
const HOUSEHOLD: &str = "sipas-2022-household";

/// Declares the kinds of caller and [`EVERYONE`], the list of them all, from one list.
macro_rules! callers {
    ($($(#[doc = $doc:literal])* $who:ident,)*) => {
        /// Every kind of caller.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub(crate) enum Who {
            $($(#[doc = $doc])* $who,)*
        }

        const EVERYONE: &[Who] = &[$(Who::$who,)*];
    };
}

callers! {
    Anonymous,
    /// A kiosk's address (the token in `/k/…`); otherwise anonymous.
    Kiosk,
    /// A campaign's one-time link (`/i/…`).
    Link,
    /// A one-time code from an appointment slip (`/o/…`).
    Code,
    Viewer,
    Surveyor,
    Supervisor,
    Admin,
    /// A supervisor limited to Cái Răng district.
    UnitUser,
    /// An administrator limited to Cái Răng district.
    UnitAdmin,
    ApiViewer,
    ApiSurveyor,
    ApiSupervisor,
    /// A supervisor's API token limited to Cái Răng district.
    ApiUnit,
}

use Who::*;

/// What a caller must get.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Let in: 2xx/3xx (not to the sign-in page), or a 4xx about the input — never 401/403.
    Allowed,
    /// Refused: 401/403, or sent to the sign-in page.
    Refused,
    /// A secret in the address that is not valid: any 4xx, never a form or a success.
    NoEntry,
    /// Anything but a server error (signing in and out answer everyone in their own way).
    Any,
}

/// The request body a route needs so that callers who are let in pass the form checks.
#[derive(Clone)]
enum Body {
    None,
    Form(Vec<(&'static str, String)>),
    Json(Value),
    /// A JSON array of submissions (the sync batch), sent with the caller's CSRF token in
    /// `X-CSRF-Token` as the interviewer page sends it.
    Batch(Value),
    /// The import upload: a multipart form with a file.
    Upload,
}

/// One route's expected answers: who is let in, with what query and body.
pub(crate) struct Rule {
    allowed: Vec<Who>,
    /// The caller whose secret the address holds (kiosk, link, code); others get a wrong one.
    pub(crate) owner: Option<Who>,
    pub(crate) query: &'static str,
    body: Body,
    any: bool,
}

fn rule(allowed: &[Who]) -> Rule {
    Rule {
        allowed: allowed.to_vec(),
        owner: None,
        query: "",
        body: Body::None,
        any: false,
    }
}

impl Rule {
    fn query(mut self, q: &'static str) -> Self {
        self.query = q;
        self
    }
    fn form(mut self, fields: &[(&'static str, &str)]) -> Self {
        self.body = Body::Form(fields.iter().map(|(k, v)| (*k, v.to_string())).collect());
        self
    }
    fn body(mut self, b: Body) -> Self {
        self.body = b;
        self
    }
    fn owned_by(who: Who) -> Self {
        Rule {
            owner: Some(who),
            ..rule(&[who])
        }
    }
    fn any() -> Self {
        Rule {
            any: true,
            ..rule(EVERYONE)
        }
    }
    fn expect(&self, who: Who) -> Expect {
        if self.any {
            Expect::Any
        } else if self.allowed.contains(&who) {
            Expect::Allowed
        } else if self.owner.is_some() {
            Expect::NoEntry
        } else {
            Expect::Refused
        }
    }
}

const VIEWERS: &[Who] = &[Viewer, Surveyor, Supervisor, Admin, UnitUser, UnitAdmin];
const SURVEYORS: &[Who] = &[Surveyor, Supervisor, Admin, UnitUser, UnitAdmin];
const SUPERVISORS: &[Who] = &[Supervisor, Admin, UnitUser, UnitAdmin];
/// Supervisors and admins of the whole city: the fixtures lie outside the scoped user's unit.
const CITY_SUPERVISORS: &[Who] = &[Supervisor, Admin];
/// Surveyors of the whole city (a batch outside the scoped user's unit).
const CITY_SURVEYORS: &[Who] = &[Surveyor, Supervisor, Admin];
const ADMINS: &[Who] = &[Admin];
/// Admins of the city and of a unit: what they create lies within their unit. (The users,
/// kiosks and tokens the other routes change lie outside the scoped admin's unit.)
const UNIT_ADMINS: &[Who] = &[Admin, UnitAdmin];
const API_ANY: &[Who] = &[ApiViewer, ApiSurveyor, ApiSupervisor, ApiUnit];

/// The expected answers, by (method, path pattern) as the router declares them. A route
/// missing here fails the test.
pub(crate) fn expectations() -> HashMap<(Method, &'static str), Rule> {
    let get = |p: &'static str| (Method::GET, p);
    let post = |p: &'static str| (Method::POST, p);
    let household_form = [("serial", "M-1"), ("date", "15/06/2025"), ("q.E1.1", "4")];
    // Public: pages and files anyone may open.
    let public = [
        "/healthz",
        "/public",
        "/lang/{code}",
        "/login",
        "/static/chiso.css",
        "/static/entry.js",
        "/static/pick.js",
        "/static/kiosk.js",
        "/static/kiosk-sw.js",
        "/static/icon.svg",
        // The interviewer app's files hold no data; its page and pack are for surveyors.
        "/phong-van/app.js",
        "/phong-van/sw.js",
        "/phong-van/manifest.webmanifest",
        "/phong-van/icon.svg",
        "/o",
        // The API's description documents, it holds no data: anyone reads it.
        "/api/v1/openapi.json",
    ];
    let mut rules = HashMap::from([
        (
            post("/login"),
            Rule::any().form(&[("username", "nobody"), ("password", "wrong")]),
        ),
        (post("/logout"), Rule::any()),
        (get("/phong-van"), rule(SURVEYORS)),
        (get("/phong-van/pack.json"), rule(SURVEYORS)),
        // Kiosks, slip codes and one-time links: the secret in the address is the key.
        (get("/k/{token}"), Rule::owned_by(Kiosk)),
        (
            post("/k/{token}"),
            Rule::owned_by(Kiosk).form(&[("step", "0")]),
        ),
        (get("/k/{token}/cam-on"), Rule::owned_by(Kiosk)),
        (get("/k/{token}/tickets"), Rule::owned_by(Kiosk)),
        (
            get("/k/{token}/manifest.webmanifest"),
            Rule::owned_by(Kiosk),
        ),
        (get("/o/{code}"), Rule::owned_by(Code)),
        (
            post("/o/{code}"),
            Rule::owned_by(Code).form(&[("step", "0")]),
        ),
        (get("/i/{token}"), Rule::owned_by(Link)),
        (
            post("/i/{token}"),
            Rule::owned_by(Link).form(&[("step", "0")]),
        ),
        // Dashboards.
        (get("/scores"), rule(VIEWERS).query("unit=NK-P-AN-BINH")),
        (get("/"), rule(VIEWERS)),
        (get("/parindex"), rule(VIEWERS)),
        (get("/parindex/criteria/{code}"), rule(VIEWERS)),
        // Only an owner (an admin here: the scoped user's unit owns no criterion) enters.
        (post("/parindex/criteria/{code}"), rule(ADMINS).form(&[])),
        (get("/agencies"), rule(VIEWERS)),
        (get("/agencies/{code}"), rule(VIEWERS)),
        (get("/report"), rule(VIEWERS)),
        (get("/sipas"), rule(VIEWERS)),
        (
            get("/sipas/export"),
            rule(VIEWERS).query("table=field&format=csv"),
        ),
        (get("/papi"), rule(VIEWERS)),
        (
            get("/papi/export"),
            rule(VIEWERS).query("table=dimensions&format=csv"),
        ),
        (get("/surveys/{id}/print"), rule(VIEWERS)),
        // Paper forms.
        (get("/entry"), rule(SURVEYORS)),
        (
            post("/entry/batches"),
            rule(CITY_SUPERVISORS).form(&[
                ("survey", HOUSEHOLD),
                ("unit", WARD),
                ("period", "2025"),
                ("expected", "10"),
                ("label", "Lô thử"),
            ]),
        ),
        (get("/entry/batches/{id}"), rule(CITY_SURVEYORS)),
        (get("/entry/batches/{id}/key"), rule(CITY_SURVEYORS)),
        (get("/entry/batches/{id}/serial"), rule(CITY_SURVEYORS)),
        (
            post("/entry/batches/{id}/key"),
            rule(CITY_SURVEYORS).form(&household_form),
        ),
        (get("/entry/disputes"), rule(SUPERVISORS)),
        (get("/entry/forms/{id}"), rule(CITY_SUPERVISORS)),
        (post("/entry/forms/{id}"), rule(CITY_SUPERVISORS).form(&[])),
        (
            post("/entry/forms/{id}/delete"),
            rule(CITY_SUPERVISORS).form(&[("round", "9"), ("reason", "thử")]),
        ),
        (get("/entry/forms/{id}/correct"), rule(CITY_SUPERVISORS)),
        (
            post("/entry/forms/{id}/correct"),
            rule(CITY_SUPERVISORS).form(&[("reason", "")]),
        ),
        (get("/entry/keyers"), rule(SURVEYORS)),
        (get("/audit"), rule(SUPERVISORS)),
        // Administration: supervisors read, admins change.
        (get("/admin"), rule(SUPERVISORS)),
        (get("/admin/users"), rule(SUPERVISORS)),
        (
            post("/admin/users"),
            rule(UNIT_ADMINS).form(&[
                ("name", "moi-{who}"),
                ("role", "admin"),
                ("unit", IN_SCOPE),
                ("password", "mot-mat-khau-dai"),
            ]),
        ),
        (
            post("/admin/users/{id}/role"),
            rule(ADMINS).form(&[("role", "viewer"), ("unit", "")]),
        ),
        (post("/admin/users/{id}/password"), rule(ADMINS).form(&[])),
        (post("/admin/users/{id}/disable"), rule(ADMINS).form(&[])),
        (post("/admin/users/{id}/enable"), rule(ADMINS).form(&[])),
        (get("/admin/kiosks"), rule(SUPERVISORS)),
        (
            post("/admin/kiosks"),
            rule(UNIT_ADMINS).form(&[
                ("unit", IN_SCOPE),
                ("survey", "sipas-counter"),
                ("label", "Quầy 9"),
            ]),
        ),
        (get("/admin/kiosks/{id}/revoke"), rule(ADMINS)),
        (post("/admin/kiosks/{id}/revoke"), rule(ADMINS).form(&[])),
        (get("/admin/tokens"), rule(SUPERVISORS)),
        (
            post("/admin/tokens"),
            rule(UNIT_ADMINS).form(&[("role", "admin"), ("label", "x"), ("unit", SCOPE)]),
        ),
        (get("/admin/tokens/{id}/revoke"), rule(ADMINS)),
        (post("/admin/tokens/{id}/revoke"), rule(ADMINS).form(&[])),
        // Import.
        (get("/import"), rule(SUPERVISORS)),
        (post("/import"), rule(SUPERVISORS).body(Body::Upload)),
        (get("/import/rejected/{token}"), rule(SUPERVISORS)),
        // Campaigns span the city: supervisors of the whole city read, admins run them.
        (get("/campaigns"), rule(CITY_SUPERVISORS)),
        (
            post("/campaigns"),
            rule(ADMINS).form(&[
                ("survey", "parindex-officials-2022"),
                ("period", "2025"),
                ("title", "Thử"),
            ]),
        ),
        (get("/campaigns/{id}"), rule(CITY_SUPERVISORS)),
        (
            post("/campaigns/{id}/list"),
            rule(ADMINS).form(&[("list", "name,group,unit,contact\nA,hdnd,SNV,\n")]),
        ),
        (post("/campaigns/{id}/list-file"), rule(ADMINS)),
        (
            post("/campaigns/{id}/people"),
            rule(ADMINS).form(&[("name", "B"), ("group", "hdnd"), ("unit", "SNV")]),
        ),
        (post("/campaigns/{id}/open"), rule(ADMINS).form(&[])),
        (get("/campaigns/{id}/close"), rule(ADMINS)),
        (post("/campaigns/{id}/close"), rule(ADMINS).form(&[])),
        (get("/campaigns/{id}/reopen"), rule(ADMINS)),
        (post("/campaigns/{id}/reopen"), rule(ADMINS).form(&[])),
        (get("/campaigns/{id}/links"), rule(ADMINS)),
        (post("/campaigns/{id}/links"), rule(ADMINS).form(&[])),
        (
            post("/campaigns/{id}/people/{person}/revoke"),
            rule(ADMINS).form(&[]),
        ),
        (
            post("/campaigns/{id}/people/{person}/reissue"),
            rule(ADMINS).form(&[]),
        ),
        (get("/campaigns/{id}/reminders.csv"), rule(CITY_SUPERVISORS)),
        // Slip codes: admins issue them.
        (get("/codes"), rule(UNIT_ADMINS)),
        (
            post("/codes"),
            rule(UNIT_ADMINS).form(&[
                ("unit", IN_SCOPE),
                ("survey", "sipas-counter"),
                ("count", "2"),
            ]),
        ),
        // The API: bearer tokens; a token limited to a unit cannot use another unit.
        (
            post("/api/v1/responses"),
            rule(&[ApiSurveyor, ApiSupervisor]).body(Body::Json(submission(WARD, Some(4)))),
        ),
        // The sync batch: a surveyor's token or a signed-in surveyor's page; a form for a unit
        // outside the caller's is refused on its own.
        (
            post("/api/v1/responses/batch"),
            rule(&[
                Surveyor,
                Supervisor,
                Admin,
                UnitUser,
                UnitAdmin,
                ApiSurveyor,
                ApiSupervisor,
                ApiUnit,
            ])
            .body(Body::Batch(submission(WARD, Some(4)))),
        ),
        (get("/api/v1/surveys"), rule(API_ANY)),
        (get("/api/v1/units"), rule(API_ANY)),
        (get("/api/v1/published"), rule(API_ANY)),
        (
            get("/api/v1/scores"),
            rule(&[ApiViewer, ApiSurveyor, ApiSupervisor])
                .query("survey=sipas-counter&period=2025&unit=NK-P-AN-BINH"),
        ),
        (
            get("/api/v1/parindex"),
            rule(&[ApiViewer, ApiSurveyor, ApiSupervisor]).query("period=2025&unit=NK"),
        ),
        // Downloads pages link to: a token, or a signed-in supervisor.
        (
            get("/api/v1/export"),
            rule(&[Supervisor, Admin, ApiSupervisor])
                .query("survey=sipas-counter&period=2025&unit=NK-P-AN-BINH"),
        ),
    ]);
    for path in public {
        let clash = rules.insert(get(path), rule(EVERYONE));
        assert!(
            clash.is_none(),
            "{path} is public and has a rule of its own"
        );
    }
    rules
}

/// Real records for the path parameters.
pub(crate) struct Fixtures {
    kiosk: String,
    link: String,
    code: String,
    batch: String,
    /// A form keyed twice with a difference (waiting for a supervisor).
    form: String,
    user: String,
    spare_kiosk: String,
    spare_token: String,
    /// The campaign the link belongs to (read), and another one the admin routes change.
    campaign: String,
    spare_campaign: String,
    person: String,
}

impl Fixtures {
    /// The address of `pattern` for `who`: every parameter filled with a real record, or,
    /// for the secret of someone else, a wrong one.
    pub(crate) fn path(&self, pattern: &str, who: Who, rule: &Rule) -> String {
        let wrong = "0".repeat(64);
        let secret = |s: &str| {
            if rule.owner == Some(who) {
                s.to_string()
            } else {
                wrong.clone()
            }
        };
        let changes = !matches!(pattern, "/campaigns/{id}" | "/campaigns/{id}/reminders.csv");
        let mut out = String::new();
        for seg in pattern.split('/').skip(1) {
            out.push('/');
            let value = match (seg, pattern) {
                (s, _) if !s.starts_with('{') => s.to_string(),
                ("{token}", p) if p.starts_with("/k/") => secret(&self.kiosk),
                ("{token}", p) if p.starts_with("/i/") => secret(&self.link),
                ("{code}", p) if p.starts_with("/o/") => secret(&self.code),
                ("{token}", p) if p.starts_with("/import/rejected/") => wrong.clone(),
                ("{code}", "/lang/{code}") => "en".into(),
                ("{code}", p) if p.starts_with("/parindex/criteria/") => "3.2.2".into(),
                ("{code}", "/agencies/{code}") => "STP".into(),
                ("{id}", p) if p.starts_with("/entry/batches/") => self.batch.clone(),
                ("{id}", p) if p.starts_with("/entry/forms/") => self.form.clone(),
                ("{id}", p) if p.starts_with("/admin/users/") => self.user.clone(),
                ("{id}", p) if p.starts_with("/admin/kiosks/") => self.spare_kiosk.clone(),
                ("{id}", p) if p.starts_with("/admin/tokens/") => self.spare_token.clone(),
                ("{id}", p) if p.starts_with("/campaigns/") && changes => {
                    self.spare_campaign.clone()
                }
                ("{id}", p) if p.starts_with("/campaigns/") => self.campaign.clone(),
                ("{person}", _) => self.person.clone(),
                ("{id}", "/surveys/{id}/print") => HOUSEHOLD.into(),
                (s, p) => panic!("no fixture for {s} in {p}: add one to Fixtures::path"),
            };
            out.push_str(&value);
        }
        if pattern == "/" {
            out = "/".into();
        }
        if !rule.query.is_empty() {
            out.push('?');
            out.push_str(rule.query);
        }
        out
    }
}

pub(crate) fn matrix_app() -> TestApp {
    TestApp::builder()
        .with_staff(&[
            ("xem", Role::Viewer),
            ("an", Role::Surveyor),
            ("binh", Role::Surveyor),
            ("chi", Role::Supervisor),
        ])
        .with_user("cr", Role::Supervisor, Some(SCOPE))
        .with_user("cra", Role::Admin, Some(SCOPE))
        .with_user("nan-nhan", Role::Viewer, None)
        .with_kiosk(WARD, "sipas-counter")
        .with_kiosk(WARD, "sipas-counter")
        .build()
}

pub(crate) async fn fixtures(app: &TestApp) -> Fixtures {
    // Revoking takes the id or the secret itself.
    let spare_token = app.add_token(Role::Viewer, "spare", None);
    let batch = household_batch(app, "chi", WARD, "Lô 1", 5);
    let form = key_household(app, "an", &batch, household_form("001", "4"));
    key_household(app, "binh", &batch, household_form("001", "5"));
    let list = "name,group,unit,contact\nNguyễn Văn An,hdnd,SNV,\n";
    let (campaign, links) = open_campaign_with_links(app, "Đợt 1", list);
    let spare_campaign = draft_campaign(app, "Đợt 2", list);
    Fixtures {
        kiosk: app.kiosks[0].clone(),
        link: links[0].clone(),
        code: slip_codes(app, WARD, 1).remove(0),
        batch,
        form,
        user: user_id(app, "nan-nhan"),
        spare_kiosk: app.kiosks[1].clone(),
        spare_token,
        campaign,
        person: campaign_respondents(app, &spare_campaign).remove(0),
        spare_campaign,
    }
}

/// How one caller presents itself: cookies of a signed-in browser, or a bearer token.
#[derive(Default, Clone)]
struct Caller {
    session: Option<String>,
    csrf: Option<String>,
    bearer: Option<String>,
}

fn user_name(who: Who) -> Option<&'static str> {
    Some(match who {
        Viewer => "xem",
        Surveyor => "an",
        Supervisor => "chi",
        Admin => "admin",
        UnitUser => "cr",
        UnitAdmin => "cra",
        _ => return None,
    })
}

/// The unit a caller is limited to, if any.
fn scope_of(who: Who) -> Option<&'static str> {
    matches!(who, UnitUser | UnitAdmin | ApiUnit).then_some(SCOPE)
}

/// What admins create, as (kind, id, unit scope): users, API tokens, kiosks, slip codes and the
/// people of campaigns.
pub(crate) type Made = BTreeSet<(&'static str, String, Option<String>)>;

pub(crate) fn made(app: &TestApp) -> Made {
    use chiso::db::schema::{api_tokens, kiosks, respondents, users, visit_codes};
    use diesel::prelude::*;
    let mut conn = app.state.pool.get().unwrap();
    let mut out = Made::new();
    let rows: Vec<(String, Option<String>)> = users::table
        .select((users::id, users::unit_code))
        .load(&mut conn)
        .unwrap();
    out.extend(rows.into_iter().map(|(id, u)| ("user", id, u)));
    let rows: Vec<(String, Option<String>)> = api_tokens::table
        .select((api_tokens::id, api_tokens::unit_code))
        .load(&mut conn)
        .unwrap();
    out.extend(rows.into_iter().map(|(id, u)| ("token", id, u)));
    let rows: Vec<(String, String)> = kiosks::table
        .select((kiosks::id, kiosks::unit_code))
        .load(&mut conn)
        .unwrap();
    out.extend(rows.into_iter().map(|(id, u)| ("kiosk", id, Some(u))));
    let rows: Vec<(String, String)> = visit_codes::table
        .select((visit_codes::code_hash, visit_codes::unit_code))
        .load(&mut conn)
        .unwrap();
    out.extend(rows.into_iter().map(|(id, u)| ("code", id, Some(u))));
    let rows: Vec<(String, String)> = respondents::table
        .select((respondents::id, respondents::unit_code))
        .load(&mut conn)
        .unwrap();
    out.extend(rows.into_iter().map(|(id, u)| ("person", id, Some(u))));
    out
}

fn is_login(location: Option<&str>) -> bool {
    location.is_some_and(|l| l.starts_with("/login"))
}

#[actix_web::test]
async fn every_route_answers_every_caller_as_the_table_says() {
    let app = matrix_app();
    let f = fixtures(&app).await;
    let svc = service!(app);

    let routes = chiso::features::route_table();
    let mut seen = std::collections::HashSet::new();
    for (m, p) in &routes {
        assert!(seen.insert((m.clone(), *p)), "{m} {p} is declared twice");
    }
    let table = expectations();
    // A route the table does not know fails here, naming it.
    let missing: Vec<String> = routes
        .iter()
        .filter(|(m, p)| !table.contains_key(&(m.clone(), *p)))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an expected answer per role — add them to expectations() in \
         tests/it/authz.rs: {missing:?}"
    );
    let stale: Vec<String> = table
        .keys()
        .filter(|(m, p)| !routes.iter().any(|(rm, rp)| rm == m && rp == p))
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    assert!(
        stale.is_empty(),
        "the table names routes the router does not serve: {stale:?}"
    );

    // Callers: a signed-in browser per user, a bearer token per API caller, a fresh anonymous
    // browser (its CSRF cookie) for the others.
    let mut callers: BTreeMap<Who, Caller> = BTreeMap::new();
    for (who, role, unit) in [
        (ApiViewer, Role::Viewer, None),
        (ApiSurveyor, Role::Surveyor, None),
        (ApiSupervisor, Role::Supervisor, None),
        (ApiUnit, Role::Supervisor, Some(SCOPE)),
    ] {
        let bearer = Some(app.add_token(role, "matrix", unit));
        callers.insert(
            who,
            Caller {
                bearer,
                ..Default::default()
            },
        );
    }
    for &who in EVERYONE {
        if let Some(name) = user_name(who) {
            let password = if who == Admin {
                ADMIN_PASSWORD
            } else {
                USER_PASSWORD
            };
            let b = svc.sign_in(name, password).await;
            callers.insert(
                who,
                Caller {
                    session: Some(b.session),
                    csrf: Some(b.csrf),
                    bearer: None,
                },
            );
        } else if let std::collections::btree_map::Entry::Vacant(slot) = callers.entry(who) {
            // A fresh visitor: the sign-in page's pre-session cookie, nothing else.
            let csrf = svc.anonymous().get("/login").await.cookie("chiso_csrf");
            slot.insert(Caller {
                csrf,
                ..Default::default()
            });
        }
    }

    // Reading first, then changing; signing out last of all (it ends the session).
    let mut order: Vec<&(Method, &str)> = routes.iter().collect();
    order.sort_by_key(|(m, p)| (*p == "/logout", *m != Method::GET));
    let mut cells = 0;
    let mut wrong = Vec::new();
    let mut created: BTreeMap<(Who, &str), usize> = BTreeMap::new();
    for (method, pattern) in order {
        let rule = &table[&(method.clone(), *pattern)];
        for &who in EVERYONE {
            let caller = &callers[&who];
            let uri = f.path(pattern, who, rule);
            let mut req = TestRequest::default().method(method.clone()).uri(&uri);
            if let Some(s) = &caller.session {
                req = req.cookie(Cookie::new("chiso_session", s.clone()));
            }
            if let Some(c) = &caller.csrf {
                req = req.cookie(Cookie::new("chiso_csrf", c.clone()));
            }
            if let Some(t) = &caller.bearer {
                req = req.insert_header(("Authorization", format!("Bearer {t}")));
            }
            let csrf = caller.csrf.clone().unwrap_or_default();
            req = match &rule.body {
                Body::None if *method == Method::POST => req
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .set_payload(format!("csrf={csrf}")),
                Body::None => req,
                Body::Form(fields) => {
                    // Each caller creates under its own name ("moi-{who}").
                    let me = format!("{who:?}").to_lowercase();
                    let mut fields: Vec<_> = fields
                        .iter()
                        .map(|(k, v)| (*k, v.replace("{who}", &me)))
                        .collect();
                    fields.push(("csrf", csrf));
                    req.insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                        .set_payload(serde_urlencoded::to_string(&fields).unwrap())
                }
                Body::Json(v) => {
                    let mut v = v.clone();
                    v["submission_id"] = json!(uuid::Uuid::new_v4().to_string());
                    req.insert_header(("Content-Type", "application/json"))
                        .set_payload(v.to_string())
                }
                Body::Batch(v) => {
                    let mut v = v.clone();
                    v["submission_id"] = json!(uuid::Uuid::new_v4().to_string());
                    req.insert_header(("Content-Type", "application/json"))
                        .insert_header(("X-CSRF-Token", csrf.clone()))
                        .set_payload(json!([v]).to_string())
                }
                Body::Upload => {
                    let boundary = "matrixboundary";
                    let body = format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
                         --{boundary}\r\nContent-Disposition: form-data; name=\"survey\"\r\n\r\nsipas-counter\r\n\
                         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\
                         Content-Type: text/csv\r\n\r\nunit,E1.1\r\nKHONG-CO,9\r\n--{boundary}--\r\n"
                    );
                    req.insert_header((
                        "Content-Type",
                        format!("multipart/form-data; boundary={boundary}"),
                    ))
                    .set_payload(body)
                }
            };
            let before = (*method == Method::POST).then(|| made(&app));
            let resp = svc.call(req).await;
            let status = resp.status();
            let location = resp
                .headers()
                .get("Location")
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            drop(resp);
            cells += 1;
            let expect = rule.expect(who);
            let refused = status == StatusCode::UNAUTHORIZED
                || status == StatusCode::FORBIDDEN
                || (status.is_redirection() && is_login(location.as_deref()));
            let ok = !status.is_server_error()
                && match expect {
                    Expect::Any => true,
                    Expect::Allowed => !refused,
                    Expect::Refused => refused,
                    Expect::NoEntry => status.is_client_error(),
                };
            if !ok {
                wrong.push(format!(
                    "{method} {uri} as {who:?}: expected {expect:?}, got {status} {}",
                    location.clone().unwrap_or_default()
                ));
            }
            // What the request created (or moved): nothing when refused, else within the
            // caller's unit.
            if let Some(before) = before {
                let within = |unit: &Option<String>| match scope_of(who) {
                    None => true,
                    Some(s) => unit
                        .as_ref()
                        .is_some_and(|u| app.state.units.subtree(s).contains(u)),
                };
                for (kind, id, unit) in made(&app).difference(&before) {
                    if refused || !status.is_success() && !status.is_redirection() {
                        wrong.push(format!(
                            "{method} {uri} as {who:?} answered {status} yet created {kind} {id}"
                        ));
                    } else if !within(unit) {
                        wrong.push(format!(
                            "{method} {uri} as {who:?} created {kind} {id} outside its unit: {unit:?}"
                        ));
                    }
                    *created.entry((who, *kind)).or_insert(0) += 1;
                }
            }
        }
    }
    // The checks above are not vacuous: the scoped admin did create each kind of thing, and
    // the city's admin added people to a campaign.
    for kind in ["user", "token", "kiosk", "code"] {
        assert!(
            created.get(&(UnitAdmin, kind)).is_some_and(|n| *n > 0),
            "the unit's admin created no {kind}: {created:?}\n{}",
            wrong.join("\n")
        );
    }
    assert!(created.get(&(Admin, "person")).is_some_and(|n| *n > 0));
    assert!(
        wrong.is_empty(),
        "{} of {cells} answers differ from the table:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, routes.len() * EVERYONE.len());
    println!(
        "authorization matrix: {} routes × {} callers = {cells} requests",
        routes.len(),
        EVERYONE.len()
    );
}

/// Routes are added through the recording router only: a route added to actix directly
/// would escape the matrix.
#[test]
fn routes_are_declared_only_through_the_recording_router() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let direct = [
                        ".route(\"",
                        "web::resource(\"",
                        "web::scope(\"",
                        ".service(web::",
                    ];
                    // A scope with no path only wraps every route in middleware.
                    let wrapper = line.contains("web::scope(\"\")");
                    if !wrapper && direct.iter().any(|d| line.contains(d)) {
                        found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "routes added to actix directly (declare them in chiso::features::declare): {found:?}"
    );
}

/// A caller limited to Cái Răng asks, in every way it can, for what was answered in Ninh
/// Kiều: pages, API, exports, batches, kiosks. It is refused or shown its own unit only, and
/// nothing of Ninh Kiều's answers reaches it.
#[actix_web::test]
async fn callers_limited_to_a_unit_never_see_another_units_figures() {
    let app = TestApp::builder()
        .with_user("cr", Role::Supervisor, Some(SCOPE))
        .with_user("chi", Role::Supervisor, None)
        .with_kiosk(WARD, "sipas-counter")
        .build();
    let svc = service!(app);
    let unit_token = app.add_token(Role::Supervisor, "cr", Some(SCOPE));
    // Six answers in the ward, all "very satisfied".
    for _ in 0..6 {
        let resp = svc
            .token(&app.surveyor_token)
            .post_json("/api/v1/responses", &submission(WARD, Some(5)))
            .await;
        assert_eq!(resp.status, StatusCode::CREATED);
    }
    let unit_api = svc.token(&unit_token);
    let q = "survey=sipas-counter&period=2025";

    // API scores and PAR INDEX: another unit is refused, naming the field; none means theirs.
    for uri in [
        format!("/api/v1/scores?{q}&unit={WARD}"),
        format!("/api/v1/scores?{q}&unit=NK"),
        format!("/api/v1/scores?{q}&unit=CT"),
        "/api/v1/parindex?period=2025&unit=NK".to_string(),
        format!("/api/v1/export?{q}&unit={WARD}"),
    ] {
        let resp = unit_api.get(&uri).await;
        assert_eq!(resp.status, StatusCode::FORBIDDEN, "{uri}");
        let body = resp.json();
        assert_eq!(body["field"], "unit", "{uri}: {body}");
    }
    let resp = unit_api.get(format!("/api/v1/scores?{q}")).await;
    assert_eq!(resp.status, StatusCode::OK);
    let body = resp.json();
    assert_eq!(body["unit"], SCOPE);
    assert_eq!(
        body["responses"], 0,
        "nothing of the ward counts for Cái Răng"
    );
    let resp = unit_api
        .get(format!("/api/v1/scores?{q}&unit=CR-P-BA-LANG"))
        .await;
    assert_eq!(resp.status, StatusCode::OK, "a ward of its own district");
    // The export without a unit is the token's unit's: a header and no rows.
    let csv = unit_api
        .get(format!("/api/v1/export?{q}"))
        .await
        .text_with(StatusCode::OK);
    assert_eq!(csv.lines().count(), 1, "header only: {csv}");
    assert!(!csv.contains(WARD));
    // An unscoped supervisor's token exports the six (the test can fail).
    let city_token = app.add_token(Role::Supervisor, "city", None);
    let csv = svc
        .token(&city_token)
        .get(format!("/api/v1/export?{q}"))
        .await
        .text;
    assert_eq!(csv.lines().count(), 7);

    // Submissions: a scoped token stores for its own units only.
    let post = |unit: &str| {
        let (api, s) = (&unit_api, submission(unit, Some(3)));
        async move { api.post_json("/api/v1/responses", &s).await }
    };
    let before = app.responses();
    let resp = post(WARD).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(app.responses(), before, "nothing stored for another unit");
    let resp = post("CR-P-BA-LANG").await;
    assert_eq!(resp.status, StatusCode::CREATED);
    assert_eq!(app.responses(), before + 1);

    // Pages: the scores page for the ward shows Cái Răng instead, the same page byte for byte.
    let cr = svc.supervisor("cr").await;
    let asked_ward = cr
        .get(format!("/scores?{q}&unit={WARD}"))
        .await
        .text_with(StatusCode::OK);
    let Answer { text: own, .. } = cr.get(format!("/scores?{q}&unit={SCOPE}")).await;
    // The language switch returns to the address asked for; the rest is the same page.
    let without_switch = |page: &str| {
        let mut out = String::new();
        let mut rest = page;
        while let Some(at) = rest.find("href=\"/lang/") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 6..];
            rest = &after[after.find('"').unwrap() + 1..];
        }
        out.push_str(rest);
        out
    };
    assert_eq!(
        without_switch(&asked_ward),
        without_switch(&own),
        "asking for the ward shows Cái Răng's page"
    );
    assert!(
        !asked_ward.contains("Phường An Bình"),
        "the ward is not even offered"
    );
    // The session's export of the ward is refused as the token's is.
    let Answer { status, .. } = cr.get(format!("/api/v1/export?{q}&unit={WARD}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A batch of the ward: not listed, not opened, not keyed into.
    let chi = svc.supervisor("chi").await;
    let batch = household_batch(&app, "chi", WARD, "Lô An Bình", 3);
    let Answer { text: list, .. } = chi.get("/entry").await;
    assert!(list.contains("Lô An Bình"), "the city's supervisor sees it");
    let Answer { text: list, .. } = cr.get("/entry").await;
    assert!(!list.contains("Lô An Bình"));
    for uri in [
        format!("/entry/batches/{batch}"),
        format!("/entry/batches/{batch}/key"),
    ] {
        let Answer {
            status, text: body, ..
        } = cr.get(&uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!body.contains("Lô An Bình"));
    }
    // Kiosks of the ward and their counts of today: not shown.
    let Answer { text: kiosks, .. } = chi.get("/admin/kiosks").await;
    assert!(kiosks.contains("Phường An Bình"));
    let Answer { text: kiosks, .. } = cr.get("/admin/kiosks").await;
    assert!(!kiosks.contains("Phường An Bình") && !kiosks.contains("Quầy 1"));
    // Campaigns span the city: refused.
    let Answer { status, .. } = cr.get("/campaigns").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The city's supervisor keys a form of the ward: its keyer, its batch and its audit line
    // are the city's to see, not Cái Răng's; nor is the city's list of users.
    let keys = [("q.E1.1", "5"), ("q.C8.4", "1"), ("bg.gioi_tinh", "2")];
    key_household(&app, "chi", &batch, household_keying("AB-001", &keys));
    let keyers = format!("/entry/keyers?survey={HOUSEHOLD}&period={PERIOD}");
    let Answer { text: page, .. } = chi.get(keyers.clone()).await;
    assert!(
        page.contains("Lô An Bình") && page.contains(">chi<"),
        "the city sees the ward's batch and its keyer"
    );
    let page = cr.get(&keyers).await.text_with(StatusCode::OK);
    assert!(
        !page.contains("Lô An Bình") && !page.contains(">chi<"),
        "{page}"
    );
    let Answer { text: page, .. } = chi.get("/audit").await;
    assert!(page.contains(">chi<"), "the city reads who keyed: {page}");
    let page = cr.get("/audit").await.text_with(StatusCode::OK);
    assert!(
        !page.contains("AB-001") && !page.contains(">chi<"),
        "{page}"
    );
    let Answer { text: page, .. } = chi.get("/admin/users").await;
    assert_says(&page, &[">chi<", ">cr<"]);
    let page = cr.get("/admin/users").await.text_with(StatusCode::OK);
    assert!(
        page.contains(">cr<"),
        "a unit's supervisor sees their unit's users"
    );
    assert!(
        !page.contains(">chi<") && !page.contains(">admin<"),
        "{page}"
    );
}

/// An admin creates a token limited to a unit on the tokens page; a unit that does not exist
/// creates nothing.
#[actix_web::test]
async fn the_tokens_page_creates_tokens_limited_to_a_unit() {
    let app = spawn_app();
    let svc = service!(app);
    let admin = svc.admin().await;
    let create = |unit: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post_form(
                    "/admin/tokens",
                    &[
                        ("role", "viewer"),
                        ("label", "cong-thong-tin"),
                        ("unit", unit),
                    ],
                )
                .await
        }
    };
    let resp = create("KHONG-CO").await;
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    let count = |app: &TestApp| stored_tokens(app).len();
    let before = count(&app);
    let page = create(SCOPE).await.text_with(StatusCode::OK);
    assert_eq!(count(&app), before + 1);
    assert!(page.contains("Quận Cái Răng"), "the list names the unit");
    let t = stored_tokens(&app)
        .into_iter()
        .find(|t| t.label == "cong-thong-tin")
        .unwrap();
    assert_eq!(t.unit_code.as_deref(), Some(SCOPE));
}
