//! Central's JSON decoded without a `serde_json::Value` tree, for the tools that decode a large
//! page straight into typed fields ([`crate::central::ApiRequest::unparsed`]).
//!
//! [`ObjectOnly`] makes a struct accept only a JSON object (serde would also read an array as the
//! struct's fields in order, which the `Value` path reads as no fields at all). [`Scalar`] accepts
//! any JSON value (strings borrow from the body when they have no escapes; arrays and objects are
//! skipped without allocating). Its readings (`text`, `number`, `count`, `cursor`, `upper`) are the
//! one definition of how a field is read: [`super::fields`] reads a `Value`'s field through
//! [`Scalar::field`], so the typed path and the `Value` path map a page to the same result.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Number, Value};

/// A JSON value as the `fields` helpers see it: text, a number, a boolean, or anything else
/// (null, absent, an array or an object), which reads as unknown.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar<'a> {
    /// A string, borrowed from the body unless it had escapes.
    Text(Cow<'a, str>),
    /// A number, as `serde_json` would have stored it in a `Value`.
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// Absent, `null`, an array or an object.
    #[default]
    Other,
}

impl<'a> Scalar<'a> {
    /// The field `key` of `object` as a scalar, borrowing its text; [`Scalar::Other`] when
    /// `object` is not an object or has no such field.
    pub fn field(object: &'a Value, key: &str) -> Scalar<'a> {
        match object.get(key) {
            Some(Value::String(s)) => Scalar::Text(Cow::Borrowed(s)),
            Some(Value::Number(n)) => Scalar::Number(n.clone()),
            Some(Value::Bool(b)) => Scalar::Bool(*b),
            _ => Scalar::Other,
        }
    }

    /// A non-empty trimmed string; numbers and booleans as text ([`super::fields::text`]).
    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => {
                let s = s.trim();
                (!s.is_empty()).then(|| s.to_string())
            }
            Scalar::Number(n) => Some(n.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::Other => None,
        }
    }

    /// The text, upper-cased ([`super::fields::status_upper`]).
    pub fn upper(&self) -> Option<String> {
        self.text().map(|s| s.to_ascii_uppercase())
    }

    /// A finite number, also from a numeric string ([`super::fields::number`]).
    pub fn number(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => n.as_f64(),
            Scalar::Text(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|f| f.is_finite())
    }

    /// A non-negative whole number, fractions truncated ([`super::fields::count`]).
    pub fn count(&self) -> Option<u64> {
        self.number().filter(|f| *f >= 0.0).map(|f| f as u64)
    }

    /// A non-empty trimmed string, or a number as text ([`super::fields::next_cursor`]).
    pub fn cursor(&self) -> Option<String> {
        match self {
            Scalar::Text(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Scalar::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// `T` decoded from a JSON object only: anything else is an error (the caller falls back to the
/// `Value` path).
#[derive(Debug)]
pub struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

struct ObjectVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = ObjectOnly<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(ObjectOnly)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor(std::marker::PhantomData))
    }
}

struct ScalarVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
    type Value = Scalar<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v.to_string())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Scalar::Text(Cow::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v.into()))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Scalar::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // As `serde_json::Value` does: a float that is not finite is null.
        Ok(Number::from_f64(v).map_or(Scalar::Other, Scalar::Number))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Scalar::Bool(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Scalar::Other)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        Scalar::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tools::fields;
    use serde_json::{Value, json};

    /// Every reading of `value` through [`Scalar`] equals the `fields` helper's reading of the
    /// same value from a `Value`.
    fn same_as_fields(value: Value) {
        let text = value.to_string();
        let scalar: Scalar = serde_json::from_str(&text).unwrap();
        let object = json!({ "k": value, "next": value, "uptimeInMillis": value });
        assert_eq!(scalar.text(), fields::text(&object, "k"), "{text}");
        assert_eq!(scalar.upper(), fields::status_upper(&object, "k"), "{text}");
        assert_eq!(scalar.number(), fields::number(&object, "k"), "{text}");
        assert_eq!(scalar.count(), fields::count(&object, "k"), "{text}");
        assert_eq!(scalar.cursor(), fields::next_cursor(&object), "{text}");
    }

    #[test]
    fn reads_every_kind_of_value_as_the_fields_helpers_do() {
        for value in [
            json!("AP-635"),
            json!("  padded  "),
            json!("   "),
            json!(""),
            json!("esc\"aped\\n"),
            json!("ünïcode"),
            json!("-95"),
            json!(" 12.5 "),
            json!("NaN"),
            json!("inf"),
            json!(42),
            json!(-7),
            json!(12.5),
            json!(1e300),
            json!(18446744073709551615u64),
            json!(true),
            json!(false),
            json!(null),
            json!([1, "two", {"three": 3}]),
            json!({"nested": {"deep": [null]}}),
        ] {
            same_as_fields(value);
        }
        // Beyond u64: serde_json reads it as a float, both ways.
        let big: Scalar = serde_json::from_str("123456789012345678901234567890").unwrap();
        let value: Value = serde_json::from_str("123456789012345678901234567890").unwrap();
        assert_eq!(big.text(), fields::text(&json!({ "k": value }), "k"));
    }

    #[test]
    fn object_only_refuses_arrays_that_serde_would_read_as_fields() {
        #[derive(Debug, serde::Deserialize)]
        struct Item<'a> {
            #[serde(default, borrow)]
            name: Scalar<'a>,
        }
        let plain: Item = serde_json::from_str(r#"["from an array"]"#).unwrap();
        assert_eq!(plain.name.text().as_deref(), Some("from an array"));
        assert!(serde_json::from_str::<ObjectOnly<Item>>(r#"["from an array"]"#).is_err());
        assert!(serde_json::from_str::<ObjectOnly<Item>>("null").is_err());
        let object: ObjectOnly<Item> = serde_json::from_str(r#"{"name":"ap-1"}"#).unwrap();
        assert!(matches!(object.0.name, Scalar::Text(Cow::Borrowed("ap-1"))));
    }

    #[test]
    fn borrows_plain_strings_and_owns_escaped_ones() {
        let plain: Scalar = serde_json::from_str(r#""plain""#).unwrap();
        assert!(matches!(plain, Scalar::Text(Cow::Borrowed("plain"))));
        let escaped: Scalar = serde_json::from_str(r#""a\"b""#).unwrap();
        assert!(matches!(escaped, Scalar::Text(Cow::Owned(ref s)) if s == "a\"b"));
    }
}
