//! Formats a file to stdout (development helper).
fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let src = std::fs::read_to_string(&path).unwrap_or_default();
    match clausula_dsl::format_named(&path, &src) {
        Ok(s) => print!("{s}"),
        Err(e) => eprintln!("{e}"),
    }
}
