//! "Did you mean" suggestions, shared by the parser, the checker and fact validation.

use crate::diagnostic::Diagnostic;

/// Longest name (in characters) that gets a suggestion: a typo of a longer name is not a
/// typo, and comparing long strings costs their product.
pub const MAX_SUGGEST_CHARS: usize = 64;
/// Most candidates compared for one suggestion (a namespace larger than this gets
/// suggestions from its first names only), so that each suggestion costs a bounded amount.
pub const MAX_SUGGEST_CANDIDATES: usize = 2000;

/// Work (character pairs compared) that all the suggestions of one [`with_budget`] scope may
/// take together: a policy with 10,000 unknown names gets suggestions for as many as fit,
/// and compiling stays linear in its size.
pub const MAX_SUGGEST_WORK: u64 = 20_000_000;

thread_local! {
    static BUDGET: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with one budget of [`MAX_SUGGEST_WORK`] for every suggestion made inside it on
/// this thread (the checker runs a whole compilation in one).
pub fn with_budget<T>(f: impl FnOnce() -> T) -> T {
    let outer = BUDGET.with(|b| b.replace(Some(MAX_SUGGEST_WORK)));
    let out = f();
    BUDGET.with(|b| b.set(outer));
    out
}

/// Takes `cost` from the scope's budget; `false` when it is spent (outside a scope, always
/// `true`: each call is bounded by the candidate cap alone).
fn spend(cost: u64) -> bool {
    BUDGET.with(|b| match b.get() {
        None => true,
        Some(left) if left >= cost => {
            b.set(Some(left - cost));
            true
        }
        Some(_) => {
            b.set(Some(0));
            false
        }
    })
}

/// The candidate closest to `found`, if one is close enough to be a plausible typo.
///
/// Matching ignores ASCII case and treats fullwidth forms as their ASCII twins, so
/// `ＳＭＡＬＬ` suggests `small`. The work is bounded: names longer than
/// [`MAX_SUGGEST_CHARS`] get no suggestion, at most [`MAX_SUGGEST_CANDIDATES`] candidates are
/// compared, and a candidate whose length alone rules it out is not compared at all.
pub fn closest<'a, I, S>(found: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    if found.len() > 4 * MAX_SUGGEST_CHARS || found.chars().count() > MAX_SUGGEST_CHARS {
        return None;
    }
    let norm = normalize(found);
    let norm_len = norm.chars().count();
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates.into_iter().take(MAX_SUGGEST_CANDIDATES) {
        let c = c.as_ref();
        if c.len() > 4 * MAX_SUGGEST_CHARS {
            continue;
        }
        // The length difference is a lower bound on the edit distance.
        let c_len = c.chars().count();
        let longest = norm_len.max(c_len).max(1);
        if norm_len.abs_diff(c_len) > longest / 3 {
            continue;
        }
        if !spend((norm_len as u64).saturating_mul(c_len as u64).max(1)) {
            break;
        }
        let cn = normalize(c);
        let score = if cn == norm {
            2.0
        } else {
            let dist = strsim::levenshtein(&norm, &cn);
            let longest = norm.chars().count().max(cn.chars().count()).max(1);
            // One edit per three characters: names of one or two letters only match exactly.
            let allowed = longest / 3;
            if dist > allowed {
                continue;
            }
            1.0 - dist as f64 / longest as f64 + strsim::jaro_winkler(&norm, &cn) * 0.1
        };
        if best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

fn normalize(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Adds "did you mean `x`?" when a candidate is close, else the fallback help.
pub fn with_suggestion<'a, I, S>(
    d: Diagnostic,
    found: &str,
    candidates: I,
    fallback: &str,
) -> Diagnostic
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    match closest(found, candidates) {
        Some(c) => d.with_help(format!("did you mean `{c}`?")),
        None if fallback.is_empty() => d,
        None => d.with_help(fallback.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_near_names() {
        let names = ["total_investment", "fixed_asset_investment", "category"];
        assert_eq!(closest("total_invesment", &names), Some("total_investment"));
        assert_eq!(closest("catgory", &names), Some("category"));
        assert_eq!(closest("zzz", &names), None);
        assert_eq!(closest("ＳＭＡＬＬ", &["small", "large"]), Some("small"));
        assert_eq!(closest("Small", &["small", "large"]), Some("small"));
    }

    #[test]
    fn long_names_and_huge_namespaces_cost_little() {
        let long = "x".repeat(3_000_000);
        assert_eq!(closest(&long, &[long.as_str()]), None);
        // Bounded by the candidate cap: only the first names are compared.
        let mut names: Vec<String> = (0..100_000).map(|i| format!("{i:0>40}")).collect();
        names[50_000] = "target_name".to_string();
        assert_eq!(closest("target_nme", &names), None);
        names[10] = "target_name".to_string();
        assert_eq!(closest("target_nme", &names), Some("target_name"));
    }
}
