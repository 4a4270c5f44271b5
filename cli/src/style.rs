//! Colour on a terminal only (and never when `NO_COLOR` is set).

use std::io::IsTerminal;

use crate::ColorWhen;

pub(crate) struct Style {
    pub(crate) color: bool,
}

impl Style {
    pub(crate) fn new(when: ColorWhen) -> Style {
        let color = match when {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Style { color }
    }

    fn paint(&self, code: &str, s: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    pub(crate) fn green(&self, s: &str) -> String {
        self.paint("32", s)
    }
    pub(crate) fn red(&self, s: &str) -> String {
        self.paint("31", s)
    }
    pub(crate) fn yellow(&self, s: &str) -> String {
        self.paint("33", s)
    }
    pub(crate) fn dim(&self, s: &str) -> String {
        self.paint("2", s)
    }
    pub(crate) fn bold(&self, s: &str) -> String {
        self.paint("1", s)
    }
}

/// Writes to standard output. When the reader has gone away (`clausula … | head`), the
/// command stops quietly with success, as Unix tools do, instead of panicking; any other
/// write error is reported and exits with failure.
pub(crate) fn out(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing standard output: {e}");
        std::process::exit(1);
    }
}

/// `print!` through [`out`].
macro_rules! out {
    ($($t:tt)*) => { $crate::style::out(format_args!($($t)*)) };
}

/// `println!` through [`out`].
macro_rules! outln {
    () => { $crate::style::out(format_args!("\n")) };
    ($($t:tt)*) => { $crate::style::out(format_args!("{}\n", format_args!($($t)*))) };
}
