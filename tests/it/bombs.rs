//! Files built to exhaust the server: a workbook cell addressed far to the right, a shared
//! string of 600 MB zipped into 600 KB, a CSV header of 200,000 columns. Each is uploaded to a
//! real `chiso serve` through the import page and a campaign's list upload, and given to
//! `chiso import` and `chiso campaign create`: each is refused within a second with a message
//! naming the limit, and the server stays small and healthy.

use crate::harness::{
    chiso_process, import_counter_forms, process_database, respondents_file, rss_mb, start_server,
    text, ADMIN_PROCESS_PASSWORD,
};
use chiso::http_client::{sign_in, Client, SignedIn};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;

/// A workbook written part by part: `shared` writes the shared strings' body into the zip
/// stream (so a huge one is never held in memory).
fn workbook(path: &Path, sheet_cells: &str, shared: &mut dyn FnMut(&mut dyn Write)) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    for (name, text) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
    ] {
        zip.start_file(name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_cells}</sheetData></worksheet>"#
    )
    .unwrap();
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    shared(&mut zip);
    zip.finish().unwrap();
}

/// A header cell in A1 and one cell at `address` in row 2.
fn far_cell(dir: &Path, address: &str) -> PathBuf {
    let path = dir.join(format!("{address}.xlsx"));
    let cells = format!(
        r#"<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row><row r="2"><c r="{address}"><v>5</v></c></row>"#
    );
    workbook(&path, &cells, &mut |w| {
        w.write_all(
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>"#,
        )
        .unwrap();
    });
    path
}

/// One shared string of 600 MB, written a megabyte at a time.
fn huge_shared_string(dir: &Path) -> PathBuf {
    let path = dir.join("chuoi.xlsx");
    let cells = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
    workbook(&path, cells, &mut |w| {
        w.write_all(
            br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#,
        )
        .unwrap();
        let mb = vec![b'a'; 1 << 20];
        for _ in 0..600 {
            w.write_all(&mb).unwrap();
        }
        w.write_all(b"</t></si></sst>").unwrap();
    });
    path
}

/// A CSV file whose header has 200,000 columns, and one row.
fn wide_header(dir: &Path) -> PathBuf {
    let path = dir.join("rong.csv");
    let header: Vec<String> = (0..200_000).map(|i| format!("c{i}")).collect();
    std::fs::write(&path, format!("{}\n1\n", header.join(","))).unwrap();
    path
}

const BOUNDARY: &str = "----chiso-bomb-boundary";

fn multipart(fields: &[(&str, &str)], filename: &str, bytes: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the file; the status, the page, and how long the answer took.
fn post(
    addr: &str,
    who: &SignedIn,
    path: &str,
    fields: &[(&str, &str)],
    file: &Path,
) -> (u16, String, Duration) {
    let bytes = std::fs::read(file).unwrap();
    let name = file.file_name().unwrap().to_str().unwrap();
    let mut all = vec![("csrf", who.csrf.as_str())];
    all.extend_from_slice(fields);
    let body = multipart(&all, name, &bytes);
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let mut c = Client::new(addr);
    let started = Instant::now();
    let reply = c
        .send(
            "POST",
            path,
            &[
                ("Cookie", &who.cookie),
                ("Content-Type", &content_type),
                ("Origin", &format!("http://{addr}")),
            ],
            &body,
        )
        .unwrap();
    (reply.status, reply.body, started.elapsed())
}

#[test]
fn files_built_to_exhaust_the_server_are_refused_within_a_second() {
    let (dir, db, _guard) = process_database();
    let year = chiso::clock::Clock::System.year().to_string();
    // A campaign to add people to, made before the server starts.
    let list = respondents_file(dir.path(), "nguoi.csv", "Nguyễn Văn An,hdnd,CT,\n");
    let out = chiso_process(&db)
        .args(["campaign", "create", "--survey", "parindex-officials-2022"])
        .args(["--period", &year, "--draft", "--respondents"])
        .arg(&list)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let campaign = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();

    let bombs = [
        (far_cell(dir.path(), "ZZZZZZZ2"), &["giới hạn số cột"][..]),
        (far_cell(dir.path(), "AAAAAAA2"), &["giới hạn số cột"]),
        // One string longer than a cell may be, in a table longer than it may be.
        (
            huge_shared_string(dir.path()),
            &["giới hạn độ dài một ô", "giới hạn chuỗi dùng chung"],
        ),
        (wide_header(dir.path()), &["giới hạn số cột"]),
    ];
    for (file, _) in &bombs {
        let size = std::fs::metadata(file).unwrap().len();
        assert!(size < 2 << 20, "{} is {size} bytes", file.display());
    }

    let server = start_server(&db);
    let pid = server.child.id();
    let before = rss_mb(pid);
    let mut c = Client::new(&server.addr);
    let admin = sign_in(&mut c, "admin", ADMIN_PROCESS_PASSWORD).unwrap();
    let list_path = format!("/campaigns/{campaign}/list-file");
    for (file, limit) in &bombs {
        let uploads: [(&str, Vec<(&str, &str)>); 2] = [
            (
                "/import",
                vec![
                    ("survey", "sipas-counter"),
                    ("period", "2025"),
                    ("mode", "all"),
                ],
            ),
            (&list_path, vec![]),
        ];
        for (path, fields) in uploads {
            let (status, page, took) = post(&server.addr, &admin, path, &fields, file);
            let what = format!("{} to {path}", file.display());
            assert!(
                (400..500).contains(&status),
                "{what}: HTTP {status}\n{page}"
            );
            assert!(
                limit.iter().any(|l| page.contains(l)),
                "{what}: the page names {limit:?}:\n{page}"
            );
            assert!(took < Duration::from_secs(1), "{what}: took {took:?}");
            let rss = rss_mb(pid);
            println!("{what}: HTTP {status} in {took:?}, resident memory {rss:.1} MB");
            assert!(rss < 150.0, "{what}: resident memory {rss:.1} MB");
        }
    }
    let after = rss_mb(pid);
    assert!(
        after < 150.0,
        "resident memory {after:.1} MB after the files (started at {before:.1} MB)"
    );
    assert_eq!(
        c.send("GET", "/healthz", &[], b"").unwrap().status,
        200,
        "the server is still healthy"
    );
    drop(server);

    // The command line refuses them the same way, with the limit in English.
    for (file, _) in &bombs {
        let started = Instant::now();
        let out = import_counter_forms(&db, file, &[]);
        let said = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "{}: {said}", file.display());
        assert!(said.contains("the limit on"), "{}: {said}", file.display());
        assert!(started.elapsed() < Duration::from_secs(5));
        let out = chiso_process(&db)
            .args(["campaign", "create", "--survey", "parindex-officials-2022"])
            .args(["--period", &year, "--draft", "--respondents"])
            .arg(file)
            .output()
            .unwrap();
        let said = text(&out);
        assert!(!out.status.success(), "{}: {said}", file.display());
        assert!(said.contains("giới hạn"), "{}: {said}", file.display());
    }
}
