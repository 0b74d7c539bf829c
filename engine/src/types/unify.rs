//! Finding the one type a set of values or types can all convert to, as cty's
//! `convert.UnifyUnsafe` does: `["a", 1]` unifies to string, `[{a = 1}, {b = 2}]` to
//! `map(number)`.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::convert::conversion_exists;
use super::{type_of, ObjectAttr, Type};
use crate::value::Value;

/// The type all the values can be converted to, or `None` when there is none (or no
/// values). Null and unknown values fit any type.
pub fn unify(values: &[Value]) -> Option<Type> {
    let types: Vec<Type> = values.iter().map(type_of).collect();
    unify_types(&types)
}

/// The type all the given types can be converted to, allowing the conversions that
/// may fail for some values (string to number, map to object), as Terraform does for
/// conditional results and `any` elements.
pub fn unify_types(types: &[Type]) -> Option<Type> {
    unify_with(types, true)
}

pub(super) fn unify_with(types: &[Type], unsafe_: bool) -> Option<Type> {
    if types.is_empty() {
        return None;
    }
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let dynamic = count(|t| matches!(t, Type::Any));
    let n = types.len();

    // Structural shortcuts first, as cty does; some fall through to the general
    // preference search when they find nothing.
    if maps > 0 && maps + dynamic == n {
        return unify_collections(types, Type::map, unsafe_, dynamic > 0);
    }
    if maps > 0 && maps + objects + dynamic == n {
        if let Some(t @ Type::Map(_)) = unify_as_collection(types, true, unsafe_) {
            return Some(t);
        }
    } else if lists > 0 && lists + dynamic == n {
        return unify_collections(types, Type::list, unsafe_, dynamic > 0);
    } else if lists > 0 && lists + tuples + dynamic == n {
        if let Some(t @ Type::List(_)) = unify_as_collection(types, false, unsafe_) {
            return Some(t);
        }
    } else if sets > 0 && sets + dynamic == n {
        return unify_collections(types, Type::set, unsafe_, dynamic > 0);
    } else if objects > 0 && objects + dynamic == n {
        return unify_objects(types, unsafe_, dynamic > 0);
    } else if tuples > 0 && tuples + dynamic == n {
        return unify_tuples(types, unsafe_, dynamic > 0);
    } else if objects > 0 && tuples > 0 {
        return None;
    }

    'preferences: for want_idx in sort_types(types) {
        let want = &types[want_idx];
        for (i, t) in types.iter().enumerate() {
            if i != want_idx && t != want && !conversion_exists(t, want, unsafe_) {
                continue 'preferences;
            }
        }
        return Some(want.clone());
    }
    None
}

/// True if every type converts to `target` (or already is it).
fn all_convert(types: &[Type], target: &Type, unsafe_: bool) -> bool {
    types
        .iter()
        .all(|t| t == target || conversion_exists(t, target, unsafe_))
}

fn unify_collections(
    types: &[Type],
    make: fn(Type) -> Type,
    unsafe_: bool,
    has_dynamic: bool,
) -> Option<Type> {
    if has_dynamic {
        return Some(Type::Any);
    }
    let elems: Vec<Type> = types.iter().filter_map(|t| t.element().cloned()).collect();
    let ret = make(unify_with(&elems, unsafe_)?);
    all_convert(types, &ret, unsafe_).then_some(ret)
}

/// Lists mixed with tuples (`as_map == false`) or maps mixed with objects: turn the
/// structural types into the collection type first, then unify the collections.
fn unify_as_collection(types: &[Type], as_map: bool, unsafe_: bool) -> Option<Type> {
    let is_structural = |t: &Type| {
        if as_map {
            matches!(t, Type::Object(_))
        } else {
            matches!(t, Type::Tuple(_))
        }
    };
    let structural: Vec<Type> = types.iter().filter(|t| is_structural(t)).cloned().collect();
    let collection = if as_map {
        unify_objects_to_map(&structural, unsafe_)?
    } else {
        unify_tuples_to_list(&structural, unsafe_)?
    };
    let replaced: Vec<Type> = types
        .iter()
        .map(|t| {
            if is_structural(t) {
                collection.clone()
            } else {
                t.clone()
            }
        })
        .collect();
    unify_with(&replaced, unsafe_)
}

fn unify_objects(types: &[Type], unsafe_: bool, has_dynamic: bool) -> Option<Type> {
    if has_dynamic {
        return Some(Type::Any);
    }
    let attrs: Vec<&BTreeMap<String, ObjectAttr>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Object(a) => Some(a),
            _ => None,
        })
        .collect();
    let first = attrs[0];
    let same_names = attrs
        .iter()
        .all(|a| a.len() == first.len() && a.keys().all(|k| first.contains_key(k)));
    if !same_names {
        return unify_objects_to_map(types, unsafe_);
    }
    let mut ret = BTreeMap::new();
    for name in first.keys() {
        let across: Vec<Type> = attrs.iter().map(|a| a[name].ty.clone()).collect();
        ret.insert(
            name.clone(),
            ObjectAttr::required(unify_with(&across, unsafe_)?),
        );
    }
    let ret = Type::Object(ret);
    if all_convert(types, &ret, unsafe_) {
        Some(ret)
    } else {
        unify_objects_to_map(types, unsafe_)
    }
}

fn unify_objects_to_map(types: &[Type], unsafe_: bool) -> Option<Type> {
    let attr_types: Vec<Type> = types
        .iter()
        .flat_map(|t| match t {
            Type::Object(a) => a.values().map(|a| a.ty.clone()).collect(),
            _ => Vec::new(),
        })
        .collect();
    let ret = Type::map(unify_with(&attr_types, unsafe_)?);
    all_convert(types, &ret, unsafe_).then_some(ret)
}

fn unify_tuples(types: &[Type], unsafe_: bool, has_dynamic: bool) -> Option<Type> {
    if has_dynamic {
        return Some(Type::Any);
    }
    let elems: Vec<&Vec<Type>> = types
        .iter()
        .filter_map(|t| match t {
            Type::Tuple(e) => Some(e),
            _ => None,
        })
        .collect();
    let len = elems[0].len();
    if elems.iter().any(|e| e.len() != len) {
        return unify_tuples_to_list(types, unsafe_);
    }
    let mut ret = Vec::with_capacity(len);
    for i in 0..len {
        let across: Vec<Type> = elems.iter().map(|e| e[i].clone()).collect();
        ret.push(unify_with(&across, unsafe_)?);
    }
    let ret = Type::Tuple(ret);
    if all_convert(types, &ret, unsafe_) {
        Some(ret)
    } else {
        unify_tuples_to_list(types, unsafe_)
    }
}

fn unify_tuples_to_list(types: &[Type], unsafe_: bool) -> Option<Type> {
    let elem_types: Vec<Type> = types
        .iter()
        .flat_map(|t| match t {
            Type::Tuple(e) => e.clone(),
            _ => Vec::new(),
        })
        .collect();
    let ret = Type::list(unify_with(&elem_types, unsafe_)?);
    all_convert(types, &ret, unsafe_).then_some(ret)
}

/// Indexes of `types` in order of preference as a unification target: a
/// topological order of [`compare_types`], as cty's `sortTypes`.
fn sort_types(types: &[Type]) -> Vec<usize> {
    let n = types.len();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            match compare_types(&types[i], &types[j]) {
                Ordering::Less => edges[i].push(j),
                Ordering::Greater => edges[j].push(i),
                Ordering::Equal => {}
            }
        }
    }
    let mut in_degree = vec![0usize; n];
    for outs in &edges {
        for &j in outs {
            in_degree[j] += 1;
        }
    }
    let mut order: Vec<usize> = (0..n).filter(|&i| in_degree[i] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        let i = order[next];
        next += 1;
        for &j in &edges[i] {
            in_degree[j] -= 1;
            if in_degree[j] == 0 {
                order.push(j);
            }
        }
    }
    order
}

/// Which of two types is the better unification target: `Less` means `a` is
/// (string over other primitives, anything over `any`, collections over
/// structural types, wider element types over narrower).
fn compare_types(a: &Type, b: &Type) -> Ordering {
    use Ordering::*;
    match (a, b) {
        (Type::Any, Type::Any) => return Equal,
        (Type::Any, _) => return Greater,
        (_, Type::Any) => return Less,
        _ => {}
    }
    if a.is_primitive() && b.is_primitive() {
        return match (a == &Type::String, b == &Type::String) {
            (true, false) => Less,
            (false, true) => Greater,
            _ => Equal,
        };
    }
    match (a, b) {
        (Type::List(x), Type::List(y))
        | (Type::Set(x), Type::Set(y))
        | (Type::Map(x), Type::Map(y)) => return compare_types(x, y),
        _ => {}
    }
    // Normalise the order of mixed pairs so each rule below is written once.
    let (a, b, swap) = match (a, b) {
        (Type::Tuple(_), Type::List(_))
        | (Type::Object(_), Type::Map(_))
        | (Type::Set(_), Type::Tuple(_))
        | (Type::Set(_), Type::List(_)) => (b, a, true),
        _ => (a, b, false),
    };
    let flip = |o: Ordering| if swap { o.reverse() } else { o };
    match (a, b) {
        (Type::Tuple(_) | Type::List(_), Type::Set(_)) => flip(Less),
        (Type::List(_), Type::Tuple(_)) => flip(Less),
        (Type::Map(_), Type::Object(_)) => flip(Less),
        (Type::Object(x), Type::Object(y)) => {
            if x.len() != y.len() {
                return Equal;
            }
            let mut pairs = Vec::with_capacity(x.len());
            for (k, xa) in x {
                match y.get(k) {
                    Some(ya) => pairs.push((&xa.ty, &ya.ty)),
                    None => return Equal,
                }
            }
            flip(supertype_order(pairs.into_iter()))
        }
        (Type::Tuple(x), Type::Tuple(y)) => {
            if x.len() != y.len() {
                return Equal;
            }
            flip(supertype_order(x.iter().zip(y)))
        }
        _ => Equal,
    }
}

/// Compares structural types element by element: one is preferred only if it is
/// preferred in some element and not less preferred in any.
fn supertype_order<'a>(pairs: impl Iterator<Item = (&'a Type, &'a Type)>) -> Ordering {
    let (mut a_super, mut b_super) = (false, false);
    for (x, y) in pairs {
        match compare_types(x, y) {
            Ordering::Less => a_super = true,
            Ordering::Greater => b_super = true,
            Ordering::Equal => {}
        }
    }
    match (a_super, b_super) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> Type {
        let expr = hcl_edit::parser::parse_expr(src).expect("test type parses");
        super::super::parse_type(&expr).expect("test type is valid")
    }

    #[test]
    fn unify_table() {
        // (types, unified type or None), checked against terraform 1.15 `list(any)`.
        let cases: &[(&[&str], Option<&str>)] = &[
            (&["string", "number"], Some("string")),
            (&["number", "bool"], None),
            (&["bool", "string"], Some("string")),
            (&["any", "string"], Some("string")),
            (&["number", "number"], Some("number")),
            (
                &["object({a = number})", "object({a = string})"],
                Some("object({a = string})"),
            ),
            (
                &["object({a = number})", "object({b = string})"],
                Some("map(string)"),
            ),
            (&["object({})", "object({a = number})"], Some("map(number)")),
            (
                &["tuple([number])", "tuple([string])"],
                Some("tuple([string])"),
            ),
            (&["tuple([])", "tuple([string])"], Some("list(string)")),
            (&["list(string)", "list(number)"], Some("list(string)")),
            (&["list(string)", "tuple([number])"], Some("list(string)")),
            (
                &["map(number)", "object({a = string})"],
                Some("map(string)"),
            ),
            (&["object({a = number})", "tuple([])"], None),
            (&["any", "tuple([number])"], Some("any")),
            (&["string", "list(string)"], None),
        ];
        for (inputs, want) in cases {
            let types: Vec<Type> = inputs.iter().map(|s| parse(s)).collect();
            let got = unify_types(&types).map(|t| t.to_string());
            assert_eq!(got.as_deref(), *want, "{inputs:?}");
        }
    }

    #[test]
    fn unify_values_ignores_nulls() {
        let values = [Value::Null, Value::Number(1.0), Value::string("a")];
        assert_eq!(unify(&values), Some(Type::String));
        assert_eq!(unify(&[]), None);
    }
}
