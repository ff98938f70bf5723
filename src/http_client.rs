//! A minimal HTTP/1.1 client over one kept-alive connection, for benchmarks and the
//! durability tests: it measures the server, not a client library.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub struct Client {
    addr: String,
    stream: Option<BufReader<TcpStream>>,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of a cookie the server set.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "set-cookie")
            .find_map(|(_, v)| v.strip_prefix(name)?.strip_prefix('='))
            .map(|v| v.split(';').next().unwrap_or(""))
    }
}

impl Client {
    pub fn new(addr: &str) -> Client {
        Client {
            addr: addr.to_string(),
            stream: None,
        }
    }

    fn connect(&mut self) -> std::io::Result<&mut BufReader<TcpStream>> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_read_timeout(Some(Duration::from_secs(30)))?;
            s.set_nodelay(true)?;
            self.stream = Some(BufReader::new(s));
        }
        self.stream
            .as_mut()
            .ok_or_else(|| std::io::Error::other("not connected"))
    }

    /// Sends one JSON request with an optional bearer token; on any I/O error the connection
    /// is dropped and the error returned.
    pub fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> std::io::Result<Reply> {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(b) = &bearer {
            headers.push(("Authorization", b.as_str()));
        }
        self.send(method, path, &headers, body)
    }

    /// Sends one request with these headers (a form, cookies…).
    pub fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Reply> {
        let host = self.addr.clone();
        let result = self.connect().and_then(|s| {
            let mut head = format!(
                "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n",
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            let w = s.get_mut();
            w.write_all(head.as_bytes())?;
            w.write_all(body)?;
            let head = Head::read(s)?;
            let mut buf = vec![0; head.length().unwrap_or(0)];
            s.read_exact(&mut buf)?;
            Ok(Reply {
                status: head.status,
                body: String::from_utf8_lossy(&buf).into_owned(),
                headers: head.headers,
            })
        });
        // On any I/O error the connection is dropped: the next request opens a new one.
        if result.is_err() {
            self.stream = None;
        }
        result
    }
}

/// A response's status line and headers, read up to the blank line that ends them.
struct Head {
    status: u16,
    /// Names in lower case.
    headers: Vec<(String, String)>,
}

impl Head {
    fn read(r: &mut impl BufRead) -> std::io::Result<Head> {
        let mut line = String::new();
        r.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("bad status line: {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if r.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        Ok(Head { status, headers })
    }

    /// The first value of header `name` (lower case).
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn length<T: std::str::FromStr>(&self) -> Option<T> {
        self.header("content-length")?.parse().ok()
    }
}

/// What [`download`] received.
#[derive(Debug, Default)]
pub struct Download {
    pub status: u16,
    /// Bytes of the body (after undoing the chunked encoding).
    pub bytes: u64,
    /// Line ends in the body.
    pub lines: u64,
}

/// `GET path` on a connection of its own, reading the body as it arrives (chunked or with a
/// length) and keeping none of it: for large streamed downloads.
pub fn download(addr: &str, path: &str, token: Option<&str>) -> std::io::Result<Download> {
    let s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut r = BufReader::with_capacity(64 * 1024, s);
    let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    head.push_str("\r\n");
    r.get_mut().write_all(head.as_bytes())?;
    let head = Head::read(&mut r)?;
    let mut d = Download {
        status: head.status,
        ..Download::default()
    };
    let length: Option<u64> = head.length();
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let mut line = String::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut take = |r: &mut BufReader<TcpStream>, mut n: u64, d: &mut Download| {
        while n > 0 {
            let want = usize::try_from(n.min(buf.len() as u64)).unwrap_or(buf.len());
            let got = r.read(&mut buf[..want])?;
            if got == 0 {
                return Err(std::io::Error::other("body cut short"));
            }
            d.bytes += got as u64;
            d.lines += buf[..got].iter().filter(|&&b| b == b'\n').count() as u64;
            n -= got as u64;
        }
        Ok(())
    };
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let size = u64::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| std::io::Error::other(format!("bad chunk size: {line:?}")))?;
            if size == 0 {
                break;
            }
            take(&mut r, size, &mut d)?;
            line.clear();
            r.read_line(&mut line)?;
        }
    } else {
        take(&mut r, length.unwrap_or(0), &mut d)?;
    }
    Ok(d)
}

/// The value of the first `csrf` field of a page.
pub fn csrf_field(page: &str) -> Option<String> {
    const FIELD: &str = r#"name="csrf" value=""#;
    let rest = page.get(page.find(FIELD)? + FIELD.len()..)?;
    Some(rest.get(..rest.find('"')?)?.to_string())
}

/// A browser signed in over HTTP: the `Cookie` header its requests send and the CSRF token
/// its forms carry.
pub struct SignedIn {
    pub cookie: String,
    pub csrf: String,
}

/// Signs in through the sign-in page as a browser does: the page gives a pre-session cookie
/// and its token, the form opens a session, and a signed-in page gives the session's token.
pub fn sign_in(c: &mut Client, user: &str, password: &str) -> Result<SignedIn, String> {
    let page = c
        .send("GET", "/login", &[], b"")
        .map_err(|e| e.to_string())?;
    let pre = page
        .cookie("chiso_csrf")
        .ok_or("the sign-in page set no cookie")?
        .to_string();
    let token = csrf_field(&page.body).ok_or("the sign-in page has no csrf field")?;
    let body = serde_urlencoded::to_string([
        ("csrf", token.as_str()),
        ("username", user),
        ("password", password),
    ])
    .unwrap_or_default();
    let cookie = format!("chiso_csrf={pre}");
    let r = c
        .send(
            "POST",
            "/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Cookie", &cookie),
            ],
            body.as_bytes(),
        )
        .map_err(|e| e.to_string())?;
    let session = r
        .cookie("chiso_session")
        .map(str::to_string)
        .ok_or_else(|| format!("{user} could not sign in (HTTP {})", r.status))?;
    let cookie = format!("chiso_session={session}");
    let page = c
        .send("GET", "/scores", &[("Cookie", &cookie)], b"")
        .map_err(|e| e.to_string())?;
    let csrf = csrf_field(&page.body).ok_or("a signed-in page has no csrf field")?;
    Ok(SignedIn { cookie, csrf })
}
