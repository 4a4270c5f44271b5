//! Resource limits of the front end. Input beyond them gets a diagnostic, never a crash.
//!
//! The numbers are documented in `docs/limits.md`; change both together.

/// Largest source file accepted, in bytes (16 MiB).
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest nesting of `(`, `[` and `{` inside one declaration.
pub const MAX_BRACKET_DEPTH: usize = 64;
/// Most `if` expressions in one declaration (each nests the grammar one level deeper).
pub const MAX_IFS_PER_ITEM: usize = 256;
/// Longest run of prefix operators (`not not not x`, `- - x`).
pub const MAX_PREFIX_RUN: usize = 32;
/// Deepest expression tree (operators nested in operators).
pub const MAX_EXPR_DEPTH: u32 = 128;
/// Longest name (or number) in a policy, in bytes: names are quoted in messages, so a huge
/// one would make every message about it huge.
pub const MAX_NAME_BYTES: usize = 256;
