//! The static files the binary serves (stylesheet, scripts) and their versioned addresses:
//! the version is a short hash of the content, so a new build changes the address and browsers
//! that kept the old file for a year fetch the new one.

/// The one stylesheet of every page.
pub const CSS: &str = include_str!("chiso.css");
/// The kiosk's script (progressive: the kiosk works without it).
pub const KIOSK_JS: &str = include_str!("kiosk.js");
/// The kiosk's service worker: served at one stable address (a browser checks it for updates
/// there), allowed to look after every kiosk's pages (`/k/`).
pub const KIOSK_SW_JS: &str = include_str!("kiosk-sw.js");
/// The kiosk app's icon (its manifest names it).
pub const ICON_SVG: &str = include_str!("icon.svg");
/// The keying screen's script (keyboard help; keying works without it).
pub const ENTRY_JS: &str = include_str!("entry.js");

/// Search boxes for long lists (every staff page; the lists work without it).
pub const PICK_JS: &str = include_str!("pick.js");

/// The interviewer app's script and service worker (forms kept and sent offline).
pub const INTERVIEWER_JS: &str = include_str!("interviewer.js");
const INTERVIEWER_SW: &str = include_str!("interviewer_sw.js");

/// How long a browser may keep a versioned file: a year, unchanged.
pub const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

/// FNV-1a, 64 bits: enough to tell two builds' files apart (not a security hash).
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

const CSS_HASH: u64 = fnv1a(CSS.as_bytes());
const KIOSK_JS_HASH: u64 = fnv1a(KIOSK_JS.as_bytes());
const ENTRY_JS_HASH: u64 = fnv1a(ENTRY_JS.as_bytes());
const PICK_JS_HASH: u64 = fnv1a(PICK_JS.as_bytes());
const ICON_SVG_HASH: u64 = fnv1a(ICON_SVG.as_bytes());
const INTERVIEWER_JS_HASH: u64 = fnv1a(INTERVIEWER_JS.as_bytes());

fn versioned(path: &str, hash: u64) -> String {
    format!("{path}?v={:012x}", hash & 0xffff_ffff_ffff)
}

pub fn css_url() -> String {
    versioned("/static/chiso.css", CSS_HASH)
}

pub fn kiosk_js_url() -> String {
    versioned("/static/kiosk.js", KIOSK_JS_HASH)
}

pub fn pick_js_url() -> String {
    versioned("/static/pick.js", PICK_JS_HASH)
}

pub fn icon_url() -> String {
    versioned("/static/icon.svg", ICON_SVG_HASH)
}

pub fn entry_js_url() -> String {
    versioned("/static/entry.js", ENTRY_JS_HASH)
}

pub fn interviewer_js_url() -> String {
    versioned("/phong-van/app.js", INTERVIEWER_JS_HASH)
}

/// The interviewer's service worker, told the addresses it keeps (this build's versions): a
/// new build is a new worker, which drops the old files.
pub fn interviewer_sw() -> String {
    INTERVIEWER_SW
        .replace("__APP_JS__", &interviewer_js_url())
        .replace("__CSS__", &css_url())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_s_address_changes_with_its_content() {
        assert_ne!(fnv1a(b"a{color:red}"), fnv1a(b"a{color:blue}"));
        assert!(css_url().starts_with("/static/chiso.css?v="));
        assert_eq!(css_url().len(), "/static/chiso.css?v=".len() + 12);
    }
}
