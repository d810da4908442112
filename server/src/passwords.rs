//! New passwords: long enough, not too long, and not guessable. Each is scored by `zxcvbn`
//! against the common and breached passwords, words and names it compiles in (and the
//! account's own name and email); a weak one is refused with the reason, in words shown
//! beside the field.

/// The lowest `zxcvbn` score accepted (0 to 4): 3 is "safely unguessable" for an online attack
/// with throttling, which sign-in has.
const MIN_SCORE: u8 = 3;

/// Whether `password` may be a new password for the account of `name` and `email`; if not,
/// why, in the words the form shows beside the field.
pub fn check_new(password: &str, name: &str, email: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < app::api::MIN_PASSWORD {
        return Err(format!(
            "The password needs at least {} characters.",
            app::api::MIN_PASSWORD
        ));
    }
    if password.len() > 1000 {
        return Err("The password is too long (at most 1,000 characters).".to_owned());
    }
    // zxcvbn's matching grows with the length; past 100 characters only the start is scored,
    // which is long enough to tell a repeated common word.
    let scored: String = password.chars().take(100).collect();
    let local = email.split('@').next().unwrap_or("");
    let entropy = zxcvbn::zxcvbn(&scored, &[name, email, local, "trellis"]);
    if u8::from(entropy.score()) >= MIN_SCORE {
        return Ok(());
    }
    let warning = entropy
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| w.to_string());
    Err(match warning {
        Some(w) => format!("This password is too easy to guess: {w} Choose another."),
        None => "This password is too easy to guess (it is close to common passwords, words or your own name). Choose a longer one, such as a few unrelated words.".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_breached_passwords_are_refused_with_a_reason() {
        for weak in ["password1234", "qwertyuiop12"] {
            let why = check_new(weak, "Ann", "ann@example.com").expect_err(weak);
            assert!(why.contains("too easy to guess"), "{weak}: {why}");
        }
        let why = check_new("password1234", "Ann", "a@x").unwrap_err();
        assert!(why.contains("common"), "{why}");
        assert!(
            check_new("short", "Ann", "a@x")
                .unwrap_err()
                .contains("at least")
        );
    }

    #[test]
    fn strong_passwords_pass() {
        for strong in ["vivid otter glacier 27", "a long enough password"] {
            assert_eq!(
                check_new(strong, "Ann", "ann@example.com"),
                Ok(()),
                "{strong}"
            );
        }
    }
}
