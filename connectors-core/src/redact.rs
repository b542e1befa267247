//! [`redacted_excerpt`]: what of a provider's words may be logged or shown.

/// What of a provider's error body may be logged (SPEC §8.16): providers echo requests
/// back, credentials included, so anything shaped like a credential becomes
/// `[REDACTED]` — runs of 16 or more token characters, shorter runs mixing letters and
/// digits, and whatever follows a word such as `Bearer`, `token` or `password` —
/// control characters become spaces, and the excerpt stops at 200 characters.
pub fn redacted_excerpt(body: &str) -> String {
    const LIMIT: usize = 200;
    const CUES: [&str; 9] = [
        "bearer",
        "basic",
        "token",
        "secret",
        "password",
        "key",
        "authorization",
        "code",
        "sig",
    ];
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "-_.~+/=%".contains(c);
    let mut excerpt = String::new();
    let mut run = String::new();
    let mut after_cue = false;
    let flush = |run: &mut String, excerpt: &mut String, after_cue: &mut bool| {
        if run.is_empty() {
            return;
        }
        let has_digit = run.chars().any(|c| c.is_ascii_digit());
        let has_letter = run.chars().any(|c| c.is_ascii_alphabetic());
        let looks_secret = run.len() >= 16
            || (run.len() >= 8 && has_digit && has_letter)
            || (*after_cue && run.len() >= 4);
        let lowered = run.to_ascii_lowercase();
        *after_cue = CUES.iter().any(|cue| lowered.ends_with(cue));
        excerpt.push_str(if looks_secret { "[REDACTED]" } else { run });
        run.clear();
    };
    for c in body.chars() {
        if is_token_char(c) {
            run.push(c);
            continue;
        }
        flush(&mut run, &mut excerpt, &mut after_cue);
        excerpt.push(if c.is_control() { ' ' } else { c });
        if excerpt.chars().count() > LIMIT {
            break;
        }
    }
    flush(&mut run, &mut excerpt, &mut after_cue);
    if excerpt.chars().count() > LIMIT {
        excerpt = excerpt.chars().take(LIMIT).collect();
        excerpt.push('…');
    }
    excerpt
}

#[cfg(test)]
mod tests {
    use super::redacted_excerpt;

    #[test]
    fn credentials_echoed_by_a_provider_are_redacted() {
        let body = r#"{"message":"Internal error","request":{"headers":{"Authorization":"Bearer hst_SECRET-API-TOKEN-0123456789abcdef","X-Api-Key":"k3y9"}},"password":"hunter22"}"#;
        let excerpt = redacted_excerpt(body);
        for secret in ["hst_SECRET", "0123456789abcdef", "k3y9", "hunter22"] {
            assert!(!excerpt.contains(secret), "{excerpt}");
        }
        assert!(excerpt.contains("Internal error"), "{excerpt}");
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        let excerpt = redacted_excerpt(&"line one\nline two ".repeat(100));
        assert!(excerpt.chars().count() <= 201, "{}", excerpt.len());
        assert!(!excerpt.contains('\n'));
        assert!(excerpt.ends_with('…'));
    }
}
