//! Measuring a workbook before it is opened. An XLSX file is a zip archive whose parts can
//! decompress to a thousand times their size, and calamine reads some of them whole when it
//! opens the file (the shared strings) or sizes its tables from what they declare. So every
//! part is first decompressed here, through a counter that stops at its limit, and the file is
//! refused before calamine sees it if any part is larger than it may be. The sizes the archive
//! declares are not trusted; only the directory's own entry count and size are checked as
//! declared, because that is what the zip reader allocates for.

use crate::features::import::service::Problem;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// Most parts in a workbook (Excel writes a dozen or so).
pub const MAX_PARTS: u64 = 10_000;
/// Largest directory of parts, as the archive declares it.
const MAX_DIRECTORY_BYTES: u64 = 4 << 20;
/// Largest part, decompressed.
pub const MAX_PART_BYTES: u64 = 512 << 20;
/// Largest workbook, all parts decompressed.
pub const MAX_WORKBOOK_BYTES: u64 = 1 << 30;
/// Largest table of shared strings (`sharedStrings.xml`), decompressed: calamine holds it.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 16 << 20;
/// Most XML tags in the table of shared strings (each string takes at least two).
pub const MAX_SHARED_STRING_TAGS: u64 = 1_000_000;
/// Letters of the widest column address read (Excel's last column is XFD).
const MAX_COLUMN_LETTERS: usize = 3;
/// Digits of the longest row number read (Excel's last row is 1048576).
const MAX_ROW_DIGITS: usize = 7;
/// Longest run of XML between two tags, or one tag: a cell's text is one such run.
pub const MAX_TOKEN_BYTES: u64 = 512 << 10;

/// Refuses a workbook with a part, or a whole, beyond the limits above.
pub fn measure(path: &Path, name: &str) -> Result<(), Problem> {
    directory_declared(path, name)?;
    let file = File::open(path).map_err(|e| Problem::io(name, &e))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| crate::features::import::read::not_a_workbook(name, &e.to_string()))?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut part = archive
            .by_index(i)
            .map_err(|e| crate::features::import::read::not_a_workbook(name, &e.to_string()))?;
        let part_name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let shared = part_name.to_lowercase().ends_with("sharedstrings.xml");
        let mut scan = Scan::new(shared);
        scan.read_all(&mut part)
            .map_err(|e| crate::features::import::read::not_a_workbook(name, &e.to_string()))?;
        if let Some(limit) = scan.broken {
            return Err(refused(name, &part_name, limit));
        }
        total += scan.bytes;
        if total > MAX_WORKBOOK_BYTES {
            return Err(refused(name, &part_name, Limit::Workbook));
        }
    }
    Ok(())
}

/// The limit a part broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Part,
    Workbook,
    SharedStrings,
    SharedStringCount,
    Token,
    Directory,
    Column,
    Row,
}

fn refused(name: &str, part: &str, limit: Limit) -> Problem {
    let mb = |b: u64| b >> 20;
    let (en, vi) = match limit {
        Limit::Part => (
            format!("part {part} decompresses to more than {} MB (the limit on a part of a workbook)", mb(MAX_PART_BYTES)),
            format!("phần {part} khi giải nén lớn hơn {} MB (giới hạn một phần của tệp Excel)", mb(MAX_PART_BYTES)),
        ),
        Limit::Workbook => (
            format!("the workbook decompresses to more than {} MB (the limit on a workbook)", mb(MAX_WORKBOOK_BYTES)),
            format!("tệp Excel khi giải nén lớn hơn {} MB (giới hạn một tệp Excel)", mb(MAX_WORKBOOK_BYTES)),
        ),
        Limit::SharedStrings => (
            format!("its shared strings ({part}) decompress to more than {} MB (the limit on shared strings)", mb(MAX_SHARED_STRINGS_BYTES)),
            format!("bảng chuỗi dùng chung ({part}) khi giải nén lớn hơn {} MB (giới hạn chuỗi dùng chung)", mb(MAX_SHARED_STRINGS_BYTES)),
        ),
        Limit::SharedStringCount => (
            format!("its shared strings ({part}) hold more than {} strings (the limit on shared strings)", MAX_SHARED_STRING_TAGS / 2),
            format!("bảng chuỗi dùng chung ({part}) có hơn {} chuỗi (giới hạn chuỗi dùng chung)", MAX_SHARED_STRING_TAGS / 2),
        ),
        Limit::Token => (
            format!("part {part} holds a text or tag longer than {} KB (the limit on a cell's length)", MAX_TOKEN_BYTES >> 10),
            format!("phần {part} có một đoạn chữ hoặc thẻ dài quá {} KB (giới hạn độ dài một ô)", MAX_TOKEN_BYTES >> 10),
        ),
        Limit::Column => (
            format!("part {part} addresses a cell past column XFD, the last a sheet has (the limit on columns)"),
            format!("phần {part} ghi địa chỉ một ô nằm sau cột XFD, cột cuối cùng của một trang tính (giới hạn số cột)"),
        ),
        Limit::Row => (
            format!("part {part} addresses a cell past row 9,999,999 (the limit on rows)"),
            format!("phần {part} ghi địa chỉ một ô nằm sau dòng 9.999.999 (giới hạn số dòng)"),
        ),
        Limit::Directory => (
            format!("its directory declares more than {MAX_PARTS} parts or {} MB (the limit on parts of a workbook)", mb(MAX_DIRECTORY_BYTES)),
            format!("danh mục của tệp khai báo hơn {MAX_PARTS} phần hoặc {} MB (giới hạn số phần của tệp Excel)", mb(MAX_DIRECTORY_BYTES)),
        ),
    };
    Problem::new(
        format!("{name}: refused: {en}; nothing was read. Save the sheet again from Excel, or as \"CSV UTF-8\""),
        format!("{name}: bị từ chối: {vi}; chưa đọc gì. Hãy lưu lại trang tính từ Excel, hoặc dạng “CSV UTF-8”"),
    )
}

/// Checks every end-of-directory record where the zip reader looks for one (the last 64 KiB
/// and a little, as the archive's comment may be that long), as it may take any of them: the
/// entry count and directory size it will allocate for, and no ZIP64 (which no workbook
/// within these limits needs).
fn directory_declared(path: &Path, name: &str) -> Result<(), Problem> {
    const END: &[u8; 4] = b"PK\x05\x06";
    const SEARCHED: u64 = 22 + 4 + (1 << 16);
    let mut file = File::open(path).map_err(|e| Problem::io(name, &e))?;
    let len = file.metadata().map_err(|e| Problem::io(name, &e))?.len();
    let mut tail = Vec::new();
    file.seek(SeekFrom::Start(len.saturating_sub(SEARCHED)))
        .and_then(|_| file.take(SEARCHED).read_to_end(&mut tail))
        .map_err(|e| Problem::io(name, &e))?;
    let le = |b: &[u8]| b.iter().rev().fold(0u64, |n, b| n << 8 | u64::from(*b));
    for (i, w) in tail.windows(4).enumerate() {
        if w != END {
            continue;
        }
        let field = |at: usize, width: usize| tail.get(i + at..i + at + width).map_or(0, le);
        let (entries, size, start) = (field(10, 2), field(12, 4), field(16, 4));
        let zip64 = entries == 0xFFFF || size == 0xFFFF_FFFF || start == 0xFFFF_FFFF;
        if zip64 || entries > MAX_PARTS || size > MAX_DIRECTORY_BYTES {
            return Err(refused(name, "", Limit::Directory));
        }
    }
    Ok(())
}

/// Reads a part through, counting its bytes, the longest run between tags and (for shared
/// strings) its tags and the count it declares; stops at the first limit broken.
struct Scan {
    shared: bool,
    bytes: u64,
    run: u64,
    tags: u64,
    /// The last bytes of the previous chunk, so that `uniqueCount` split across two is seen.
    tail: Vec<u8>,
    broken: Option<Limit>,
}

impl Scan {
    fn new(shared: bool) -> Self {
        Scan {
            shared,
            bytes: 0,
            run: 0,
            tags: 0,
            tail: Vec::new(),
            broken: None,
        }
    }

    fn read_all(&mut self, part: &mut dyn Read) -> std::io::Result<()> {
        let mut buf = vec![0u8; 1 << 16];
        while self.broken.is_none() {
            let n = part.read(&mut buf)?;
            if n == 0 {
                break;
            }
            self.feed(buf.get(..n).unwrap_or_default());
        }
        Ok(())
    }

    fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        let max = if self.shared {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        if self.bytes > max {
            self.broken = Some(if self.shared {
                Limit::SharedStrings
            } else {
                Limit::Part
            });
            return;
        }
        for b in chunk {
            if matches!(b, b'<' | b'>') {
                self.run = 0;
                self.tags += u64::from(*b == b'<');
            } else {
                self.run += 1;
                if self.run > MAX_TOKEN_BYTES {
                    self.broken = Some(Limit::Token);
                    return;
                }
            }
        }
        // The previous chunk's last bytes are looked at again, with this one.
        self.tail.extend_from_slice(chunk);
        if self.shared {
            if self.tags > MAX_SHARED_STRING_TAGS {
                self.broken = Some(Limit::SharedStringCount);
                return;
            }
            if declared_count(&self.tail).is_some_and(|n| n > MAX_SHARED_STRING_TAGS / 2) {
                self.broken = Some(Limit::SharedStringCount);
            }
        } else {
            self.broken = self.broken.or(addresses_beyond(&self.tail));
        }
        let keep = self.tail.len().saturating_sub(64);
        self.tail.drain(..keep);
    }
}

/// A cell address (`r="…"`) or range (`ref="…"`) beyond what calamine counts without
/// overflowing: more than [`MAX_COLUMN_LETTERS`] letters or [`MAX_ROW_DIGITS`] digits.
fn addresses_beyond(text: &[u8]) -> Option<Limit> {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    for (i, w) in text.windows(2).enumerate() {
        let Some(&[before, first]) = w.get(..2) else {
            continue;
        };
        if !space(&before) || first != b'r' {
            continue;
        }
        let rest = text.get(i + 2..).unwrap_or_default();
        let rest = rest.strip_prefix(b"ef").unwrap_or(rest);
        let mut at = rest.iter();
        let mut quote = None;
        for b in at.by_ref() {
            match b {
                b'=' if quote.is_none() => quote = Some(0),
                b'"' | b'\'' if quote == Some(0) => {
                    quote = Some(*b);
                    break;
                }
                b if space(b) => {}
                _ => break,
            }
        }
        let Some(q) = quote.filter(|q| *q != 0) else {
            continue;
        };
        // A range is two addresses; each is letters then digits, `$` allowed.
        let value: Vec<u8> = at.take_while(|b| **b != q).take(64).copied().collect();
        for address in value.split(|b| *b == b':') {
            let letters = address.iter().filter(|b| b.is_ascii_alphabetic()).count();
            let digits = address.iter().filter(|b| b.is_ascii_digit()).count();
            if letters > MAX_COLUMN_LETTERS {
                return Some(Limit::Column);
            }
            if digits > MAX_ROW_DIGITS {
                return Some(Limit::Row);
            }
        }
    }
    None
}

/// The largest `uniqueCount` the text declares (calamine reserves room for that many strings).
fn declared_count(text: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"uniqueCount";
    let mut largest = None;
    for (i, w) in text.windows(KEY.len()).enumerate() {
        if w != KEY {
            continue;
        }
        let rest = text.get(i + KEY.len()..).unwrap_or_default();
        let digits: Vec<u8> = rest
            .iter()
            .copied()
            .skip_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'=' | b'"' | b'\''))
            .take_while(u8::is_ascii_digit)
            .collect();
        // More digits than a u64 holds is as much as the largest count.
        let n = if digits.len() > 18 {
            u64::MAX
        } else {
            std::str::from_utf8(&digits)
                .ok()
                .and_then(|d| d.parse().ok())
                .unwrap_or(0)
        };
        largest = largest.max(Some(n));
    }
    largest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_count_is_read_with_any_quoting() {
        assert_eq!(
            declared_count(b"<sst count=\"3\" uniqueCount=\"2\">"),
            Some(2)
        );
        assert_eq!(declared_count(b"<sst uniqueCount = '17'>"), Some(17));
        assert_eq!(
            declared_count(b"<sst uniqueCount=\"99999999999999999999999\">"),
            Some(u64::MAX)
        );
        assert_eq!(declared_count(b"<sst count=\"3\">"), None);
    }

    #[test]
    fn far_addresses_are_found() {
        assert_eq!(addresses_beyond(b"<c r=\"XFD1048576\">"), None);
        assert_eq!(addresses_beyond(b"<row r=\"2\" spans=\"1:3\">"), None);
        assert_eq!(
            addresses_beyond(b"<c r=\"ZZZZZZZ2\"><v>5</v>"),
            Some(Limit::Column)
        );
        assert_eq!(
            addresses_beyond(b"<c\nr = 'AAAAAAA2'>"),
            Some(Limit::Column)
        );
        assert_eq!(
            addresses_beyond(b"<dimension ref=\"A1:B99999999\"/>"),
            Some(Limit::Row)
        );
        // Relationship ids and other attributes are not addresses.
        assert_eq!(addresses_beyond(b"<sheet r:id=\"rId1ABCDEFGH\"/>"), None);
    }

    #[test]
    fn shared_strings_stop_at_their_limit() {
        let mut scan = Scan::new(true);
        let chunk = vec![b'a'; 1 << 16];
        let mut fed = 0u64;
        while scan.broken.is_none() {
            scan.feed(b"<>");
            scan.feed(&chunk);
            fed += chunk.len() as u64;
            assert!(fed <= MAX_SHARED_STRINGS_BYTES + (1 << 17));
        }
        assert_eq!(scan.broken, Some(Limit::SharedStrings));
    }

    #[test]
    fn a_long_text_breaks_the_token_limit() {
        let mut scan = Scan::new(false);
        scan.feed(&vec![b'x'; MAX_TOKEN_BYTES as usize + 1]);
        assert_eq!(scan.broken, Some(Limit::Token));
    }
}
