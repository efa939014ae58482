//! Just enough ELF to tell whether a binary is static: a dynamically linked
//! executable names its loader in a `PT_INTERP` program header; a static
//! (or static-pie) one has none. Works for any architecture, so the aarch64
//! binary can be checked on an x86_64 host.

use crate::Result;
use std::path::Path;

const PT_INTERP: u32 = 3;

/// Whether the 64-bit little-endian ELF file at `path` has no program
/// interpreter, that is, runs without a dynamic loader or shared libraries.
pub fn is_static(path: &Path) -> Result<bool> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    has_no_interpreter(&data)
        .ok_or_else(|| format!("{} is not a 64-bit little-endian ELF file", path.display()).into())
}

fn has_no_interpreter(data: &[u8]) -> Option<bool> {
    // e_ident: magic, class 2 (64-bit), data 1 (little-endian).
    if data.get(..4)? != b"\x7fELF" || *data.get(4)? != 2 || *data.get(5)? != 1 {
        return None;
    }
    let u16_at = |at: usize| Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(data.get(at..at + 8)?.try_into().ok()?));
    let phoff = usize::try_from(u64_at(0x20)?).ok()?;
    let phentsize = usize::from(u16_at(0x36)?);
    let phnum = usize::from(u16_at(0x38)?);
    for i in 0..phnum {
        if u32_at(phoff.checked_add(i.checked_mul(phentsize)?)?)? == PT_INTERP {
            return Some(false);
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_is_judged_like_ldd_would() {
        // The test binary is built for the host; on a glibc host it is
        // dynamic, on a musl host it may be static. Either way it parses.
        let me = std::env::current_exe().unwrap();
        assert!(is_static(&me).is_ok());
    }

    #[test]
    fn not_elf() {
        assert_eq!(has_no_interpreter(b"#!/bin/sh\n"), None);
        assert_eq!(has_no_interpreter(b""), None);
    }

    #[test]
    fn finds_the_interpreter_header() {
        // A minimal ELF64 header with two program headers: PT_LOAD, PT_INTERP.
        let mut elf = vec![0u8; 0x40 + 2 * 0x38];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&0x38u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&2u16.to_le_bytes());
        elf[0x40..0x44].copy_from_slice(&1u32.to_le_bytes());
        assert_eq!(has_no_interpreter(&elf), Some(true));
        elf[0x78..0x7c].copy_from_slice(&PT_INTERP.to_le_bytes());
        assert_eq!(has_no_interpreter(&elf), Some(false));
    }
}
