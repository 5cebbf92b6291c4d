//! Build script of the `dana` package: links the `dana` binary as a position-dependent
//! executable on Linux with glibc.
//!
//! A position-independent executable has its internal pointers (vtables, string tables,
//! the method and builtin tables: about 24,000 of them) patched by the dynamic loader at every
//! start, which reads 570 KB of relocations and copies 420 KB of read-only data into private
//! pages. That was the largest part of `dana run` of an empty file (about 1.5 ms of 4 ms of
//! CPU). Linked at a fixed address there is nothing to patch, and those pages are shared with
//! the page cache. Debian links its `/usr/bin/python3` the same way, for the same reason.
//! Shared libraries, the heap and the stacks are still placed at random addresses.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bin=dana=-no-pie");
    }
}
