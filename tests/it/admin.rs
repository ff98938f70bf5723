//! Administration in the browser (users, kiosks, API tokens) and the commands that do the same.

use crate::harness::*;
use actix_web::http::StatusCode;
use std::process::Output;

const WARD: &str = "NK-P-CAI-KHE";

/// The secret a page shows once.
fn secret(page: &str) -> String {
    let at = page
        .find("<code class=\"secret\">")
        .expect("a secret on the page")
        + 21;
    page[at..at + page[at..].find('<').unwrap()].to_string()
}

#[actix_web::test]
async fn admin_pages_let_admins_change_supervisors_read_and_others_not_in() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor), ("minh", Role::Surveyor)]);
    let svc = service!(app);
    let (_, admin) = svc.try_sign_in("admin", ADMIN_PASSWORD).await;
    let (_, lan) = svc.try_sign_in("lan", USER_PASSWORD).await;
    let (_, minh) = svc.try_sign_in("minh", USER_PASSWORD).await;
    let nobody = admin.with_session("");
    for (uri, add) in [
        ("/admin/users", "Thêm người dùng"),
        ("/admin/kiosks", "Thêm kiosk"),
        ("/admin/tokens", "Tạo khoá"),
    ] {
        let Answer {
            status, text: page, ..
        } = admin.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            page.contains(add) && page.contains("href=\"/admin/users\">Quản trị"),
            "{uri}"
        );
        let Answer {
            status, text: page, ..
        } = lan.get(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(
            !page.contains(add) && page.contains("chỉ xem được"),
            "{uri}"
        );
        let Answer { status, .. } = minh.get(&uri).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
        let Answer {
            status, location, ..
        } = nobody.get(&uri).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(location.as_deref(), Some("/login"));
    }
    let Answer {
        status, text: page, ..
    } = admin.get("/admin/users").await;
    assert!(status.is_success() && page.contains("lan") && page.contains("Giám sát"));
    let Answer {
        status, location, ..
    } = lan.get("/admin").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/admin/users"))
    );
    // The top bar links to it for supervisors, not for surveyors.
    let Answer { text: page, .. } = minh.get("/scores").await;
    assert!(!page.contains("href=\"/admin/users\""));

    // A supervisor cannot change anything.
    let Answer { status, .. } = lan
        .post_form(
            "/admin/users",
            &[
                ("name", "x"),
                ("role", "admin"),
                ("unit", ""),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let Answer { status, .. } = lan
        .post_form("/admin/tokens", &[("role", "admin"), ("label", "")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let Answer { status, .. } = lan
        .press(format!("/admin/users/{}/disable", user_id(&app, "minh")))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A form without the CSRF field, or with another one, is refused.
    let fields = [("role", "admin"), ("label", "x")];
    let resp = admin.post_form_without_csrf("/admin/tokens", &fields).await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    let wrong = "f".repeat(64);
    let resp = admin
        .post_form_without_csrf("/admin/tokens", &[fields[0], fields[1], ("csrf", &wrong)])
        .await;
    assert_eq!(resp.status, StatusCode::FORBIDDEN);
    assert_eq!(stored_tokens(&app).len(), 2, "nothing made");
    assert_eq!(stored_users(&app).len(), 3);
}

#[actix_web::test]
async fn admins_add_change_reset_and_disable_users_and_bad_input_changes_nothing() {
    let app = spawn_app_with_staff(&[("lan", Role::Supervisor)]);
    let svc = service!(app);
    let (_, admin) = svc.try_sign_in("admin", ADMIN_PASSWORD).await;
    let users = stored_users;
    let before = users(&app);

    for (fields, message) in [
        (
            [
                ("name", "hoa"),
                ("role", "surveyor"),
                ("unit", ""),
                ("password", "ngan"),
            ],
            "Mật khẩu: cần ít nhất 12 ký tự",
        ),
        (
            [
                ("name", "lan"),
                ("role", "surveyor"),
                ("unit", ""),
                ("password", ""),
            ],
            "Tên đăng nhập: “lan” đã có người dùng",
        ),
        (
            [
                ("name", "hoa"),
                ("role", "boss"),
                ("unit", ""),
                ("password", ""),
            ],
            "Vai trò: không có vai trò “boss”",
        ),
        (
            [
                ("name", "hoa"),
                ("role", "viewer"),
                ("unit", "HN"),
                ("password", ""),
            ],
            "Đơn vị: không có đơn vị “HN”",
        ),
        (
            [
                ("name", "hoa an"),
                ("role", "viewer"),
                ("unit", ""),
                ("password", ""),
            ],
            "Tên đăng nhập: cần 1–64 ký tự, không có dấu cách",
        ),
    ] {
        let Answer {
            status, text: page, ..
        } = admin.post_form("/admin/users", &fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(page.contains(message), "{message}: {page}");
        assert!(page.contains("Chưa thay đổi gì"));
        let typed = format!("name=\"name\" value=\"{}\"", fields[0].1);
        assert!(page.contains(&typed), "what was typed is kept: {message}");
    }
    assert_eq!(users(&app), before, "bad input stores nothing");

    // Added with a chosen password, scoped to a district: the change answers with a redirect
    // to the tab, which says what was done once (a reload neither adds again nor says it).
    let added = admin
        .post_form(
            "/admin/users",
            &[
                ("name", "hoa"),
                ("role", "surveyor"),
                ("unit", "NK"),
                ("password", "mat-khau-cua-hoa"),
            ],
        )
        .await;
    assert_eq!(added.location.as_deref(), Some("/admin/users"));
    let shown = admin.follow(added).await;
    assert_eq!(
        shown.cookie("chiso_notice").as_deref(),
        Some(""),
        "said once"
    );
    let page = shown.text_with(StatusCode::OK);
    assert_says(&page, &["Đã thêm người dùng “hoa”.", "Quận Ninh Kiều"]);
    let again = admin.get("/admin/users").await.text_with(StatusCode::OK);
    assert!(again.contains("Quận Ninh Kiều") && !again.contains("Đã thêm người dùng"));
    let (status, hoa) = svc.try_sign_in("hoa", "mat-khau-cua-hoa").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let Answer { status, .. } = hoa.get("/entry").await;
    assert_eq!(status, StatusCode::OK);

    // Role and scope changed.
    let hoa_id = user_id(&app, "hoa");
    let Answer { status, .. } = admin
        .post_form(
            format!("/admin/users/{hoa_id}/role"),
            &[("role", "viewer"), ("unit", "")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let Answer { status, .. } = hoa.get("/entry").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a viewer now");
    let page = admin
        .post_form(
            format!("/admin/users/{hoa_id}/role"),
            &[("role", "supervisor"), ("unit", "XX")],
        )
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Đơn vị: không có đơn vị “XX”"));
    let u = users(&app)
        .into_iter()
        .find(|u| u.username == "hoa")
        .unwrap();
    assert_eq!((u.role.as_str(), u.unit_code), ("viewer", None));

    // Disabled: the open session stops at once, and signing in is refused.
    let disabled = admin.press(format!("/admin/users/{hoa_id}/disable")).await;
    let page = admin.follow(disabled).await.text_with(StatusCode::OK);
    assert_says(&page, &["Đã khoá tài khoản", "Đã khoá"]);
    let Answer {
        status, location, ..
    } = hoa.get("/scores").await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/login"))
    );
    let (status, _) = svc.try_sign_in("hoa", "mat-khau-cua-hoa").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let Answer {
        status, text: page, ..
    } = admin.press(format!("/admin/users/{hoa_id}/disable")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "twice");
    assert!(page.contains("“hoa” đã bị khoá"));
    let Answer { status, .. } = admin.press(format!("/admin/users/{hoa_id}/enable")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, hoa) = svc.try_sign_in("hoa", "mat-khau-cua-hoa").await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // An admin cannot lock themself out.
    let admin_id = user_id(&app, "admin");
    let page = admin
        .press(format!("/admin/users/{admin_id}/disable"))
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("không thể tự khoá"));
    let Answer { status, .. } = admin
        .post_form(
            format!("/admin/users/{admin_id}/role"),
            &[("role", "viewer"), ("unit", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Reset: a new password shown once; the old one and the open session end.
    let page = admin
        .press(format!("/admin/users/{hoa_id}/password"))
        .await
        .text_with(StatusCode::OK);
    let new_password = secret(&page);
    assert_eq!(new_password.len(), 20);
    let Answer { status, .. } = hoa.get("/scores").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "sessions ended");
    let (status, _) = svc.try_sign_in("hoa", "mat-khau-cua-hoa").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = svc.try_sign_in("hoa", new_password.as_str()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let Answer { text: page, .. } = admin.get("/admin/users").await;
    assert!(!page.contains(&new_password), "shown once");

    // Added without a password: one is generated and shown.
    let page = admin
        .post_form(
            "/admin/users",
            &[
                ("name", "tam"),
                ("role", "viewer"),
                ("unit", ""),
                ("password", ""),
            ],
        )
        .await
        .text_with(StatusCode::OK);
    let generated = secret(&page);
    let (status, _) = svc.try_sign_in("tam", generated.as_str()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The audit log names every change and no password.
    let log = audit_entries(&app, None);
    let actions: Vec<&str> = log
        .iter()
        .filter(|e| e.actor == "admin" && e.action.starts_with("user."))
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.password",
            "user.enable",
            "user.disable",
            "user.role",
            "user.add"
        ]
    );
    for e in &log {
        for p in [
            "mat-khau-cua-hoa",
            new_password.as_str(),
            generated.as_str(),
        ] {
            assert!(!e.detail.contains(p), "{e:?}");
        }
    }
    let page = admin
        .get("/audit?action=user")
        .await
        .text_with(StatusCode::OK);
    assert_says(&page, &["Khoá người dùng", "Đặt lại mật khẩu"]);
}

#[actix_web::test]
async fn a_kiosk_added_in_the_browser_works_on_the_public_address_until_revoked() {
    let app = TestApp::builder()
        .with_user("lan", Role::Supervisor, None)
        .settings(|s| s.public_url = "https://chiso.cantho.gov.vn".into())
        .build();
    let svc = service!(app);
    let (_, admin) = svc.try_sign_in("admin", ADMIN_PASSWORD).await;
    let (_, lan) = svc.try_sign_in("lan", USER_PASSWORD).await;

    for (unit, survey, message) in [
        ("HN", "sipas-counter", "Đơn vị: không có đơn vị “HN”"),
        (WARD, "nope", "Phiếu khảo sát: không có phiếu “nope”"),
        (
            WARD,
            "parindex-officials-2022",
            "hỏi theo nhóm người trả lời",
        ),
        ("P-CAI-RANG", "sipas-counter", "không phải đơn vị hiện nay"),
    ] {
        let Answer {
            status, text: page, ..
        } = admin
            .post_form(
                "/admin/kiosks",
                &[("unit", unit), ("survey", survey), ("label", "")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        assert!(page.contains(message), "{message}: {page}");
    }
    let Answer {
        status, text: page, ..
    } = admin
        .post_form(
            "/admin/kiosks",
            &[
                ("unit", WARD),
                ("survey", "sipas-counter"),
                ("label", "Quầy 2"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let url = secret(&page);
    assert!(url.starts_with("https://chiso.cantho.gov.vn/k/"), "{url}");
    assert!(page.contains("<svg"), "a QR code of the URL");
    let path = url.trim_start_matches("https://chiso.cantho.gov.vn");

    // The kiosk works.
    let kiosk = svc.citizen(path.trim_start_matches("/k/"));
    assert_eq!(kiosk.path(), path);
    assert_eq!(kiosk.answer(None).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.responses(), 1);

    // Listed as alive (its page was loaded), never with when it last took an answer; today's
    // one answer at its unit is under the smallest cell, so withheld; the URL is not shown
    // again.
    let page = lan.get("/admin/kiosks").await.text_with(StatusCode::OK);
    assert_says(&page, &["Quầy 2", "Phường Cái Khế"]);
    assert!(page.contains("Có, trong giờ qua"), "{page}");
    assert!(
        !page.contains("vừa xong") && !page.contains("phút trước") && !page.contains("Lần gửi"),
        "no time of an answer: {page}"
    );
    assert!(
        page.contains("đơn vị\"><span class=\"note\">dưới 5</span></td>")
            && !page.contains("đơn vị\">1</td>"),
        "{page}"
    );
    assert!(!page.contains(path));

    let id = stored_kiosks(&app)[0].id.clone();
    let revoke = format!("/admin/kiosks/{id}/revoke");
    assert_eq!(lan.press(&revoke).await.status, StatusCode::FORBIDDEN);
    revoke_confirmed(&admin, &revoke, "Đã thu hồi").await;
    assert_eq!(kiosk.form().await.status, StatusCode::NOT_FOUND);
    assert_revoked_already(&admin, &revoke).await;

    let log = audit_entries(&app, None);
    let token = path.trim_start_matches("/k/");
    assert!(log
        .iter()
        .any(|e| e.action == "kiosk.add" && e.actor == "admin"));
    assert!(log.iter().any(|e| e.action == "kiosk.revoke"));
    assert!(log.iter().all(|e| !e.detail.contains(token)));
}

/// `admin` presses revoke at `path`: the page it leads to says `done`.
async fn revoke_confirmed(admin: &Staff, path: &str, done: &str) {
    let page = admin
        .follow(admin.press(path).await)
        .await
        .text_with(StatusCode::OK);
    assert!(page.contains(done), "{page}");
}

/// Revoking again at `path` is refused: it may have been revoked already.
async fn assert_revoked_already(admin: &Staff, path: &str) {
    let again = admin.press(path).await;
    let page = again.text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert_says(&page, &["có thể đã bị thu hồi"]);
}

#[actix_web::test]
async fn an_api_token_is_shown_once_and_refused_once_revoked() {
    let app = TestApp::builder().build();
    let svc = service!(app);
    let (_, admin) = svc.try_sign_in("admin", ADMIN_PASSWORD).await;
    let page = admin
        .post_form("/admin/tokens", &[("role", "boss"), ("label", "x")])
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("Vai trò: không có vai trò “boss”"));
    let Answer {
        status, text: page, ..
    } = admin
        .post_form(
            "/admin/tokens",
            &[("role", "surveyor"), ("label", "Cổng dịch vụ công")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = secret(&page);
    assert_eq!(token.len(), 64);
    let program = svc.token(&token);
    assert_eq!(program.get("/api/v1/surveys").await.status, StatusCode::OK);
    let Answer { text: page, .. } = admin.get("/admin/tokens").await;
    assert!(page.contains("Cổng dịch vụ công") && !page.contains(&token));

    let id = token_id(&app, "Cổng dịch vụ công");
    let revoke = format!("/admin/tokens/{id}/revoke");
    revoke_confirmed(&admin, &revoke, "Đã thu hồi khoá API").await;
    // The database refuses it (other servers: once their 30 s cache entry ages out), and this
    // server refuses it at once, though it checked the token a moment ago.
    assert!(token_grant(&app, &token).is_none());
    assert_eq!(
        program.get("/api/v1/surveys").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_revoked_already(&admin, &revoke).await;
    let log = audit_entries(&app, None);
    assert!(log
        .iter()
        .any(|e| e.action == "token.create" && e.detail == "surveyor Cổng dịch vụ công"));
    assert!(log.iter().all(|e| !e.detail.contains(&token)));
}

fn chiso(db: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = chiso_process(db);
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn operators_list_disable_and_reset_users_and_read_the_audit_log() {
    let (_dir, db, _guard) = process_database();
    let pw = [("CHISO_USER_PASSWORD", "mat-khau-cua-lan")];
    let out = chiso(
        &db,
        &["user", "add", "lan", "--role", "supervisor", "--unit", "NK"],
        &pw,
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = chiso(&db, &["user", "add", "lan", "--role", "viewer"], &pw);
    assert_fails_saying(&out, "user 'lan' already exists");
    let out = chiso(
        &db,
        &["user", "add", "hai", "--role", "viewer"],
        &[("CHISO_USER_PASSWORD", "short")],
    );
    assert_fails_saying(&out, "at least 12 characters");

    let out = chiso(&db, &["user", "list"], &[]);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert_says(
        &listed,
        &["admin\tadmin\t-\tactive\t", "lan\tsupervisor\tNK\tactive\t"],
    );

    assert!(chiso(&db, &["user", "disable", "lan"], &[])
        .status
        .success());
    let listed = String::from_utf8_lossy(&chiso(&db, &["user", "list"], &[]).stdout).to_string();
    assert!(
        listed.contains("lan\tsupervisor\tNK\tdisabled\t"),
        "{listed}"
    );
    assert!(!password_accepted_in(&db, "lan", "mat-khau-cua-lan"));
    let out = chiso(&db, &["user", "disable", "lan"], &[]);
    assert_fails_saying(&out, "already disabled");
    assert!(chiso(&db, &["user", "enable", "lan"], &[]).status.success());
    assert!(password_accepted_in(&db, "lan", "mat-khau-cua-lan"));
    let out = chiso(&db, &["user", "disable", "nobody"], &[]);
    assert_fails_saying(&out, "no user 'nobody'");

    // A new password: generated and printed, or from the environment.
    let out = chiso(&db, &["user", "password", "lan"], &[]);
    let printed = String::from_utf8_lossy(&out.stdout).to_string();
    let generated = printed
        .trim()
        .strip_prefix("Password: ")
        .unwrap()
        .to_string();
    assert_eq!(generated.len(), 20);
    assert!(password_accepted_in(&db, "lan", &generated));
    let out = chiso(
        &db,
        &["user", "password", "lan"],
        &[("CHISO_USER_PASSWORD", "mat-khau-moi-cua-lan")],
    );
    assert!(out.status.success() && !text(&out).contains("mat-khau-moi"));
    assert!(password_accepted_in(&db, "lan", "mat-khau-moi-cua-lan"));

    let out = chiso(&db, &["audit", "--action", "user.", "--limit", "3"], &[]);
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].contains("\tcli\tuser.password\tlan"), "{lines:?}");
    assert!(lines[2].contains("\tcli\tuser.enable\tlan"), "{lines:?}");
    let out = chiso(&db, &["audit", "--actor", "nobody"], &[]);
    assert!(out.status.success() && out.stdout.is_empty());
    let all = String::from_utf8_lossy(&chiso(&db, &["audit"], &[]).stdout).to_string();
    assert_says(&all, &["user.disable", "user.add\tlan supervisor NK"]);
    for secret in [
        "mat-khau-cua-lan",
        "mat-khau-moi-cua-lan",
        generated.as_str(),
    ] {
        assert!(!all.contains(secret), "{all}");
    }
}

#[test]
fn kiosk_add_prints_its_url_on_the_public_address() {
    let (_dir, db, _guard) = process_database();
    let add = words("kiosk add --unit P-CAI-RANG --survey sipas-counter");
    // Without a public address: the address the server listens on.
    let out = chiso(&db, &add, &[("CHISO_BIND", "0.0.0.0:9090")]);
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(url.starts_with("http://0.0.0.0:9090/k/"), "{}", text(&out));
    let out = chiso(
        &db,
        &add,
        &[("CHISO_PUBLIC_URL", "https://chiso.cantho.gov.vn/")],
    );
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        url.starts_with("https://chiso.cantho.gov.vn/k/"),
        "{}",
        text(&out)
    );
    let mut args = add.to_vec();
    args.extend(["--public-url", "https://kiosk.example"]);
    let out = chiso(&db, &args, &[]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("https://kiosk.example/k/"),
        "{}",
        text(&out)
    );
    let out = chiso(
        &db,
        &[
            "codes",
            "issue",
            "--unit",
            "P-CAI-RANG",
            "--survey",
            "sipas-counter",
            "--count",
            "1",
        ],
        &[("CHISO_PUBLIC_URL", "https://chiso.cantho.gov.vn")],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(",https://chiso.cantho.gov.vn/o/"),
        "{}",
        text(&out)
    );
    let listed = String::from_utf8_lossy(&chiso(&db, &["kiosk", "list"], &[]).stdout).to_string();
    assert_eq!(listed.matches("\tactive").count(), 3, "{listed}");
}

/// A form that cannot be read as the page's form (a field sent twice) is refused naming the
/// field, with nothing stored: not taken for a stale page.
#[actix_web::test]
async fn an_unreadable_form_names_its_field_and_stores_nothing() {
    let app = spawn_app();
    let svc = service!(app);
    let admin = svc.admin().await;
    let users = |app: &TestApp| stored_users(app).len();
    let before = users(&app);
    let page = admin
        .post_form(
            "/admin/users",
            &[
                ("name", "hai-lan"),
                ("name", "hai-lan-nua"),
                ("role", "viewer"),
                ("password", ""),
            ],
        )
        .await
        .text_with(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("“name”"), "{page}");
    assert_eq!(users(&app), before, "nothing stored");
}

/// Another ward of Ninh Kiều, outside the ward admin's unit.
const OTHER_WARD: &str = "NK-P-AN-BINH";

/// A ward admin (`chiso user add a --role admin --unit NK-P-CAI-KHE`), signed in.
fn ward_admin_app() -> TestApp {
    TestApp::builder()
        .with_user("a", Role::Admin, Some(WARD))
        .with_user("chi", Role::Supervisor, None)
        .with_user("an", Role::Surveyor, Some(OTHER_WARD))
        .with_user("ba", Role::Viewer, Some(WARD))
        .with_kiosk(OTHER_WARD, "sipas-counter")
        .build()
}

fn made_in(app: &TestApp, kind: &str) -> Vec<Option<String>> {
    crate::authz::made(app)
        .into_iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, _, unit)| unit)
        .collect()
}

/// The ward admin asks for a user, an API token, a kiosk and slip codes for the whole city, a
/// district above it and another ward: each is refused on its form, naming the unit, and
/// nothing is stored or logged. In its own ward each is made, scoped there.
#[actix_web::test]
async fn a_ward_admin_creates_users_tokens_kiosks_and_codes_only_within_its_ward() {
    let app = ward_admin_app();
    let svc = service!(app);
    let a = svc.sign_in("a", USER_PASSWORD).await;
    let before = crate::authz::made(&app);
    let log = audit_entries(&app, None).len();
    for unit in ["", "NK", OTHER_WARD, "CR-P-BA-LANG"] {
        for (uri, fields) in [
            (
                "/admin/users",
                vec![
                    ("name", "b"),
                    ("role", "admin"),
                    ("unit", unit),
                    ("password", "mot-mat-khau-dai"),
                ],
            ),
            (
                "/admin/tokens",
                vec![
                    ("role", "admin"),
                    ("label", "toan-thanh-pho"),
                    ("unit", unit),
                ],
            ),
            (
                "/admin/kiosks",
                vec![
                    ("unit", unit),
                    ("survey", "sipas-counter"),
                    ("label", "Quầy X"),
                ],
            ),
            (
                "/codes",
                vec![("unit", unit), ("survey", "sipas-counter"), ("count", "3")],
            ),
        ] {
            let Answer {
                status, text: page, ..
            } = a.post_form(&uri, &fields).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{uri} unit={unit}: {page}"
            );
            // The form again, with the message naming the field and why.
            let why = match unit {
                "" if uri.starts_with("/admin/users") || uri.starts_with("/admin/tokens") => {
                    "không tạo được gì cho toàn thành phố"
                }
                "" => "không có đơn vị “”",
                _ => "nằm ngoài Phường Cái Khế",
            };
            assert!(page.contains(why), "{uri} unit={unit}: {page}");
            assert!(page.contains("<form"), "{uri}: the form is shown again");
            assert!(!page.contains("class=\"secret\""), "{uri}: no secret shown");
        }
    }
    assert_eq!(crate::authz::made(&app), before, "nothing stored");
    assert_eq!(audit_entries(&app, None).len(), log, "nothing logged");

    // Within the ward: each is made, scoped to the ward.
    let ward = Some(WARD.to_string());
    a.post_form(
        "/admin/users",
        &[
            ("name", "b"),
            ("role", "admin"),
            ("unit", WARD),
            ("password", "mot-mat-khau-dai"),
        ],
    )
    .await
    .text_with(StatusCode::SEE_OTHER);
    let b = stored_users(&app)
        .into_iter()
        .find(|u| u.username == "b")
        .expect("b added");
    assert_eq!(
        (b.role.as_str(), b.unit_code.clone()),
        ("admin", ward.clone())
    );
    let Answer { status, .. } = a
        .post_form(
            "/admin/tokens",
            &[("role", "admin"), ("label", "phuong"), ("unit", WARD)],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let Answer { status, .. } = a
        .post_form(
            "/admin/kiosks",
            &[
                ("unit", WARD),
                ("survey", "sipas-counter"),
                ("label", "Quầy 1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let Answer { status, .. } = a
        .post_form(
            "/codes",
            &[("unit", WARD), ("survey", "sipas-counter"), ("count", "3")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let now = crate::authz::made(&app);
    let new: Vec<_> = now.difference(&before).collect();
    assert_eq!(new.len(), 1 + 1 + 1 + 3, "{new:?}");
    assert!(new.iter().all(|(_, _, unit)| *unit == ward), "{new:?}");
    assert_eq!(made_in(&app, "code").len(), 3);

    // The unit choosers offer the ward only.
    for uri in ["/admin/users", "/admin/kiosks", "/admin/tokens", "/codes"] {
        let page = a.get(&uri).await.text_with(StatusCode::OK);
        assert!(page.contains(&format!("value=\"{WARD}\"")), "{uri}: {page}");
        assert!(
            !page.contains(&format!("value=\"{OTHER_WARD}\"")) && !page.contains("value=\"NK\""),
            "{uri} offers units outside the ward"
        );
    }
}

/// The ward admin tries to change, reset, disable or enable users of the city and of another
/// ward, to move its own ward's user out or widen its own scope, and to revoke another
/// ward's kiosk and a city-wide token: refused, nothing changed or logged.
#[actix_web::test]
async fn a_ward_admin_cannot_act_on_users_tokens_or_kiosks_outside_its_ward() {
    let app = ward_admin_app();
    let svc = service!(app);
    let a = svc.sign_in("a", USER_PASSWORD).await;
    let city_token = app.add_token(Role::Supervisor, "thanh-pho", None);
    let kiosk = stored_kiosks(&app).remove(0);
    let users = stored_users;
    let before = (users(&app), crate::authz::made(&app));
    let log = audit_entries(&app, None).len();

    // Users outside the ward: not theirs to act on at all.
    for name in ["chi", "an", "admin"] {
        let id = user_id(&app, name);
        for (uri, fields) in [
            (
                format!("/admin/users/{id}/role"),
                vec![("role", "viewer"), ("unit", WARD)],
            ),
            (format!("/admin/users/{id}/password"), vec![]),
            (format!("/admin/users/{id}/disable"), vec![]),
            (format!("/admin/users/{id}/enable"), vec![]),
        ] {
            let Answer {
                status, text: page, ..
            } = a.post_form(&uri, &fields).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{uri} ({name}): {page}");
            assert!(
                !page.contains("class=\"secret\""),
                "{uri}: no password shown"
            );
        }
    }
    // The ward's own user moved out, or given a wider scope; the admin widening its own.
    for (name, unit) in [("ba", ""), ("ba", OTHER_WARD), ("ba", "NK"), ("a", "")] {
        let id = user_id(&app, name);
        let Answer {
            status, text: page, ..
        } = a
            .post_form(
                format!("/admin/users/{id}/role"),
                &[("role", "admin"), ("unit", unit)],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name} → {unit:?}"
        );
        assert!(
            page.contains("nằm ngoài Phường Cái Khế") || page.contains("cho toàn thành phố"),
            "{page}"
        );
    }
    // Another ward's kiosk (by id and by its address) and a city-wide token (by id and by
    // the token itself).
    let token_id = token_id(&app, "thanh-pho");
    for uri in [
        format!("/admin/kiosks/{}/revoke", kiosk.id),
        format!("/admin/kiosks/{}/revoke", app.kiosks[0]),
        format!("/admin/tokens/{token_id}/revoke"),
        format!("/admin/tokens/{city_token}/revoke"),
    ] {
        let Answer { status, .. } = a.post_form(&uri, &Vec::<(&str, &str)>::new()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(
        (users(&app), crate::authz::made(&app)),
        before,
        "nothing changed"
    );
    assert_eq!(audit_entries(&app, None).len(), log, "nothing logged");
    assert!(token_grant(&app, &city_token).is_some());
    assert!(stored_kiosks(&app)[0].revoked_at.is_none());
    let (status, _) = svc.try_sign_in("chi", USER_PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "chi's password still works");

    // Within the ward: the admin changes its own ward's user (the test can fail).
    let id = user_id(&app, "ba");
    let Answer { status, .. } = a
        .post_form(
            format!("/admin/users/{id}/disable"),
            &Vec::<(&str, &str)>::new(),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(users(&app).iter().any(|u| u.username == "ba" && u.disabled));
}

/// Campaigns span the city: the ward admin's every campaign request is refused, the list
/// upload among them (it used to add people and answer with every name and contact).
#[actix_web::test]
async fn a_ward_admin_is_refused_every_campaign_request_and_adds_no_one() {
    use chiso::features::campaigns::service::{self as campaigns, NewCampaign};
    let app = ward_admin_app();
    let svc = service!(app);
    let a = svc.sign_in("a", USER_PASSWORD).await;
    let (c, _) = campaigns::create(
        &app.state,
        "test",
        NewCampaign {
            survey: "parindex-officials-2022".into(),
            period: PERIOD,
            title: "Đợt 1".into(),
            ..Default::default()
        },
        Some(campaigns::ListSource::Text(
            "name,group,unit,contact\nNguyễn Văn Kín,hdnd,SNV,kin@example.vn\n",
        )),
    )
    .unwrap();
    let person = campaigns::respondents(&app.state, &c.id).unwrap()[0]
        .id
        .clone();
    let log = audit_entries(&app, None).len();

    let csv = "name,group,unit,contact\nTrần Thị Mới,hdnd,SNV,moi@example.vn\n";
    let upload = multipart(&[("csrf", &a.csrf)], &[("file", "ds.csv", csv.as_bytes())]);
    let page = a
        .post_multipart(format!("/campaigns/{}/list-file", c.id), upload)
        .await
        .text_with(StatusCode::FORBIDDEN);
    assert!(
        !page.contains("Nguyễn Văn Kín") && !page.contains("kin@example.vn"),
        "{page}"
    );

    let id = &c.id;
    for (uri, fields) in [
        (
            "/campaigns".to_string(),
            vec![
                ("survey", "parindex-officials-2022"),
                ("period", "2025"),
                ("title", "Của phường"),
            ],
        ),
        (format!("/campaigns/{id}/list"), vec![("list", csv)]),
        (
            format!("/campaigns/{id}/people"),
            vec![("name", "Lê Văn Tay"), ("group", "hdnd"), ("unit", WARD)],
        ),
        (format!("/campaigns/{id}/open"), vec![]),
        (format!("/campaigns/{id}/links"), vec![("format", "csv")]),
        (format!("/campaigns/{id}/people/{person}/reissue"), vec![]),
        (format!("/campaigns/{id}/people/{person}/revoke"), vec![]),
        (format!("/campaigns/{id}/close"), vec![]),
    ] {
        let Answer {
            status, text: page, ..
        } = a.post_form(&uri, &fields).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{uri}: {page}");
        assert!(!page.contains("Nguyễn Văn Kín"), "{uri}");
    }
    let people = campaigns::respondents(&app.state, id).unwrap();
    assert_eq!(people.len(), 1, "no one added");
    assert_eq!(campaigns::list(&app.state).unwrap().len(), 1);
    assert_eq!(campaigns::get(&app.state, id).unwrap().status, "draft");
    assert_eq!(audit_entries(&app, None).len(), log, "nothing logged");

    // The application layer refuses a scoped actor as the pages do.
    let ward_admin = chiso::features::actor::Actor {
        name: "a".into(),
        role: Role::Admin,
        unit: Some(WARD.into()),
    };
    assert!(matches!(
        campaigns::add_list(
            &app.state,
            &ward_admin,
            id,
            campaigns::ListSource::Text(csv)
        ),
        Err(campaigns::CampaignError::Forbidden(_))
    ));
}

/// A ward's supervisor reads the tokens page: the ward's tokens only, not the city's nor
/// another ward's (their labels, roles and units).
#[actix_web::test]
async fn a_ward_supervisor_sees_only_its_wards_tokens() {
    let app = TestApp::builder()
        .with_user("s", Role::Supervisor, Some(WARD))
        .with_user("chi", Role::Supervisor, None)
        .build();
    let svc = service!(app);
    app.add_token(Role::Admin, "nhan-thanh-pho", None);
    app.add_token(Role::Viewer, "nhan-an-binh", Some(OTHER_WARD));
    app.add_token(Role::Viewer, "nhan-cai-khe", Some(WARD));
    let s = svc.supervisor("s").await;
    let page = s.get("/admin/tokens").await.text_with(StatusCode::OK);
    assert!(page.contains("nhan-cai-khe"), "{page}");
    assert!(
        !page.contains("nhan-thanh-pho") && !page.contains("nhan-an-binh"),
        "{page}"
    );
    let chi = svc.supervisor("chi").await;
    let Answer { text: page, .. } = chi.get("/admin/tokens").await;
    assert_says(&page, &["nhan-thanh-pho", "nhan-an-binh"]);
}

/// Revoking a kiosk cannot be undone: the list links to a question naming the kiosk, asking
/// changes nothing, and only the confirmed form revokes it. An admin of another unit is refused
/// the question as the revocation itself.
#[actix_web::test]
async fn revoking_a_kiosk_asks_first_and_only_the_confirmed_form_revokes() {
    let app = TestApp::builder()
        .with_user("a", Role::Admin, Some(WARD))
        .with_kiosk(OTHER_WARD, "sipas-counter")
        .build();
    let id = kiosk_id(&app, &app.kiosks[0]);
    let svc = service!(app);
    let admin = svc.admin().await;
    let list = admin.get("/admin/kiosks").await.text_with(StatusCode::OK);
    assert!(
        !list.contains(&format!("action=\"/admin/kiosks/{id}/revoke\"")),
        "no one-click revoke"
    );
    assert!(list.contains(&format!("href=\"/admin/kiosks/{id}/revoke\"")));
    let ask = admin
        .get(format!("/admin/kiosks/{id}/revoke"))
        .await
        .text_with(StatusCode::OK);
    assert_says(&ask, &["Thu hồi kiosk?", "Quầy 1", "Không hoàn tác được"]);
    assert!(
        ask.contains(&format!("action=\"/admin/kiosks/{id}/revoke\""))
            && ask.contains("href=\"/admin/kiosks\"")
    );
    assert!(
        stored_kiosks(&app).iter().all(|k| k.revoked_at.is_none()),
        "asking revokes nothing"
    );
    let ward_admin = svc.sign_in("a", USER_PASSWORD).await;
    let refused = ward_admin.get(format!("/admin/kiosks/{id}/revoke")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let done = admin.press(format!("/admin/kiosks/{id}/revoke")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(stored_kiosks(&app).iter().all(|k| k.revoked_at.is_some()));
    let gone = admin.get(format!("/admin/kiosks/{id}/revoke")).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "nothing left to revoke");
}
