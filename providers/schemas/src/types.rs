//! Short names for the attribute types schemas use most.

use engine::provider::Attribute;
use engine::types::Type;

/// `string`.
pub fn string() -> Type {
    Type::String
}

/// `number`.
pub fn number() -> Type {
    Type::Number
}

/// `bool`.
pub fn boolean() -> Type {
    Type::Bool
}

/// `map(string)`.
pub fn string_map() -> Type {
    Type::Map(Box::new(Type::String))
}

/// `set(string)`.
pub fn string_set() -> Type {
    Type::Set(Box::new(Type::String))
}

/// `list(string)`.
pub fn string_list() -> Type {
    Type::List(Box::new(Type::String))
}

/// A computed string.
pub fn computed_string() -> Attribute {
    Attribute::computed(string())
}
