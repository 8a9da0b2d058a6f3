//! The subset of OData v4 `$filter` that Central accepts (CONTRACT §3.5).
//!
//! Grammar (whitespace between tokens is free; keywords are lower-case):
//!
//! ```text
//! filter := term ( "and" term )*
//! term   := field "eq" value
//!         | field "in" "(" value ( "," value )* ")"
//! value  := "'" chars "'"          ('' inside a literal stands for one ')
//!         | number                 (bare digits, optional sign and decimal point)
//! ```
//!
//! `or`, `not`, `ne`, `gt`, functions and grouping of terms are rejected with a message that
//! says so. Only the fields an endpoint documents as filterable are allowed. A term matches
//! when the item's JSON value for that field equals one of the values exactly (strings
//! compared case-sensitively; numbers and booleans by their JSON text; null never matches).

use serde_json::Value;

/// Maximum filter length for most endpoints.
pub(crate) const MAX_FILTER_LEN: usize = 256;

/// Why a filter was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ODataError {
    /// The filter is longer than the endpoint allows.
    #[error("filter is {len} characters long; the maximum is {max}")]
    TooLong {
        /// Length in characters.
        len: usize,
        /// Allowed maximum.
        max: usize,
    },
    /// A field that is not filterable on this endpoint.
    #[error("filter field '{field}' is not supported; supported fields: {allowed}")]
    UnknownField {
        /// The field named.
        field: String,
        /// The supported fields, comma-separated.
        allowed: String,
    },
    /// An operator or keyword outside the supported subset.
    #[error("filter operator '{0}' is not supported; use 'eq' or 'in', and join terms with 'and'")]
    UnsupportedOperator(String),
    /// Anything else that does not follow the grammar.
    #[error("malformed filter: {0}")]
    Syntax(String),
}

/// One `field eq 'v'` or `field in ('a', 'b')` term (an `eq` has one value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    /// The field (camelCase response field name).
    pub(crate) field: String,
    /// Accepted values.
    pub(crate) values: Vec<String>,
}

/// A parsed filter: every term must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Filter {
    /// The terms, joined by `and`.
    pub(crate) terms: Vec<Term>,
}

impl Filter {
    /// Parse `input`, allowing only `allowed` fields and at most `max_len` characters.
    /// A blank input is an empty filter (matches everything).
    pub(crate) fn parse(input: &str, allowed: &[&str], max_len: usize) -> Result<Self, ODataError> {
        let len = input.chars().count();
        if len > max_len {
            return Err(ODataError::TooLong { len, max: max_len });
        }
        let tokens = tokenize(input)?;
        Parser {
            tokens,
            pos: 0,
            allowed,
        }
        .filter()
    }

    /// `true` when some term is on `field`.
    pub(crate) fn names(&self, field: &str) -> bool {
        self.terms.iter().any(|t| t.field == field)
    }

    /// Add a term (e.g. an endpoint's default filter).
    pub(crate) fn push(&mut self, field: &str, values: &[&str]) {
        self.terms.push(Term {
            field: field.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        });
    }

    /// Does `item` (a JSON object) match? Fields are looked up by name.
    pub(crate) fn matches(&self, item: &Value) -> bool {
        self.matches_by(|field| item.get(field))
    }

    /// Does the item whose fields `lookup` returns match?
    pub(crate) fn matches_by<'v>(&self, lookup: impl Fn(&str) -> Option<&'v Value>) -> bool {
        self.terms.iter().all(|t| match lookup(&t.field) {
            Some(v) => value_text(v).is_some_and(|text| t.values.contains(&text)),
            None => false,
        })
    }
}

/// The text a filter value is compared with; `None` for null, arrays and objects.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Number(String),
    Open,
    Close,
    Comma,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("'{w}'"),
            Token::Str(s) => format!("string '{s}'"),
            Token::Number(n) => format!("number {n}"),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Comma => "','".into(),
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<Token>, ODataError> {
    let mut tokens = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '\'' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        Some('\'') if chars.peek() == Some(&'\'') => {
                            chars.next();
                            s.push('\'');
                        }
                        Some('\'') => break,
                        Some(ch) => s.push(ch),
                        None => {
                            return Err(ODataError::Syntax(format!(
                                "unterminated string literal '{s}' (a quote inside a value is written '')"
                            )));
                        }
                    }
                }
                tokens.push(Token::Str(s));
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => {
                let mut n = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' || ((d == '-' || d == '+') && n.is_empty()) {
                        n.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if !n.chars().any(|d| d.is_ascii_digit()) {
                    return Err(ODataError::Syntax(format!("unexpected character '{c}'")));
                }
                tokens.push(Token::Number(n));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' || c == '/' => {
                let mut w = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' || d == '.' || d == '/' {
                        w.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(Token::Word(w));
            }
            other => {
                return Err(ODataError::Syntax(format!(
                    "unexpected character '{other}'"
                )));
            }
        }
    }
    Ok(tokens)
}

/// Operators and keywords of full OData that this subset refuses by name.
const UNSUPPORTED: [&str; 16] = [
    "or",
    "not",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "has",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "contains",
    "startswith",
    "endswith",
];

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    allowed: &'a [&'a str],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn filter(mut self) -> Result<Filter, ODataError> {
        let mut terms = Vec::new();
        if self.peek().is_none() {
            return Ok(Filter { terms });
        }
        loop {
            terms.push(self.term()?);
            match self.next() {
                None => break,
                Some(Token::Word(w)) if w == "and" => {
                    if self.peek().is_none() {
                        return Err(ODataError::Syntax(
                            "'and' must be followed by a term".into(),
                        ));
                    }
                }
                Some(Token::Word(w)) if is_unsupported(&w) => {
                    return Err(ODataError::UnsupportedOperator(w));
                }
                Some(Token::Word(w)) if w.eq_ignore_ascii_case("and") => {
                    return Err(ODataError::Syntax(format!(
                        "'{w}' must be written in lower case: 'and'"
                    )));
                }
                Some(t) => {
                    return Err(ODataError::Syntax(format!(
                        "expected 'and' between terms, found {}",
                        t.describe()
                    )));
                }
            }
        }
        Ok(Filter { terms })
    }

    fn term(&mut self) -> Result<Term, ODataError> {
        let field = match self.next() {
            Some(Token::Word(w)) if is_unsupported(&w) => {
                return Err(ODataError::UnsupportedOperator(w));
            }
            Some(Token::Word(w)) => w,
            Some(Token::Open) => {
                return Err(ODataError::Syntax(
                    "parentheses around terms are not supported".into(),
                ));
            }
            Some(t) => {
                return Err(ODataError::Syntax(format!(
                    "expected a field name, found {}",
                    t.describe()
                )));
            }
            None => return Err(ODataError::Syntax("expected a field name".into())),
        };
        if matches!(self.peek(), Some(Token::Open)) {
            return Err(ODataError::UnsupportedOperator(field));
        }
        if !self.allowed.contains(&field.as_str()) {
            return Err(ODataError::UnknownField {
                field,
                allowed: self.allowed.join(", "),
            });
        }
        let op = match self.next() {
            Some(Token::Word(op)) => op,
            Some(t) => {
                return Err(ODataError::Syntax(format!(
                    "expected an operator after '{field}', found {}",
                    t.describe()
                )));
            }
            None => {
                return Err(ODataError::Syntax(format!(
                    "expected an operator ('eq' or 'in') after '{field}'"
                )));
            }
        };
        let values = match op.as_str() {
            "eq" => vec![self.value(&field)?],
            "in" => self.list(&field)?,
            _ => return Err(ODataError::UnsupportedOperator(op)),
        };
        Ok(Term { field, values })
    }

    fn value(&mut self, field: &str) -> Result<String, ODataError> {
        match self.next() {
            Some(Token::Str(s)) | Some(Token::Number(s)) => Ok(s),
            Some(Token::Word(w)) => Err(ODataError::Syntax(format!(
                "value {w} for '{field}' must be a single-quoted string, e.g. '{w}'"
            ))),
            Some(t) => Err(ODataError::Syntax(format!(
                "expected a value for '{field}', found {}",
                t.describe()
            ))),
            None => Err(ODataError::Syntax(format!("missing value for '{field}'"))),
        }
    }

    fn list(&mut self, field: &str) -> Result<Vec<String>, ODataError> {
        if self.next() != Some(Token::Open) {
            return Err(ODataError::Syntax(format!(
                "'in' needs a parenthesised list, e.g. {field} in ('a', 'b')"
            )));
        }
        let mut values = vec![self.value(field)?];
        loop {
            match self.next() {
                Some(Token::Comma) => values.push(self.value(field)?),
                Some(Token::Close) => return Ok(values),
                Some(t) => {
                    return Err(ODataError::Syntax(format!(
                        "expected ',' or ')' in the list for '{field}', found {}",
                        t.describe()
                    )));
                }
                None => {
                    return Err(ODataError::Syntax(format!(
                        "unterminated list for '{field}': missing ')'"
                    )));
                }
            }
        }
    }
}

fn is_unsupported(word: &str) -> bool {
    UNSUPPORTED.iter().any(|u| u.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FIELDS: &[&str] = &["siteId", "siteName", "status", "vlanId"];

    fn parse(s: &str) -> Result<Filter, ODataError> {
        Filter::parse(s, FIELDS, MAX_FILTER_LEN)
    }

    #[test]
    fn eq_term() {
        let f = parse("status eq 'ONLINE'").expect("parses");
        assert_eq!(
            f.terms,
            vec![Term {
                field: "status".into(),
                values: vec!["ONLINE".into()]
            }]
        );
    }

    #[test]
    fn in_term_and_conjunction() {
        let f = parse("siteId in ('1', '2','3') and status eq 'ONLINE'").expect("parses");
        assert_eq!(f.terms.len(), 2);
        assert_eq!(f.terms[0].values, vec!["1", "2", "3"]);
        assert!(f.names("status"));
        assert!(!f.names("vlanId"));
    }

    #[test]
    fn escaped_quote_and_spaces() {
        let f = parse("siteName eq 'Bob''s Store 12'").expect("parses");
        assert_eq!(f.terms[0].values, vec!["Bob's Store 12"]);
        let f = parse("  siteName   eq   ''  ").expect("parses");
        assert_eq!(f.terms[0].values, vec![""]);
    }

    #[test]
    fn bare_numbers_are_values() {
        let f = parse("vlanId eq 10").expect("parses");
        assert!(f.matches(&json!({"vlanId": "10"})));
        assert!(f.matches(&json!({"vlanId": 10})));
    }

    #[test]
    fn blank_is_empty_filter() {
        assert_eq!(parse("").expect("parses"), Filter::default());
        assert_eq!(parse("   ").expect("parses"), Filter::default());
    }

    #[test]
    fn rejections() {
        assert!(matches!(
            parse("foo eq 'x'"),
            Err(ODataError::UnknownField { field, .. }) if field == "foo"
        ));
        assert!(
            matches!(parse("status ne 'x'"), Err(ODataError::UnsupportedOperator(op)) if op == "ne")
        );
        assert!(matches!(
            parse("status gt '1'"),
            Err(ODataError::UnsupportedOperator(_))
        ));
        assert!(matches!(
            parse("status eq 'a' or status eq 'b'"),
            Err(ODataError::UnsupportedOperator(op)) if op == "or"
        ));
        assert!(matches!(
            parse("not status eq 'a'"),
            Err(ODataError::UnsupportedOperator(_))
        ));
        assert!(matches!(
            parse("contains(siteName, 'x')"),
            Err(ODataError::UnsupportedOperator(_))
        ));
        assert!(matches!(
            parse("status eq 'a' AND siteId eq '1'"),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(parse("status eq 'a"), Err(ODataError::Syntax(_))));
        assert!(matches!(
            parse("status eq ONLINE"),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(parse("status eq"), Err(ODataError::Syntax(_))));
        assert!(matches!(parse("status"), Err(ODataError::Syntax(_))));
        assert!(matches!(parse("status in 'a'"), Err(ODataError::Syntax(_))));
        assert!(matches!(
            parse("status in ('a'"),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(parse("status in ()"), Err(ODataError::Syntax(_))));
        assert!(matches!(
            parse("status eq 'a' and"),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(
            parse("status eq 'a' siteId eq 'b'"),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(
            parse("(status eq 'a')"),
            Err(ODataError::Syntax(_))
        ));
        assert!(matches!(
            parse("status eq 'a' ; drop"),
            Err(ODataError::Syntax(_))
        ));
        let long = format!("siteName eq '{}'", "x".repeat(250));
        assert!(matches!(
            parse(&long),
            Err(ODataError::TooLong { max: 256, .. })
        ));
    }

    #[test]
    fn error_messages_say_what_is_wrong() {
        let e = parse("foo eq 'x'").expect_err("rejected").to_string();
        assert!(e.contains("foo") && e.contains("siteId"), "{e}");
        let e = parse("status ne 'x'").expect_err("rejected").to_string();
        assert!(e.contains("'ne'"), "{e}");
    }

    #[test]
    fn matching_is_exact() {
        let item = json!({"status": "ONLINE", "siteId": "1", "siteName": null});
        assert!(parse("status eq 'ONLINE'").expect("ok").matches(&item));
        assert!(!parse("status eq 'online'").expect("ok").matches(&item));
        assert!(
            parse("status in ('OFFLINE','ONLINE')")
                .expect("ok")
                .matches(&item)
        );
        assert!(
            !parse("status eq 'ONLINE' and siteId eq '2'")
                .expect("ok")
                .matches(&item)
        );
        assert!(!parse("siteName eq ''").expect("ok").matches(&item));
        assert!(!parse("vlanId eq '1'").expect("ok").matches(&item));
        let mut f = Filter::default();
        assert!(f.matches(&item));
        f.push("siteId", &["1"]);
        assert!(f.matches(&item));
    }
}
