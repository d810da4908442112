//! The condition grammar, parsed with `nom`.
//!
//! ```text
//! or      := and ("||" and)*
//! and     := unary ("&&" unary)*
//! unary   := "!" unary | primary
//! primary := "(" or ")" | word (cmp word)?
//! cmp     := "<=" | ">=" | "==" | "!=" | "<" | ">"
//! word    := [A-Za-z0-9_.-]+          a number, `question.choice`, `choice`, `question` or `calc.name`
//! ```
//!
//! The parser only builds the shape; [`super::resolve`] decides what each word names.

use nom::{
    IResult, Parser,
    branch::alt,
    bytes::complete::{tag, take_while1},
    character::complete::{char, multispace0},
    combinator::{all_consuming, map, opt},
    multi::many0,
    sequence::{delimited, pair, preceded},
};

use super::CmpOp;

/// Deepest nesting of parentheses and `!` accepted, so hostile input cannot exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A parsed, unresolved condition.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Raw {
    Word(String),
    Compare(String, CmpOp, String),
    Not(Box<Raw>),
    And(Vec<Raw>),
    Or(Vec<Raw>),
}

type Res<'a, T> = IResult<&'a str, T>;

fn ws<'a, O, F>(inner: F) -> impl Parser<&'a str, Output = O, Error = nom::error::Error<&'a str>>
where
    F: Parser<&'a str, Output = O, Error = nom::error::Error<&'a str>>,
{
    delimited(multispace0, inner, multispace0)
}

fn word(input: &str) -> Res<'_, String> {
    map(
        take_while1(|c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')),
        str::to_owned,
    )
    .parse(input)
}

fn cmp_op(input: &str) -> Res<'_, CmpOp> {
    alt((
        map(tag("<="), |_| CmpOp::Le),
        map(tag(">="), |_| CmpOp::Ge),
        map(tag("=="), |_| CmpOp::Eq),
        map(tag("!="), |_| CmpOp::Ne),
        map(tag("<"), |_| CmpOp::Lt),
        map(tag(">"), |_| CmpOp::Gt),
    ))
    .parse(input)
}

fn primary(input: &str) -> Res<'_, Raw> {
    alt((
        delimited(ws(char('(')), or_expr, ws(char(')'))),
        map(
            pair(ws(word), opt(pair(ws(cmp_op), ws(word)))),
            |(left, rest)| match rest {
                Some((op, right)) => Raw::Compare(left, op, right),
                None => Raw::Word(left),
            },
        ),
    ))
    .parse(input)
}

fn unary(input: &str) -> Res<'_, Raw> {
    alt((
        map(preceded(ws(char('!')), unary), |e| Raw::Not(Box::new(e))),
        primary,
    ))
    .parse(input)
}

fn and_expr(input: &str) -> Res<'_, Raw> {
    map(
        pair(unary, many0(preceded(ws(tag("&&")), unary))),
        |(first, rest)| {
            if rest.is_empty() {
                first
            } else {
                Raw::And(std::iter::once(first).chain(rest).collect())
            }
        },
    )
    .parse(input)
}

fn or_expr(input: &str) -> Res<'_, Raw> {
    map(
        pair(and_expr, many0(preceded(ws(tag("||")), and_expr))),
        |(first, rest)| {
            if rest.is_empty() {
                first
            } else {
                Raw::Or(std::iter::once(first).chain(rest).collect())
            }
        },
    )
    .parse(input)
}

/// Parses a whole condition, or says where it stops making sense.
pub(crate) fn parse(source: &str) -> Result<Raw, String> {
    if source.trim().is_empty() {
        return Err("the condition is empty".into());
    }
    let depth = source.chars().filter(|c| matches!(c, '(' | '!')).count();
    if depth > MAX_DEPTH {
        return Err(format!(
            "the condition nests deeper than {MAX_DEPTH} levels"
        ));
    }
    match all_consuming(ws(or_expr)).parse(source) {
        Ok((_, raw)) => Ok(raw),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let column = source.len() - e.input.len() + 1;
            let near: String = e.input.chars().take(12).collect();
            if near.is_empty() {
                Err(format!("the condition ends too early (column {column})"))
            } else {
                Err(format!(
                    "cannot read the condition at column {column}, near `{near}`"
                ))
            }
        }
        Err(nom::Err::Incomplete(_)) => Err("the condition ends too early".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Raw {
        Raw::Word(s.into())
    }

    #[test]
    fn not_binds_tighter_than_and_which_binds_tighter_than_or() {
        let got = parse("!a && b || c").unwrap();
        assert_eq!(
            got,
            Raw::Or(vec![
                Raw::And(vec![Raw::Not(Box::new(w("a"))), w("b")]),
                w("c")
            ])
        );
    }

    #[test]
    fn parentheses_override_precedence() {
        let got = parse("a && (b || c)").unwrap();
        assert_eq!(got, Raw::And(vec![w("a"), Raw::Or(vec![w("b"), w("c")])]));
    }

    #[test]
    fn comparisons_read_both_operands() {
        let got = parse("peak_rps>=1000.5").unwrap();
        assert_eq!(
            got,
            Raw::Compare("peak_rps".into(), CmpOp::Ge, "1000.5".into())
        );
        let got = parse("!(x != y)").unwrap();
        assert_eq!(
            got,
            Raw::Not(Box::new(Raw::Compare("x".into(), CmpOp::Ne, "y".into())))
        );
    }

    #[test]
    fn aws_lens_example_parses() {
        parse("((choice_1 || choice_2) && choice_3) || (!choice_1 && choice_3)").unwrap();
    }

    #[test]
    fn malformed_conditions_say_where() {
        let err = parse("a && || b").unwrap_err();
        assert!(err.contains("column"), "{err}");
        assert!(parse("(a && b").is_err());
        assert!(parse("a b").is_err());
        assert!(parse("").unwrap_err().contains("empty"));
        assert!(parse("a >").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(parse(&deep).unwrap_err().contains("nests"));
    }
}
