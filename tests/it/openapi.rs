//! The OpenAPI description (`GET /api/v1/openapi.json`) against the server itself: the routes
//! it lists are the router's, real responses fit the schemas it documents, and every API
//! failure — including those before a handler runs — has the one documented error shape.

use crate::harness::*;
use crate::standing::{row, rows};
use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const WARD: &str = "NK-P-CAI-KHE";

/// The description as the server serves it, to anyone.
async fn document(app: &TestApp) -> Value {
    let resp = service!(app).anonymous().get("/api/v1/openapi.json").await;
    assert_eq!(resp.status, StatusCode::OK, "served without a token");
    resp.json()
}

/// The schema a `$ref` points at (`#/components/schemas/NAME`), or the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a reference into the components: {r}"));
            let target = &doc["components"]["schemas"][name];
            assert!(!target.is_null(), "{r} is not in the document");
            resolve(doc, target)
        }
        None => schema,
    }
}

fn type_fits(t: &str, value: &Value) -> bool {
    match t {
        "null" => value.is_null(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        other => panic!("a type the check does not know: {other}"),
    }
}

/// The properties an object schema documents, its `allOf` parts' included, and the schema
/// extra properties must fit (`None` when there may be none).
fn documented<'a>(doc: &'a Value, schema: &'a Value) -> (BTreeSet<String>, Option<&'a Value>) {
    let schema = resolve(doc, schema);
    let mut names: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let mut extra = schema.get("additionalProperties").filter(|a| a.is_object());
    for part in schema["allOf"].as_array().into_iter().flatten() {
        let (n, e) = documented(doc, part);
        names.extend(n);
        extra = extra.or(e);
    }
    (names, extra)
}

/// Checks `value` against `schema`: types, required properties, no property the schema does
/// not document, array items, `allOf`/`oneOf`/`anyOf`. Each problem is named by its JSON path.
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    check_in(doc, schema, value, at, out, false);
}

fn check_in(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
    out: &mut Vec<String>,
    part_of_all: bool,
) {
    let schema = resolve(doc, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        check_in(doc, part, value, at, out, true);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema[key].as_array() {
            let fits = alts.iter().any(|alt| {
                let mut errs = Vec::new();
                check_in(doc, alt, value, at, &mut errs, part_of_all);
                errs.is_empty()
            });
            if !fits {
                out.push(format!("{at}: {value} fits none of {key}"));
            }
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() && !types.iter().any(|t| type_fits(t, value)) {
        out.push(format!("{at}: {value} is not {types:?}"));
        return;
    }
    if let Some(options) = schema["enum"].as_array() {
        if !options.contains(value) {
            out.push(format!("{at}: {value} is not one of {options:?}"));
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            check_in(doc, items, v, &format!("{at}[{i}]"), out, false);
        }
    }
    let Some(obj) = value.as_object() else {
        return;
    };
    for name in schema["required"].as_array().into_iter().flatten() {
        let name = name.as_str().unwrap();
        if !obj.contains_key(name) {
            out.push(format!("{at}: required `{name}` is missing"));
        }
    }
    let props = &schema["properties"];
    for (k, v) in obj {
        if let Some(s) = props.get(k) {
            check_in(doc, s, v, &format!("{at}.{k}"), out, false);
        }
    }
    if part_of_all || (props.is_null() && schema["allOf"].is_null()) {
        if let Some(extra) = schema.get("additionalProperties").filter(|a| a.is_object()) {
            for (k, v) in obj {
                check_in(doc, extra, v, &format!("{at}.{k}"), out, false);
            }
        }
        return;
    }
    let (names, extra) = documented(doc, schema);
    for (k, v) in obj.iter().filter(|(k, _)| !names.contains(*k)) {
        match extra {
            Some(e) => check_in(doc, e, v, &format!("{at}.{k}"), out, false),
            None => out.push(format!("{at}: `{k}` is not documented")),
        }
    }
}

/// The operation the document lists for a method and path.
fn operation<'a>(doc: &'a Value, method: &Method, path: &str) -> &'a Value {
    let op = &doc["paths"][path][method.as_str().to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {path} is in the document");
    op
}

/// The JSON schema a documented response of an operation has.
fn response_schema<'a>(doc: &'a Value, method: &Method, path: &str, status: u16) -> &'a Value {
    let r = &operation(doc, method, path)["responses"][status.to_string()];
    assert!(r.is_object(), "{method} {path} documents {status}");
    let s = &r["content"]["application/json"]["schema"];
    assert!(s.is_object(), "{method} {path} {status} has a JSON schema");
    s
}

/// Fails with every problem when `value` does not fit the documented response.
fn assert_fits(doc: &Value, method: Method, path: &str, status: u16, value: &Value) {
    let mut problems = Vec::new();
    check(
        doc,
        response_schema(doc, &method, path, status),
        value,
        "$",
        &mut problems,
    );
    assert!(
        problems.is_empty(),
        "{method} {path} {status} does not fit its schema:\n{}",
        problems.join("\n")
    );
}

#[actix_web::test]
async fn the_description_lists_exactly_the_api_routes() {
    let app = spawn_app();
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3."), "OpenAPI 3, not {version}");
    let routes: BTreeSet<(String, String)> = chiso::features::route_table()
        .into_iter()
        .filter(|(_, p)| p.starts_with("/api/"))
        .map(|(m, p)| (m.as_str().to_ascii_lowercase(), p.to_string()))
        .collect();
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .unwrap()
                .keys()
                .filter(|k| !["parameters", "summary", "description"].contains(&k.as_str()))
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    assert_eq!(documented, routes);
    assert!(routes.len() >= 7, "{routes:?}");
    // Every query parameter the handlers read is documented.
    let params = |path: &str| -> BTreeSet<String> {
        operation(&doc, &Method::GET, path)["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["in"] == "query")
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        params("/api/v1/scores"),
        names(&["survey", "period", "unit", "from", "to", "map"])
    );
    assert_eq!(
        params("/api/v1/parindex"),
        names(&["period", "unit", "from", "to", "map"])
    );
    assert_eq!(
        params("/api/v1/export"),
        names(&["survey", "period", "unit", "format"])
    );
    assert_eq!(params("/api/v1/units"), names(&["map"]));
    for path in ["/api/v1/scores", "/api/v1/parindex", "/api/v1/export"] {
        let required: BTreeSet<String> = operation(&doc, &Method::GET, path)["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["required"] == true)
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect();
        let want = if path.ends_with("parindex") {
            names(&["period"])
        } else {
            names(&["survey", "period"])
        };
        assert_eq!(required, want, "{path}");
    }
}

#[actix_web::test]
async fn every_operation_documents_its_errors_with_the_one_error_body() {
    let app = spawn_app();
    let doc = document(&app).await;
    let body = &doc["components"]["schemas"]["ErrorBody"];
    let required: BTreeSet<&str> = body["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required, BTreeSet::from(["error", "field"]), "{body}");
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops += 1;
            let responses = op["responses"].as_object().unwrap();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            if secured {
                let bearer = op["security"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s.get("bearer").is_some());
                assert!(bearer, "{method} {path} takes a bearer token");
                for status in ["401", "503"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} documents {status}"
                    );
                }
            }
            for (status, r) in responses {
                let code: u16 = status.parse().unwrap();
                if code < 400 {
                    continue;
                }
                assert_eq!(
                    r["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/ErrorBody",
                    "{method} {path} {status}"
                );
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} says when"
                );
            }
        }
    }
    assert!(ops >= 7);
    // The fields the contract names on every node are always sent.
    let node = &doc["components"]["schemas"]["NodeScore"];
    let required: BTreeSet<&str> = node["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|part| part["required"].as_array().into_iter().flatten())
        .map(|v| v.as_str().unwrap())
        .collect();
    for field in [
        "code", "name", "value", "points", "n", "ci_low", "ci_high", "baseline", "delta", "target",
        "owner", "children",
    ] {
        assert!(required.contains(field), "{field} in {required:?}");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
    assert_eq!(schemes["session"]["name"], "chiso_session", "{schemes}");
}

/// A request to the app as the server builds it: status, headers and body (JSON or Null).
struct Answer {
    status: StatusCode,
    content_type: String,
    allow: Option<String>,
    authenticate: Option<String>,
    body: Value,
}

/// Sends a request as built, malformed ones included (the point of the error table).
async fn call(app: &TestApp, req: TestRequest) -> Answer {
    let resp = service!(app).send(req).await;
    let header = |name: &str| {
        resp.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    Answer {
        status: resp.status,
        content_type: header("Content-Type").unwrap_or_default(),
        allow: header("Allow"),
        authenticate: header("WWW-Authenticate"),
        body: resp.json_or_null(),
    }
}

fn bearer(req: TestRequest, token: &str) -> TestRequest {
    req.insert_header(("Authorization", format!("Bearer {token}")))
}

#[actix_web::test]
async fn real_answers_of_every_route_fit_the_description() {
    let app = TestApp::builder().with_token(Role::Supervisor).build();
    let doc = document(&app).await;
    let (viewer, surveyor, supervisor) = (
        app.viewer_token.clone(),
        app.surveyor_token.clone(),
        app.tokens[0].clone(),
    );
    let post = |body: &Value| {
        bearer(TestRequest::post().uri("/api/v1/responses"), &surveyor)
            .insert_header(("Content-Type", "application/json"))
            .set_payload(serde_json::to_vec(body).unwrap())
    };
    // The request body an integrator sends fits the documented one.
    let sent = submission(WARD, Some(4));
    let request = &operation(&doc, &Method::POST, "/api/v1/responses")["requestBody"]["content"]
        ["application/json"]["schema"];
    let mut problems = Vec::new();
    check(&doc, request, &sent, "$", &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let mut unknown = sent.clone();
    unknown["phone"] = json!("0900");
    check(&doc, request, &unknown, "$", &mut problems);
    assert_eq!(problems, ["$: `phone` is not documented"]);

    let created = call(&app, post(&sent)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_fits(&doc, Method::POST, "/api/v1/responses", 201, &created.body);
    let again = call(&app, post(&sent)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["id"], created.body["id"]);
    assert_fits(&doc, Method::POST, "/api/v1/responses", 200, &again.body);
    for value in [Some(5), Some(2), None, Some(5), Some(4)] {
        let r = call(&app, post(&submission(WARD, value))).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }

    let get = |uri: &str, token: &str| bearer(TestRequest::get().uri(uri), token);
    let surveys = call(&app, get("/api/v1/surveys", &viewer)).await;
    assert_eq!(surveys.status, StatusCode::OK);
    assert!(surveys.body.as_array().unwrap().len() >= 4);
    assert_fits(&doc, Method::GET, "/api/v1/surveys", 200, &surveys.body);

    for uri in ["/api/v1/units", "/api/v1/units?map=can-tho-2025"] {
        let units = call(&app, get(uri, &viewer)).await;
        assert_eq!(units.status, StatusCode::OK, "{uri}");
        assert!(!units.body.as_array().unwrap().is_empty());
        assert_fits(&doc, Method::GET, "/api/v1/units", 200, &units.body);
    }

    // Scores with answers, without, on either map (the merged city's adds its baselines),
    // for every instrument.
    let uris = [
        "/api/v1/scores?survey=sipas-counter&period=2025".to_string(),
        format!("/api/v1/scores?survey=sipas-counter&period=2025&unit={WARD}"),
        "/api/v1/scores?survey=sipas-counter&period=2025&map=can-tho-2025".to_string(),
        "/api/v1/scores?survey=sipas-counter&period=2024".to_string(),
        "/api/v1/scores?survey=papi-aligned&period=2025".to_string(),
        "/api/v1/scores?survey=parindex-officials-2022&period=2025".to_string(),
        "/api/v1/scores?survey=sipas-2022-household&period=2025".to_string(),
    ];
    let mut saw_chance = false;
    let mut saw_merged = false;
    for uri in &uris {
        let scores = call(&app, get(uri, &viewer)).await;
        assert_eq!(scores.status, StatusCode::OK, "{uri}: {}", scores.body);
        assert_fits(&doc, Method::GET, "/api/v1/scores", 200, &scores.body);
        let root = &scores.body["nodes"][0];
        for field in [
            "code", "name", "value", "n", "ci_low", "ci_high", "children",
        ] {
            assert!(root.get(field).is_some(), "{uri}: the root has {field}");
        }
        assert!(root["top20_basis"].is_string(), "{uri}: {root}");
        saw_chance |= root["top20_chance"].is_number();
        saw_merged |= scores.body["merged_baselines"].is_object();
    }
    assert!(saw_chance, "a root with answers has a chance of the top 20");
    assert!(saw_merged, "the merged map carries the merged baselines");

    // The PAR INDEX, with an owner's entry so that a criterion carries one.
    let (status, empty) = {
        let r = call(&app, get("/api/v1/parindex?period=2025", &viewer)).await;
        (r.status, r.body)
    };
    assert_eq!(status, StatusCode::OK, "{empty}");
    let enterable = rows(&empty)
        .into_iter()
        .find(|r| r["enterable"] == true)
        .unwrap()["code"]
        .as_str()
        .unwrap()
        .to_string();
    par_entry(&app, &enterable, "0.5000", "Báo cáo số 12/BC-SNV", "admin");
    let par = call(&app, get("/api/v1/parindex?period=2025", &viewer)).await;
    assert_eq!(par.status, StatusCode::OK);
    assert_fits(&doc, Method::GET, "/api/v1/parindex", 200, &par.body);
    let row = row(&par.body, &enterable);
    assert_eq!(row["entry"]["points"], "0.5000", "{row}");
    assert!(par.body["projection"]["top20_basis"].is_string());

    // The export is a file: its type is one the description lists.
    let export = call(
        &app,
        get(
            "/api/v1/export?survey=sipas-counter&period=2025",
            &supervisor,
        ),
    )
    .await;
    assert_eq!(export.status, StatusCode::OK);
    let listed = operation(&doc, &Method::GET, "/api/v1/export")["responses"]["200"]["content"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect::<Vec<_>>();
    let essence = export.content_type.split(';').next().unwrap().to_string();
    assert!(listed.contains(&essence), "{essence} in {listed:?}");
}

#[actix_web::test]
async fn every_api_failure_has_the_one_error_shape() {
    let app = TestApp::builder().with_token(Role::Supervisor).build();
    let doc = document(&app).await;
    let scoped = app.add_token(Role::Supervisor, "cr", Some("CR"));
    let (viewer, surveyor, supervisor) = (
        app.viewer_token.as_str(),
        app.surveyor_token.as_str(),
        app.tokens[0].as_str(),
    );
    let good = serde_json::to_vec(&submission(WARD, Some(4))).unwrap();
    let mut big = submission(WARD, Some(4));
    big["background"]["note"] = json!("x".repeat(70 * 1024));
    let post = |token: &str, body: Vec<u8>| {
        bearer(TestRequest::post().uri("/api/v1/responses"), token)
            .insert_header(("Content-Type", "application/json"))
            .set_payload(body)
    };
    let get = |uri: &str, token: Option<&str>| {
        let r = TestRequest::get().uri(uri);
        match token {
            Some(t) => bearer(r, t),
            None => r,
        }
    };
    let q = "survey=sipas-counter&period=2025";
    // (what, request, the operation it reaches if any, status, field)
    type Case = (
        &'static str,
        TestRequest,
        Option<(Method, &'static str)>,
        u16,
        Option<&'static str>,
    );
    let responses = Some((Method::POST, "/api/v1/responses"));
    let scores = Some((Method::GET, "/api/v1/scores"));
    let units = Some((Method::GET, "/api/v1/units"));
    let export = Some((Method::GET, "/api/v1/export"));
    let parindex = Some((Method::GET, "/api/v1/parindex"));
    let surveys = Some((Method::GET, "/api/v1/surveys"));
    let cases: Vec<Case> = vec![
        (
            "no token",
            get("/api/v1/surveys", None),
            surveys.clone(),
            401,
            None,
        ),
        (
            "a wrong token",
            get("/api/v1/surveys", Some("khong-dung")),
            surveys.clone(),
            401,
            None,
        ),
        (
            "another scheme",
            TestRequest::get()
                .uri("/api/v1/surveys")
                .insert_header(("Authorization", "Basic YWRtaW46YWRtaW4=")),
            surveys.clone(),
            401,
            None,
        ),
        (
            "a viewer submits",
            post(viewer, good.clone()),
            responses.clone(),
            403,
            None,
        ),
        (
            "a page of another site submits",
            post(surveyor, good.clone()).insert_header(("Origin", "https://other.example")),
            responses.clone(),
            403,
            None,
        ),
        (
            "a unit outside the token's",
            get(&format!("/api/v1/scores?{q}&unit={WARD}"), Some(&scoped)),
            scores.clone(),
            403,
            Some("unit"),
        ),
        (
            "malformed JSON",
            post(surveyor, b"{\"survey\": ".to_vec()),
            responses.clone(),
            400,
            None,
        ),
        (
            "a body that is not UTF-8",
            post(surveyor, b"{\"survey\": \"\xff\"}".to_vec()),
            responses.clone(),
            400,
            None,
        ),
        (
            "a body over 64 KiB",
            post(surveyor, serde_json::to_vec(&big).unwrap()),
            responses.clone(),
            413,
            None,
        ),
        (
            "a wrong field",
            post(
                surveyor,
                serde_json::to_vec(&json!({"survey": 1, "period": 2025})).unwrap(),
            ),
            responses.clone(),
            422,
            Some("survey"),
        ),
        (
            "a parameter given twice",
            get(
                "/api/v1/scores?survey=sipas-counter&survey=papi-aligned&period=2025",
                Some(viewer),
            ),
            scores.clone(),
            400,
            Some("survey"),
        ),
        (
            "a map given twice",
            get("/api/v1/units?map=a&map=b", Some(viewer)),
            units.clone(),
            400,
            Some("map"),
        ),
        (
            "an export's period given twice",
            get(&format!("/api/v1/export?{q}&period=2024"), Some(supervisor)),
            export.clone(),
            400,
            Some("period"),
        ),
        (
            "a missing survey",
            get("/api/v1/scores?period=2025", Some(viewer)),
            scores.clone(),
            422,
            Some("survey"),
        ),
        (
            "a period that is not a year",
            get("/api/v1/parindex?period=nam-nay", Some(viewer)),
            parindex.clone(),
            422,
            Some("period"),
        ),
        (
            "an unknown unit set",
            get("/api/v1/units?map=ha-noi", Some(viewer)),
            units.clone(),
            422,
            Some("map"),
        ),
        (
            "an export without a token or session",
            get(&format!("/api/v1/export?{q}"), None),
            export.clone(),
            401,
            None,
        ),
        (
            "an export by a viewer",
            get(&format!("/api/v1/export?{q}"), Some(viewer)),
            export.clone(),
            403,
            None,
        ),
        (
            "an export in an unknown format",
            get(&format!("/api/v1/export?{q}&format=pdf"), Some(supervisor)),
            export.clone(),
            422,
            Some("format"),
        ),
        (
            "no such route",
            get("/api/v1/khong-co", Some(viewer)),
            None,
            404,
            None,
        ),
        (
            "another version",
            get("/api/v2/surveys", Some(viewer)),
            None,
            404,
            None,
        ),
        (
            "a trailing slash",
            get("/api/v1/surveys/", Some(viewer)),
            None,
            404,
            None,
        ),
        ("the API's root", get("/api", None), None, 404, None),
        (
            "reading the submission route",
            get("/api/v1/responses", Some(viewer)),
            None,
            405,
            None,
        ),
        (
            "posting to a read route",
            TestRequest::post().uri("/api/v1/surveys"),
            None,
            405,
            None,
        ),
        (
            "deleting scores",
            TestRequest::delete().uri(&format!("/api/v1/scores?{q}")),
            None,
            405,
            None,
        ),
    ];
    let error_body = json!({"$ref": "#/components/schemas/ErrorBody"});
    for (what, req, op, status, field) in cases {
        let a = call(&app, req).await;
        assert_eq!(a.status.as_u16(), status, "{what}: {}", a.body);
        assert!(
            a.content_type.starts_with("application/json"),
            "{what}: {}",
            a.content_type
        );
        let keys: BTreeSet<&str> = a
            .body
            .as_object()
            .unwrap_or_else(|| panic!("{what}: a JSON object"))
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BTreeSet::from(["error", "field"]), "{what}");
        assert!(
            a.body["error"].as_str().is_some_and(|e| e.len() > 5),
            "{what}: {}",
            a.body
        );
        assert_eq!(a.body["field"].as_str(), field, "{what}: {}", a.body);
        let mut problems = Vec::new();
        check(&doc, &error_body, &a.body, "$", &mut problems);
        assert!(problems.is_empty(), "{what}: {problems:?}");
        if let Some((method, path)) = op {
            // The status is one the description lists for the route, with the error body.
            assert_fits(&doc, method, path, status, &a.body);
        }
        match status {
            401 => assert_eq!(a.authenticate.as_deref(), Some("Bearer"), "{what}"),
            405 => assert!(a.allow.is_some(), "{what}"),
            _ => {}
        }
    }
    assert_eq!(app.responses(), 0, "no failure stored anything");

    // The method an address takes is named.
    let a = call(&app, get("/api/v1/responses", Some(viewer))).await;
    assert_eq!(a.allow.as_deref(), Some("POST"));
    // Pages keep their own answers: a missing page is a page.
    let a = call(&app, TestRequest::get().uri("/khong-co")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(
        a.content_type.starts_with("text/html"),
        "{}",
        a.content_type
    );
}

#[actix_web::test]
async fn the_description_reads_as_before() {
    let app = spawn_app();
    let doc = document(&app).await;
    insta::assert_snapshot!("openapi_json", serde_json::to_string_pretty(&doc).unwrap());
}
