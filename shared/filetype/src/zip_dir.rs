//! Just enough ZIP to read one member of a possibly huge, possibly hostile archive: the
//! end-of-central-directory record (searched in the last 64 KiB + 22 bytes), the central
//! directory (capped), and one member's local header and data (capped). Nothing else is
//! read, and nothing is inflated beyond the cap. Anything unexpected is a rejection.

use std::io::Read;

use bytes::Bytes;

use crate::error::rejected;
use crate::{ByteSource, PolicyError};

/// Most central-directory entries an archive may declare.
pub(crate) const MAX_ENTRIES: u64 = 10_000;
/// Largest central directory read.
pub(crate) const MAX_CENTRAL_DIRECTORY: u64 = 4 << 20;

const EOCD_LEN: u64 = 22;
const ZIP64_LOCATOR_LEN: u64 = 20;
const ZIP64_EOCD_LEN: u64 = 56;
const LOCAL_HEADER_LEN: u64 = 30;
const CENTRAL_HEADER_LEN: usize = 46;
const SENTINEL32: u64 = 0xFFFF_FFFF;

const DAMAGED: &str = "the file is damaged or truncated";

fn damaged() -> PolicyError {
    rejected(DAMAGED)
}

/// One central-directory entry, sizes and offset already widened from ZIP64 extras.
#[derive(Debug)]
pub(crate) struct Entry {
    pub name: Bytes,
    flags: u64,
    method: u64,
    crc: u64,
    compressed: u64,
    uncompressed: u64,
    offset: u64,
}

/// The entries, and where member data must end (the central directory's start).
#[derive(Debug)]
pub(crate) struct Directory {
    pub entries: Vec<Entry>,
    data_end: u64,
}

/// `n` (≤ 8) little-endian bytes at `at`, or `None` past the end.
fn le(b: &[u8], at: usize, n: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(n)?)?;
    Some(s.iter().rev().fold(0, |acc, &x| (acc << 8) | u64::from(x)))
}

/// Exactly `len` bytes at `offset`; a short read means the file ends early.
async fn read_exact(src: &dyn ByteSource, offset: u64, len: u64) -> Result<Bytes, PolicyError> {
    let got = src.read_at(offset, len).await?;
    if (got.len() as u64) < len {
        return Err(damaged());
    }
    Ok(got.slice(..len as usize))
}

/// Bytes already in `tail` (which starts at `tail_start`) are sliced, others read.
async fn range(
    src: &dyn ByteSource,
    (tail, tail_start): (&Bytes, u64),
    offset: u64,
    len: u64,
) -> Result<Bytes, PolicyError> {
    let end = offset.checked_add(len).ok_or_else(damaged)?;
    if offset >= tail_start && end <= tail_start + tail.len() as u64 {
        return Ok(tail.slice((offset - tail_start) as usize..(end - tail_start) as usize));
    }
    read_exact(src, offset, len).await
}

/// Reads and checks the central directory of the `len`-byte archive in `src`.
pub(crate) async fn read_directory(
    src: &dyn ByteSource,
    len: u64,
) -> Result<Directory, PolicyError> {
    let tail_start = len.saturating_sub(EOCD_LEN + 0xFFFF);
    let tail = read_exact(src, tail_start, len - tail_start).await?;
    let tail_view = (&tail, tail_start);
    // The record whose comment ends exactly at end of file; nothing may trail it.
    let i = (0..=tail.len().saturating_sub(EOCD_LEN as usize))
        .rev()
        .find(|&i| {
            tail[i..].starts_with(b"PK\x05\x06")
                && le(&tail, i + 20, 2).is_some_and(|comment| {
                    ((tail.len() - i) as u64).checked_sub(EOCD_LEN) == Some(comment)
                })
        })
        .ok_or_else(damaged)?;
    let eocd = &tail[i..];
    let field = |at, n| le(eocd, at, n).unwrap_or(0);
    if field(4, 2) != 0 || field(6, 2) != 0 || field(8, 2) != field(10, 2) {
        return Err(damaged()); // multi-disk
    }
    let (mut count, mut cd_size, mut cd_offset) = (field(10, 2), field(12, 4), field(16, 4));
    let mut dir_end = tail_start.checked_add(i as u64).ok_or_else(damaged)?;
    if count == 0xFFFF || cd_size == SENTINEL32 || cd_offset == SENTINEL32 {
        let loc_at = dir_end.checked_sub(ZIP64_LOCATOR_LEN).ok_or_else(damaged)?;
        let loc = range(src, tail_view, loc_at, ZIP64_LOCATOR_LEN).await?;
        let rec_at = le(&loc, 8, 8).filter(|_| loc.starts_with(b"PK\x06\x07"));
        let rec_at = rec_at.ok_or_else(damaged)?;
        let rec = range(src, tail_view, rec_at, ZIP64_EOCD_LEN).await?;
        let rec_field = |at, n| le(&rec, at, n).unwrap_or(0);
        let rec_end = rec_at.checked_add(12 + rec_field(4, 8));
        if !rec.starts_with(b"PK\x06\x06")
            || rec_end != Some(loc_at)
            || rec_field(24, 8) != rec_field(32, 8)
        {
            return Err(damaged());
        }
        (count, cd_size, cd_offset, dir_end) =
            (rec_field(32, 8), rec_field(40, 8), rec_field(48, 8), rec_at);
    }
    if count > MAX_ENTRIES {
        return Err(rejected(format!(
            "the document has more than {MAX_ENTRIES} parts"
        )));
    }
    if cd_size > MAX_CENTRAL_DIRECTORY {
        return Err(rejected(
            "the document's part directory is larger than 4 MiB",
        ));
    }
    // The directory must end where its end record starts: no gaps, no second reading.
    if cd_offset.checked_add(cd_size) != Some(dir_end) {
        return Err(damaged());
    }
    let cd = range(src, tail_view, cd_offset, cd_size).await?;
    let entries = parse_entries(&cd, count, cd_offset).ok_or_else(damaged)?;
    Ok(Directory {
        entries,
        data_end: cd_offset,
    })
}

/// Exactly `count` entries filling `cd` exactly, each pointing before `data_end`.
fn parse_entries(cd: &Bytes, count: u64, data_end: u64) -> Option<Vec<Entry>> {
    let mut entries = Vec::with_capacity(count as usize);
    let mut at = 0;
    for _ in 0..count {
        if le(cd, at, 4)? != 0x0201_4b50 {
            return None;
        }
        // Every offset from the archive is checked arithmetic: a bad one is `None`, never a
        // wrap or a panic.
        let field = |rel: usize, n: usize| le(cd, at.checked_add(rel)?, n);
        let name_at = at.checked_add(CENTRAL_HEADER_LEN)?;
        let extra_at = name_at.checked_add(field(28, 2)? as usize)?;
        let comment_at = extra_at.checked_add(field(30, 2)? as usize)?;
        let next = comment_at.checked_add(field(32, 2)? as usize)?;
        if next > cd.len() {
            return None;
        }
        let mut entry = Entry {
            name: cd.slice(name_at..extra_at),
            flags: field(8, 2)?,
            method: field(10, 2)?,
            crc: field(16, 4)?,
            compressed: field(20, 4)?,
            uncompressed: field(24, 4)?,
            offset: field(42, 4)?,
        };
        widen_zip64(&mut entry, &cd[extra_at..comment_at])?;
        if entry.offset >= data_end {
            return None;
        }
        entries.push(entry);
        at = next;
    }
    (at == cd.len()).then_some(entries)
}

/// Replaces 0xFFFFFFFF sizes/offset with their 64-bit values from the ZIP64 extra field.
fn widen_zip64(e: &mut Entry, mut extra: &[u8]) -> Option<()> {
    let wide = [&mut e.uncompressed, &mut e.compressed, &mut e.offset];
    if wide.iter().all(|v| **v != SENTINEL32) {
        return Some(());
    }
    while extra.len() >= 4 {
        let (id, size) = (le(extra, 0, 2)?, le(extra, 2, 2)? as usize);
        let end = size.checked_add(4)?;
        let data = extra.get(4..end)?;
        if id == 1 {
            let mut at = 0;
            for v in wide.into_iter().filter(|v| **v == SENTINEL32) {
                *v = le(data, at, 8)?;
                at = at.checked_add(8)?;
            }
            return Some(());
        }
        extra = &extra[end..];
    }
    None
}

/// The content of `entry`, if it inflates to at most `cap` bytes and matches its CRC-32.
/// Reads its local header and compressed data only, and refuses before reading when
/// declared sizes exceed `cap`.
pub(crate) async fn read_member(
    src: &dyn ByteSource,
    dir: &Directory,
    entry: &Entry,
    cap: u64,
    too_large: &str,
) -> Result<Vec<u8>, PolicyError> {
    if entry.flags & 1 != 0 || !matches!(entry.method, 0 | 8) {
        return Err(rejected(
            "the document uses ZIP encryption or an unsupported compression method",
        ));
    }
    if entry.uncompressed > cap || entry.compressed > cap {
        return Err(rejected(too_large));
    }
    let name_len = entry.name.len() as u64;
    let header = read_exact(src, entry.offset, LOCAL_HEADER_LEN + name_len).await?;
    // (name_len comes from a slice of the ≤ 4 MiB directory: these sums cannot overflow.)
    if !header.starts_with(b"PK\x03\x04")
        || le(&header, 26, 2) != Some(name_len)
        || header[LOCAL_HEADER_LEN as usize..] != entry.name[..]
    {
        return Err(damaged());
    }
    let extra_len = le(&header, 28, 2).unwrap_or(0);
    let data_at = entry
        .offset
        .checked_add(LOCAL_HEADER_LEN + name_len + extra_len)
        .ok_or_else(damaged)?;
    if data_at
        .checked_add(entry.compressed)
        .is_none_or(|end| end > dir.data_end)
    {
        return Err(damaged());
    }
    let data = read_exact(src, data_at, entry.compressed).await?;
    let content = if entry.method == 0 {
        data.to_vec()
    } else {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(&data[..])
            .take(cap + 1)
            .read_to_end(&mut out)
            .map_err(|_| damaged())?;
        if out.len() as u64 > cap {
            return Err(rejected(too_large));
        }
        out
    };
    let mut crc = flate2::Crc::new();
    crc.update(&content);
    if content.len() as u64 != entry.uncompressed || u64::from(crc.sum()) != entry.crc {
        return Err(damaged());
    }
    Ok(content)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_reads_little_endian_and_stops_at_the_end() {
        assert_eq!(le(&[0x50, 0x4b, 0x05, 0x06], 0, 4), Some(0x0605_4b50));
        assert_eq!(le(&[1, 2], 1, 2), None);
        assert_eq!(le(&[1, 2], usize::MAX, 2), None);
    }

    #[test]
    fn zip64_extra_widens_only_sentinel_fields() {
        let mut e = Entry {
            name: Bytes::new(),
            flags: 0,
            method: 8,
            crc: 0,
            compressed: 10,
            uncompressed: SENTINEL32,
            offset: SENTINEL32,
        };
        let mut extra = vec![9, 0, 0, 0]; // an unrelated, empty extra field first
        extra.extend([1, 0, 16, 0]);
        extra.extend(5_000_000_000u64.to_le_bytes());
        extra.extend(7u64.to_le_bytes());
        assert_eq!(widen_zip64(&mut e, &extra), Some(()));
        assert_eq!(
            (e.uncompressed, e.compressed, e.offset),
            (5_000_000_000, 10, 7)
        );
        e.offset = SENTINEL32;
        assert_eq!(widen_zip64(&mut e, &[1, 0, 8, 0, 1, 2]), None);
    }
}
