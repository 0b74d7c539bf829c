//! Converting a value to a type constraint, ported from cty's `convert` package.
//!
//! A conversion is planned from the value's type and the wanted type first
//! ([`Conv`]); no plan means a type mismatch, described by [`mismatch_message`].
//! Applying the plan can still fail on a value (`"abc"` is not a number), with the
//! path to the failing element.

use std::collections::BTreeMap;
use std::fmt;

use super::unify::unify_with;
use super::{defaults, type_of, Type};
use crate::value::{format_number, quote_string, Value, ValueMap};

/// One step into a value, for locating a conversion error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// An object attribute: `.name`.
    Attr(String),
    /// A list, set or tuple element: `[0]`.
    Index(usize),
    /// A map element: `["key"]`.
    Key(String),
}

impl fmt::Display for PathStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathStep::Attr(name) => write!(f, ".{name}"),
            PathStep::Index(i) => write!(f, "[{i}]"),
            PathStep::Key(k) => write!(f, "[{}]", quote_string(k)),
        }
    }
}

/// Why a value does not fit a type constraint.
///
/// Displays as Terraform's "Invalid default value" detail does, with the path in
/// front (`.b: a number is required`); Terraform's "Invalid value for input variable"
/// uses [`ConvertError::message`] alone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ConvertError {
    /// Where inside the value, e.g. `.servers[0].name`; empty for the value itself.
    pub path: Vec<PathStep>,
    /// What is wrong, in Terraform's words, e.g. `a number is required`.
    pub message: String,
}

impl ConvertError {
    fn new(path: &[PathStep], message: impl Into<String>) -> ConvertError {
        ConvertError {
            path: path.to_vec(),
            message: message.into(),
        }
    }

    /// The path in Terraform's notation: `.servers[0].name`, `["key"]`.
    pub fn path_string(&self) -> String {
        self.path.iter().map(ToString::to_string).collect()
    }

    fn describe(&self) -> String {
        if self.path.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.path_string(), self.message)
        }
    }
}

/// Converts a value to a type constraint as Terraform does (strings to numbers, tuples to
/// lists, objects to maps, `any` elements unified to one type, `optional()` defaults
/// filled in). Unknown and sensitive values convert to themselves, keeping their marks.
pub fn convert(value: Value, ty: &Type) -> Result<Value, ConvertError> {
    let value = defaults::apply(value, ty);
    let in_ty = type_of(&value);
    if in_ty == ty.without_optional_deep() {
        return Ok(value);
    }
    match plan(&in_ty, ty, true) {
        Some(conv) => apply(&conv, value, &mut Vec::new()),
        None => Err(ConvertError::new(&[], mismatch_message(&in_ty, ty))),
    }
}

/// True if a value of type `from` may convert to `to`; "unsafe" conversions are those
/// that can fail for some values (string to number, list to set, map to object).
pub(super) fn conversion_exists(from: &Type, to: &Type, unsafe_: bool) -> bool {
    plan(from, to, unsafe_).is_some()
}

/// How to convert one attribute of a map to an object attribute.
#[derive(Debug)]
enum AttrConv {
    /// Same type: keep the value.
    Keep,
    /// Convert with this plan.
    Convert(Conv),
    /// An optional attribute the map's element type cannot convert to: an error if
    /// the map has that key.
    Incompatible,
}

/// A conversion plan between two types (cty's `conversion` closures, as data).
#[derive(Debug)]
enum Conv {
    /// The types are equal, or the target is `any`.
    Keep,
    /// The source type is dynamic (null or unknown element): convert whatever the
    /// value turns out to be.
    Dynamic(Type),
    /// To `string`, `number` or `bool`.
    Primitive(Type),
    ObjectToObject {
        attrs: BTreeMap<String, Conv>,
        optional: Vec<String>,
    },
    TupleToTuple(Vec<Conv>),
    /// A list or set to a list (`to_set == false`) or set.
    CollectionToSeq {
        elem: Box<Conv>,
        to_set: bool,
    },
    MapToMap {
        elem: Box<Conv>,
        unify: bool,
    },
    TupleToSeq {
        elems: Vec<Conv>,
        to_set: bool,
    },
    ObjectToMap {
        elems: BTreeMap<String, Conv>,
        unify: bool,
    },
    MapToObject {
        attrs: BTreeMap<String, AttrConv>,
        object: Type,
    },
}

fn plan_or_keep(from: &Type, to: &Type, unsafe_: bool) -> Option<Conv> {
    if from == to {
        Some(Conv::Keep)
    } else {
        plan(from, to, unsafe_)
    }
}

/// cty's `getConversion`: the plan to convert `from` to `to`, or `None` if there is
/// none.
fn plan(from: &Type, to: &Type, unsafe_: bool) -> Option<Conv> {
    use Type as T;
    if from == to {
        return Some(Conv::Keep);
    }
    match (from, to) {
        (_, T::Any) => Some(Conv::Keep),
        (T::Any, _) => unsafe_.then(|| Conv::Dynamic(to.clone())),
        (a, b) if a.is_primitive() && b.is_primitive() => {
            let safe = *b == T::String;
            let ok = safe || (unsafe_ && *a == T::String);
            ok.then(|| Conv::Primitive(b.clone()))
        }
        (T::Object(fa), T::Object(ta)) => {
            let mut attrs = BTreeMap::new();
            let mut optional = Vec::new();
            for (name, want) in ta {
                if want.optional {
                    optional.push(name.clone());
                }
                match fa.get(name) {
                    None if want.optional => continue,
                    None => return None,
                    Some(have) => {
                        attrs.insert(name.clone(), plan_or_keep(&have.ty, &want.ty, unsafe_)?);
                    }
                }
            }
            Some(Conv::ObjectToObject { attrs, optional })
        }
        (T::Tuple(fe), T::Tuple(te)) => {
            if fe.len() != te.len() {
                return None;
            }
            let elems = fe
                .iter()
                .zip(te)
                .map(|(f, t)| plan_or_keep(f, t, unsafe_))
                .collect::<Option<Vec<_>>>()?;
            Some(Conv::TupleToTuple(elems))
        }
        (T::List(fe) | T::Set(fe), T::List(te)) => Some(Conv::CollectionToSeq {
            elem: Box::new(plan_or_keep(fe, te, unsafe_)?),
            to_set: false,
        }),
        (T::List(_), T::Set(_)) if !unsafe_ => None,
        (T::List(fe) | T::Set(fe), T::Set(te)) => Some(Conv::CollectionToSeq {
            elem: Box::new(plan_or_keep(fe, te, unsafe_)?),
            to_set: true,
        }),
        (T::Map(fe), T::Map(te)) => Some(Conv::MapToMap {
            elem: Box::new(plan_or_keep(fe, te, unsafe_)?),
            unify: matches!(**te, T::List(_) | T::Set(_) | T::Map(_) | T::Object(_)),
        }),
        (T::Tuple(fe), T::List(te)) => tuple_to_seq(fe, te, false, unsafe_),
        (T::Tuple(fe), T::Set(te)) => tuple_to_seq(fe, te, true, unsafe_),
        (T::Object(fa), T::Map(te)) => {
            if fa.is_empty() {
                return Some(Conv::ObjectToMap {
                    elems: BTreeMap::new(),
                    unify: false,
                });
            }
            let ety = if **te == T::Any {
                let types: Vec<Type> = fa.values().map(|a| a.ty.clone()).collect();
                unify_with(&types, unsafe_)?
            } else {
                (**te).clone()
            };
            let elems = fa
                .iter()
                .map(|(k, a)| Some((k.clone(), plan_or_keep(&a.ty, &ety, unsafe_)?)))
                .collect::<Option<BTreeMap<_, _>>>()?;
            Some(Conv::ObjectToMap {
                elems,
                unify: matches!(ety, T::List(_) | T::Set(_) | T::Map(_) | T::Object(_)),
            })
        }
        (T::Map(fe), T::Object(ta)) if unsafe_ => {
            let mut attrs = BTreeMap::new();
            for (name, want) in ta {
                let conv = match plan_or_keep(fe, &want.ty, unsafe_) {
                    Some(Conv::Keep) => AttrConv::Keep,
                    Some(c) => AttrConv::Convert(c),
                    None if want.optional => AttrConv::Incompatible,
                    None => return None,
                };
                attrs.insert(name.clone(), conv);
            }
            Some(Conv::MapToObject {
                attrs,
                object: to.clone(),
            })
        }
        _ => None,
    }
}

fn tuple_to_seq(from: &[Type], elem: &Type, to_set: bool, unsafe_: bool) -> Option<Conv> {
    if from.is_empty() {
        return Some(Conv::TupleToSeq {
            elems: Vec::new(),
            to_set,
        });
    }
    let ety = if *elem == Type::Any {
        let ety = unify_with(from, unsafe_)?;
        // Only all-dynamic elements may stay dynamic; otherwise there was no common type.
        if ety == Type::Any && from.iter().any(|t| *t != Type::Any) {
            return None;
        }
        ety
    } else {
        elem.clone()
    };
    let elems = from
        .iter()
        .map(|t| plan_or_keep(t, &ety, unsafe_))
        .collect::<Option<Vec<_>>>()?;
    Some(Conv::TupleToSeq { elems, to_set })
}

/// Runs a plan on a value. Marks are taken off, the inner value converted, and the
/// marks put back; null and unknown values pass through.
fn apply(conv: &Conv, value: Value, path: &mut Vec<PathStep>) -> Result<Value, ConvertError> {
    if let Value::Sensitive(inner) = value {
        return apply(conv, *inner, path).map(Value::mark);
    }
    if matches!(conv, Conv::Keep) || matches!(value, Value::Null | Value::Unknown) {
        return Ok(value);
    }
    match conv {
        Conv::Keep => Ok(value),
        Conv::Dynamic(ty) => convert(value, ty).map_err(|mut e| {
            let mut full = path.clone();
            full.append(&mut e.path);
            e.path = full;
            e
        }),
        Conv::Primitive(ty) => primitive(value, ty, path),
        Conv::ObjectToObject { attrs, optional } => {
            let items = take_map(value, path, "object")?;
            let mut out = ValueMap::new();
            for (name, v) in items {
                let Some(c) = attrs.get(&name) else {
                    continue; // attributes the type does not declare are dropped
                };
                path.push(PathStep::Attr(name.clone()));
                let v = apply(c, v, path)?;
                path.pop();
                out.insert(name, v);
            }
            for name in optional {
                out.entry(name.clone()).or_insert(Value::Null);
            }
            Ok(Value::Object(out))
        }
        Conv::TupleToTuple(elems) => {
            let items = take_seq(value, path, "tuple")?;
            let out = convert_seq(items, |i| elems.get(i), path)?;
            Ok(Value::Tuple(out))
        }
        Conv::CollectionToSeq { elem, to_set } => {
            let items = take_seq(value, path, "list")?;
            let out = convert_seq(items, |_| Some(elem), path)?;
            check_same_types(&out, path, if *to_set { "set" } else { "list" }, "element")?;
            Ok(make_seq(out, *to_set))
        }
        Conv::TupleToSeq { elems, to_set } => {
            let items = take_seq(value, path, "tuple")?;
            let out = convert_seq(items, |i| elems.get(i), path)?;
            // Elements converted to a type containing `any` may still differ
            // (`list(object({a = any}))`): unify them as cty does for lists.
            let out = if *to_set {
                out
            } else {
                let steps = (0..out.len()).map(PathStep::Index).collect();
                unify_elements(out, path, steps)?
            };
            check_same_types(&out, path, if *to_set { "set" } else { "list" }, "element")?;
            Ok(make_seq(out, *to_set))
        }
        Conv::MapToMap { elem, unify } => {
            let items = take_map(value, path, "map")?;
            let out = convert_map(items, |_| Some(elem), path)?;
            map_result(out, *unify, path, "element")
        }
        Conv::ObjectToMap { elems, unify } => {
            let items = take_map(value, path, "object")?;
            let out = convert_map(items, |k| elems.get(k), path)?;
            map_result(out, *unify, path, "attribute")
        }
        Conv::MapToObject { attrs, object } => {
            let items = take_map(value, path, "map")?;
            let mut out = ValueMap::new();
            for (name, v) in items {
                let Some(c) = attrs.get(&name) else { continue };
                path.push(PathStep::Key(name.clone()));
                let v = match c {
                    AttrConv::Keep => v,
                    AttrConv::Convert(c) => apply(c, v, path)?,
                    AttrConv::Incompatible => {
                        path.pop();
                        let want = match object {
                            Type::Object(a) => a.get(&name).map(|a| a.ty.clone()),
                            _ => None,
                        }
                        .unwrap_or(Type::Any);
                        return Err(ConvertError::new(
                            path,
                            format!(
                                "map element type is incompatible with attribute {}: {}",
                                quote_string(&name),
                                mismatch_message(&type_of(&v), &want)
                            ),
                        ));
                    }
                };
                path.pop();
                out.insert(name, v);
            }
            if let Type::Object(want) = object {
                for (name, a) in want {
                    if out.contains_key(name) {
                        continue;
                    }
                    if !a.optional {
                        return Err(ConvertError::new(
                            path,
                            format!(
                                "map has no element for required attribute {}",
                                quote_string(name)
                            ),
                        ));
                    }
                    out.insert(name.clone(), Value::Null);
                }
            }
            Ok(Value::Object(out))
        }
    }
}

fn primitive(value: Value, ty: &Type, path: &[PathStep]) -> Result<Value, ConvertError> {
    let mismatch = |v: &Value| ConvertError::new(path, mismatch_message(&type_of(v), ty));
    match (ty, value) {
        (Type::String, Value::Number(n)) => Ok(Value::String(format_number(n))),
        (Type::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
        (Type::Number, Value::String(s)) => parse_number(&s)
            .map(Value::Number)
            .ok_or_else(|| ConvertError::new(path, "a number is required")),
        (Type::Bool, Value::String(s)) => match s.as_str() {
            "true" | "1" => Ok(Value::Bool(true)),
            "false" | "0" => Ok(Value::Bool(false)),
            _ => {
                let lower = s.to_lowercase();
                let msg = if lower == "true" || lower == "false" {
                    format!("a bool is required; to convert from string, use lowercase \"{lower}\"")
                } else {
                    "a bool is required".to_string()
                };
                Err(ConvertError::new(path, msg))
            }
        },
        (Type::String, v @ Value::String(_))
        | (Type::Number, v @ Value::Number(_))
        | (Type::Bool, v @ Value::Bool(_)) => Ok(v),
        (_, v) => Err(mismatch(&v)),
    }
}

/// Parses a number as cty's `ParseNumberVal` does: decimal, optional sign, fraction
/// and exponent; no surrounding spaces, no hexadecimal, no infinities.
fn parse_number(s: &str) -> Option<f64> {
    let plain = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if !plain || !s.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn take_seq(value: Value, path: &[PathStep], want: &str) -> Result<Vec<Value>, ConvertError> {
    match value {
        Value::List(v) | Value::Set(v) | Value::Tuple(v) => Ok(v),
        other => Err(ConvertError::new(
            path,
            format!(
                "{want} required, but have {}",
                type_of(&other).friendly_name()
            ),
        )),
    }
}

fn take_map(value: Value, path: &[PathStep], want: &str) -> Result<ValueMap, ConvertError> {
    match value {
        Value::Map(m) | Value::Object(m) => Ok(m),
        other => Err(ConvertError::new(
            path,
            format!(
                "{want} required, but have {}",
                type_of(&other).friendly_name()
            ),
        )),
    }
}

fn convert_seq<'c>(
    items: Vec<Value>,
    conv_for: impl Fn(usize) -> Option<&'c Conv>,
    path: &mut Vec<PathStep>,
) -> Result<Vec<Value>, ConvertError> {
    let mut out = Vec::with_capacity(items.len());
    for (i, v) in items.into_iter().enumerate() {
        path.push(PathStep::Index(i));
        let v = match conv_for(i) {
            Some(c) => apply(c, v, path)?,
            None => v,
        };
        path.pop();
        out.push(v);
    }
    Ok(out)
}

fn convert_map<'c>(
    items: ValueMap,
    conv_for: impl Fn(&str) -> Option<&'c Conv>,
    path: &mut Vec<PathStep>,
) -> Result<ValueMap, ConvertError> {
    let mut out = ValueMap::new();
    for (k, v) in items {
        path.push(PathStep::Key(k.clone()));
        let v = match conv_for(&k) {
            Some(c) => apply(c, v, path)?,
            None => v,
        };
        path.pop();
        out.insert(k, v);
    }
    Ok(out)
}

fn make_seq(items: Vec<Value>, to_set: bool) -> Value {
    if to_set {
        Value::set(items)
    } else {
        Value::List(items)
    }
}

fn map_result(
    items: ValueMap,
    unify: bool,
    path: &mut Vec<PathStep>,
    noun: &str,
) -> Result<Value, ConvertError> {
    let keys: Vec<String> = items.keys().cloned().collect();
    let mut values: Vec<Value> = items.into_values().collect();
    if unify {
        let steps = keys.iter().cloned().map(PathStep::Key).collect();
        values = unify_elements(values, path, steps)?;
    }
    check_same_types(&values, path, "map", noun)?;
    Ok(Value::Map(keys.into_iter().zip(values).collect()))
}

/// A collection's elements must all have one type (cty's `CanListVal`); null and
/// unknown parts, which are untyped in galley, match anything.
fn check_same_types(
    items: &[Value],
    path: &[PathStep],
    collection: &str,
    noun: &str,
) -> Result<(), ConvertError> {
    let mut types = items.iter().map(type_of);
    let Some(first) = types.next() else {
        return Ok(());
    };
    if types.all(|t| types_match(&first, &t)) {
        Ok(())
    } else {
        Err(ConvertError::new(
            path,
            format!("{noun} types must all match for conversion to {collection}"),
        ))
    }
}

/// Type equality where `any` (a null or unknown value's type) matches every type.
fn types_match(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Any, _) | (_, Type::Any) => true,
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => types_match(x, y),
        (Type::Tuple(x), Type::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| types_match(p, q))
        }
        (Type::Object(x), Type::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| types_match(&p.ty, &q.ty)))
        }
        _ => a == b,
    }
}

/// Converts elements to the type they unify to, when they differ (cty's
/// `conversionUnifyListElements`).
fn unify_elements(
    items: Vec<Value>,
    path: &mut Vec<PathStep>,
    steps: Vec<PathStep>,
) -> Result<Vec<Value>, ConvertError> {
    let types: Vec<Type> = items.iter().map(type_of).collect();
    let Some(first) = types.first() else {
        return Ok(items);
    };
    if types.iter().all(|t| t == first) {
        return Ok(items);
    }
    let Some(unified) = unify_with(&types, true) else {
        return Err(ConvertError::new(
            path,
            "cannot find a common base type for all elements",
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for ((v, t), step) in items.into_iter().zip(&types).zip(steps) {
        if *t == unified {
            out.push(v);
            continue;
        }
        path.push(step);
        let conv = plan(t, &unified, true);
        let v = match conv {
            Some(c) => apply(&c, v, path)?,
            None => v,
        };
        path.pop();
        out.push(v);
    }
    Ok(out)
}

/// cty's `MismatchMessage`: why a value of type `got` does not fit `want`, for when
/// no conversion exists.
pub(super) fn mismatch_message(got: &Type, want: &Type) -> String {
    use Type as T;
    match (got, want) {
        (T::Object(_), T::Object(_)) => mismatch_objects(got, want),
        (T::Tuple(_), T::List(e)) if **e == T::Any => {
            "all list elements must have the same type".to_string()
        }
        (T::Tuple(_), T::Set(e)) if **e == T::Any => {
            "all set elements must have the same type".to_string()
        }
        (T::Object(_), T::Map(e)) if **e == T::Any => {
            "all map elements must have the same type".to_string()
        }
        (T::Tuple(_) | T::Object(_), _) if want.is_collection() => {
            mismatch_collection_from_structural(got, want)
        }
        _ if got.is_collection() && want.is_collection() => {
            mismatch_collection_from_collection(got, want)
        }
        _ if !likely_to_confuse(got, want) => format!(
            "{} required, but have {}",
            want.friendly_name(),
            got.friendly_name()
        ),
        _ => format!("{} required", want.friendly_name_for_constraint()),
    }
}

fn mismatch_objects(got: &Type, want: &Type) -> String {
    let (Type::Object(got_attrs), Type::Object(want_attrs)) = (got, want) else {
        return "incorrect object attributes".to_string();
    };
    let mut missing = Vec::new();
    let mut unsafe_mismatch = None;
    let mut safe_mismatch = None;
    for (name, w) in want_attrs {
        let Some(g) = got_attrs.get(name) else {
            if !w.optional {
                missing.push(quote_string(name));
            }
            continue;
        };
        if g.ty == w.ty {
            continue;
        }
        if unsafe_mismatch.is_some() {
            continue;
        }
        let describe = || {
            format!(
                "attribute {}: {}",
                quote_string(name),
                mismatch_message(&g.ty, &w.ty)
            )
        };
        if !conversion_exists(&g.ty, &w.ty, true) {
            unsafe_mismatch = Some(describe());
        }
        if safe_mismatch.is_none() && !conversion_exists(&g.ty, &w.ty, false) {
            safe_mismatch = Some(describe());
        }
    }
    match missing.len() {
        0 => unsafe_mismatch
            .or(safe_mismatch)
            .unwrap_or_else(|| "incorrect object attributes".to_string()),
        1 => format!("attribute {} is required", missing[0]),
        2 => format!("attributes {} and {} are required", missing[0], missing[1]),
        n => format!(
            "attributes {}, and {} are required",
            missing[..n - 1].join(", "),
            missing[n - 1]
        ),
    }
}

fn mismatch_collection_from_structural(got: &Type, want: &Type) -> String {
    let required = || format!("{} required", want.friendly_name_for_constraint());
    let Some(want_elem) = want.element() else {
        return required();
    };
    match (got, want) {
        (Type::Tuple(elems), Type::List(_) | Type::Set(_)) => {
            for (i, t) in elems.iter().enumerate() {
                if t != want_elem && !conversion_exists(t, want_elem, true) {
                    return format!("element {i}: {}", mismatch_message(t, want_elem));
                }
            }
            format!(
                "all elements must be {}",
                want_elem.friendly_name_for_constraint()
            )
        }
        (Type::Object(attrs), Type::Map(_)) => {
            for (name, a) in attrs {
                if a.ty != *want_elem && !conversion_exists(&a.ty, want_elem, true) {
                    return format!(
                        "element {}: {}",
                        quote_string(name),
                        mismatch_message(&a.ty, want_elem)
                    );
                }
            }
            format!(
                "all elements must be {}",
                want_elem.friendly_name_for_constraint()
            )
        }
        _ => required(),
    }
}

fn mismatch_collection_from_collection(got: &Type, want: &Type) -> String {
    let required = format!("{} required", want.friendly_name_for_constraint());
    let (noun, kinds_match) = match (got, want) {
        (Type::List(_) | Type::Set(_), Type::List(_)) => ("list element type", true),
        (Type::List(_) | Type::Set(_), Type::Set(_)) => ("set element type", true),
        (Type::Map(_), Type::Map(_)) => ("map element type", true),
        _ => ("element type", false),
    };
    match (kinds_match, got.element(), want.element()) {
        (true, Some(g), Some(w)) => format!("incorrect {noun}: {}", mismatch_message(g, w)),
        _ => required,
    }
}

/// cty's `typesAreLikelyToCauseConfusion`: whether "X required, but have Y" would
/// mislead, so only "X required" is said.
fn likely_to_confuse(got: &Type, want: &Type) -> bool {
    if got.is_primitive() != want.is_primitive() {
        return false;
    }
    if *want == Type::String {
        return false;
    }
    if matches!(
        (got, want),
        (Type::Number, Type::Bool) | (Type::Bool, Type::Number)
    ) {
        return false;
    }
    if let (Some(g), Some(w)) = (got.element(), want.element()) {
        if !g.has_any() && w.has_any() {
            return false;
        }
    }
    // cty only exempts tuple-for-object here (its reverse check is a no-op), so an
    // object given for a tuple says just "tuple required".
    if matches!((got, want), (Type::Tuple(_), Type::Object(_))) {
        return false;
    }
    true
}
