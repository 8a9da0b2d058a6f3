//! Lean list items: the `fields` argument of the list tools and the item lists it projects.
//!
//! A list tool's items carry by default only the fields a NOC engineer scans
//! ([`Item::DEFAULT`]); the `fields` argument names the fields wanted instead, fewer or more,
//! from [`Item::ALL`] (the item type's serialised fields; a unit test keeps the two in step).
//! The item's key ([`Item::KEY`]) is always kept, so every item stays identifiable. An unknown
//! name is an argument error that lists the valid ones.

use std::borrow::Cow;
use std::marker::PhantomData;

use rmcp::schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// An item type a list tool returns, with its field sets.
pub trait Item: Serialize + JsonSchema {
    /// Every field the item serialises, in declaration order.
    const ALL: &'static [&'static str];
    /// The fields returned when the call does not name any (the key among them).
    const DEFAULT: &'static [&'static str];
    /// The field that identifies an item; always returned.
    const KEY: &'static str;
}

/// The `fields` argument: which item fields to return. Decoding checks every name against
/// [`Item::ALL`]; its schema is an array of those names.
pub struct Fields<I: Item> {
    names: Vec<&'static str>,
    item: PhantomData<fn() -> I>,
}

impl<I: Item> std::fmt::Debug for Fields<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.names).finish()
    }
}

impl<I: Item> Clone for Fields<I> {
    fn clone(&self) -> Self {
        Fields {
            names: self.names.clone(),
            item: PhantomData,
        }
    }
}

impl<I: Item> Fields<I> {
    /// The selection `names` (each one of [`Item::ALL`]), or an error naming the first unknown
    /// name and listing the valid ones.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Fields<I>, String> {
        let mut chosen = Vec::new();
        for name in names {
            let name = name.as_ref().trim();
            if name == "*" || name.eq_ignore_ascii_case("all") {
                return Ok(Fields {
                    names: I::ALL.to_vec(),
                    item: PhantomData,
                });
            }
            match I::ALL.iter().find(|f| **f == name) {
                Some(f) => chosen.push(*f),
                None => {
                    return Err(format!(
                        "unknown field {}; valid: {} (or \"all\")",
                        super::args::shown(name),
                        I::ALL.join(", ")
                    ));
                }
            }
        }
        Ok(Fields {
            names: chosen,
            item: PhantomData,
        })
    }

    /// Whether `field` is selected (the key always is).
    fn has(&self, field: &str) -> bool {
        field == I::KEY || self.names.contains(&field)
    }
}

impl<'de, I: Item> Deserialize<'de> for Fields<I> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let names = Vec::<String>::deserialize(deserializer)?;
        if names.len() > I::ALL.len() + 1 {
            return Err(serde::de::Error::custom(format!(
                "{} names; at most the {} fields of an item",
                names.len(),
                I::ALL.len()
            )));
        }
        Fields::parse(&names).map_err(serde::de::Error::custom)
    }
}

impl<I: Item> JsonSchema for Fields<I> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("Fields_{}", I::schema_name()))
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut names: Vec<&str> = I::ALL.to_vec();
        names.push("all");
        json_schema!({
            "type": "array",
            "items": { "enum": names },
        })
    }
}

/// A list of items as a result carries it: serialised with only the selected fields of each
/// item. Reads like the `Vec` it wraps.
#[derive(Debug, Clone)]
pub struct Items<I: Item> {
    items: Vec<I>,
    fields: Option<Fields<I>>,
}

impl<I: Item> Items<I> {
    /// `items`, to be serialised with `fields` (the defaults when `None`).
    pub fn new(items: Vec<I>, fields: Option<Fields<I>>) -> Items<I> {
        Items { items, fields }
    }

    /// Serialise with `fields` from now on (the defaults when `None`).
    pub fn select(&mut self, fields: Option<Fields<I>>) {
        self.fields = fields;
    }

    /// The items themselves.
    pub fn into_inner(self) -> Vec<I> {
        self.items
    }

    /// Whether the serialised items carry `field`.
    pub fn shows(&self, field: &str) -> bool {
        match &self.fields {
            Some(f) => f.has(field),
            None => field == I::KEY || I::DEFAULT.contains(&field),
        }
    }

    /// One item as serialised: its JSON object with only the selected fields.
    fn project(&self, item: &I) -> Result<Value, serde_json::Error> {
        let full = serde_json::to_value(item)?;
        let Value::Object(full) = full else {
            return Ok(full);
        };
        let kept: Map<String, Value> = full.into_iter().filter(|(k, _)| self.shows(k)).collect();
        Ok(Value::Object(kept))
    }
}

impl<I: Item> From<Vec<I>> for Items<I> {
    /// `items` with the default fields.
    fn from(items: Vec<I>) -> Items<I> {
        Items::new(items, None)
    }
}

impl<I: Item> std::ops::Deref for Items<I> {
    type Target = Vec<I>;

    fn deref(&self) -> &Vec<I> {
        &self.items
    }
}

impl<I: Item> std::ops::DerefMut for Items<I> {
    fn deref_mut(&mut self) -> &mut Vec<I> {
        &mut self.items
    }
}

impl<I: Item> Serialize for Items<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.items.len()))?;
        for item in &self.items {
            seq.serialize_element(&self.project(item).map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

impl<I: Item> JsonSchema for Items<I> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        Cow::Owned(format!("Items_{}", I::schema_name()))
    }

    /// An array of the item's schema in which only the key is required (the `fields` argument
    /// chooses the rest).
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let mut item = I::json_schema(generator);
        if let Some(object) = item.as_object_mut() {
            object.insert("required".into(), Value::Array(vec![I::KEY.into()]));
        }
        json_schema!({ "type": "array", "items": item })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rmcp::schemars;

    /// Checks `I`'s field lists against its schema: [`Item::ALL`] is exactly its properties,
    /// [`Item::DEFAULT`] and [`Item::KEY`] are among them, and the key is a required field.
    pub(crate) fn check_item<I: Item>() {
        let schema = rmcp::schemars::generate::SchemaSettings::draft2020_12()
            .for_serialize()
            .into_generator()
            .into_root_schema_for::<I>();
        let properties: Vec<&str> = schema
            .get("properties")
            .and_then(Value::as_object)
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        let mut all: Vec<&str> = I::ALL.to_vec();
        all.sort_unstable();
        let mut props = properties.clone();
        props.sort_unstable();
        assert_eq!(
            all,
            props,
            "{}: ALL is not the item's fields",
            I::schema_name()
        );
        for f in I::DEFAULT.iter().chain([&I::KEY]) {
            assert!(
                properties.contains(f),
                "{}: {f} is no field",
                I::schema_name()
            );
        }
        assert!(
            I::DEFAULT.contains(&I::KEY),
            "{}: key not in DEFAULT",
            I::schema_name()
        );
    }

    #[derive(Debug, Clone, Serialize, JsonSchema)]
    struct Thing {
        id: String,
        name: Option<String>,
        detail: Option<u64>,
    }

    impl Item for Thing {
        const ALL: &'static [&'static str] = &["id", "name", "detail"];
        const DEFAULT: &'static [&'static str] = &["id", "name"];
        const KEY: &'static str = "id";
    }

    fn thing() -> Thing {
        Thing {
            id: "a".into(),
            name: None,
            detail: Some(3),
        }
    }

    #[test]
    fn projects_defaults_chosen_fields_and_all() {
        check_item::<Thing>();
        let default = Items::new(vec![thing()], None);
        assert_eq!(
            serde_json::to_value(&default).unwrap(),
            serde_json::json!([{"id": "a", "name": null}])
        );
        let fewer: Fields<Thing> = serde_json::from_value(serde_json::json!(["detail"])).unwrap();
        assert_eq!(
            serde_json::to_value(Items::new(vec![thing()], Some(fewer))).unwrap(),
            serde_json::json!([{"id": "a", "detail": 3}])
        );
        let all: Fields<Thing> = serde_json::from_value(serde_json::json!(["all"])).unwrap();
        assert_eq!(
            serde_json::to_value(Items::new(vec![thing()], Some(all))).unwrap(),
            serde_json::json!([{"id": "a", "name": null, "detail": 3}])
        );
        assert_eq!(default.len(), 1);
    }

    #[test]
    fn every_list_item_names_its_fields() {
        check_item::<crate::tools::devices::Device>();
        check_item::<crate::tools::clients::Client>();
        check_item::<crate::tools::firmware::FirmwareItem>();
        check_item::<crate::tools::inventory::InventoryDevice>();
        check_item::<crate::tools::switches::SwitchPort>();
        check_item::<crate::tools::events::Event>();
        check_item::<crate::tools::threats::Threat>();
        check_item::<crate::tools::alerts::Alert>();
    }

    #[test]
    fn unknown_names_are_refused_with_the_valid_ones() {
        let e = serde_json::from_value::<Fields<Thing>>(serde_json::json!(["nmae"]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("\"nmae\"") && e.contains("id, name, detail"),
            "{e}"
        );
        let e = serde_json::from_value::<Fields<Thing>>(serde_json::json!("name"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("sequence"), "{e}");
        let many = vec!["id"; 10];
        assert!(serde_json::from_value::<Fields<Thing>>(serde_json::json!(many)).is_err());
    }
}
