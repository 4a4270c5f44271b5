//! Huge and deeply nested input gets a diagnostic, never a crash or a stack overflow.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use clausula_dsl::codes;

fn codes_of(src: &str) -> Vec<&'static str> {
    match clausula_dsl::parse(src) {
        Ok(_) => vec![],
        Err(e) => e.codes(),
    }
}

/// Runs `f` on a thread with a small stack, as an embedding application might.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn a_one_megabyte_policy_parses() {
    let mut src =
        String::from("policy big \"大\"\n  effective 2020-01-01\n\ninput e {\n  x: money\n}\n\n");
    let mut i = 0;
    while src.len() < 1024 * 1024 {
        src.push_str(&format!(
            "rule r{i} = e.x * {i}% + min(e.x, {i}万)\n\noutcome o{i} \"结果{i}\" {{\n  require r{i} >= 5000万 and e.x < 2亿 \"须达到门槛\" cite \"第{i}条\"\n  amount a = round(r{i} * 10%, 2)\n}}\n\n"
        ));
        i += 1;
    }
    let file = clausula_dsl::parse(&src).unwrap();
    assert_eq!(file.items.len(), 2 + 2 * i);
}

#[test]
fn ten_thousand_nested_parentheses_give_a_diagnostic() {
    on_small_stack(|| {
        let src = format!("rule r = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
        assert_eq!(codes_of(&src), [codes::TOO_DEEP]);
    });
}

#[test]
fn deep_nesting_of_every_kind_gives_a_diagnostic() {
    on_small_stack(|| {
        let cases = [
            format!("rule r = {}x\n", "not ".repeat(10_000)),
            format!("rule r = {}x\n", "- ".repeat(10_000)),
            format!("rule r = x{}\n", " + 1".repeat(10_000)),
            format!("rule r = x{}\n", ".f".repeat(10_000)),
            format!(
                "rule r = {}1{}\n",
                "if a then ".repeat(10_000),
                " else 2".repeat(10_000)
            ),
            format!("rule r = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000)),
            format!("rule r = {}1{}\n", "f(".repeat(10_000), ")".repeat(10_000)),
            format!(
                "example \"e\" as_of 2024-01-01 {{\n  given {{ a: {}1{} }}\n}}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        ];
        for src in cases {
            let got = codes_of(&src);
            assert_eq!(
                got,
                [codes::TOO_DEEP],
                "for input starting {:?}",
                &src[..40]
            );
        }
    });
}

#[test]
fn nesting_below_the_limits_is_fine() {
    on_small_stack(|| {
        let src = format!("rule r = {}1{}\n", "(".repeat(60), ")".repeat(60));
        assert!(clausula_dsl::parse(&src).is_ok());
        let src = format!("rule r = x{}\n", " + 1".repeat(100));
        assert!(clausula_dsl::parse(&src).is_ok());
        // The formatter handles what the parser accepts.
        assert!(clausula_dsl::format(&src).is_ok());
    });
}

#[test]
fn an_oversized_source_is_refused_up_front() {
    let src = "// x\n".repeat(clausula_dsl::limits::MAX_SOURCE_BYTES / 5 + 1);
    assert_eq!(codes_of(&src), [codes::TOO_LARGE]);
}

#[test]
fn byte_order_mark_and_odd_whitespace_are_accepted() {
    let src = "\u{feff}rule a = 1\u{3000}+ 2\r\n";
    assert!(clausula_dsl::parse(src).is_ok());
}
