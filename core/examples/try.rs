//! Development helper: compile a policy, run its examples, evaluate facts.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_default();
    let policy = match clausula_core::Policy::load(&path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return;
        }
    };
    if let Some(w) = policy.warnings() {
        eprintln!("{w}");
    }
    for r in policy.run_examples() {
        println!(
            "{} {} {:?}",
            if r.passed { "PASS" } else { "FAIL" },
            r.name,
            r.failures
        );
        if !r.passed {
            println!("{}", r.decision.to_json_pretty());
        }
    }
    if let (Some(facts), Some(date)) = (args.next(), args.next()) {
        let d = policy.decide_json(
            facts.as_bytes(),
            clausula_core::parse_date(&date).unwrap_or_default(),
        );
        println!("{}", d.to_json_pretty());
    }
}
