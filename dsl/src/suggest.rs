//! "Did you mean" suggestions, shared by the parser, the checker and fact validation.

use crate::diagnostic::Diagnostic;

/// The candidate closest to `found`, if one is close enough to be a plausible typo.
///
/// Matching ignores ASCII case and treats fullwidth forms as their ASCII twins, so
/// `ＳＭＡＬＬ` suggests `small`.
pub fn closest<'a, I, S>(found: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a S>,
    S: AsRef<str> + ?Sized + 'a,
{
    let norm = normalize(found);
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        let c = c.as_ref();
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
}
