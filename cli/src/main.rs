//! The `clausula` command-line tool.

fn main() {}
