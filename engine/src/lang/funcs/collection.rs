//! Collection functions over lists, sets, tuples, maps and objects.

use unicode_segmentation::UnicodeSegmentation;

use crate::value::{Value, ValueMap};

use super::args::{
    f, fail, is_list_like, to_bool, to_number, to_string, v, whole, Call, Sees, Spec, Unknowns,
    NESTED, PLAIN,
};
use super::FuncError;

/// Sees nulls and every unknown: `coalesce` decides itself.
const ALL: Sees = Sees {
    unknown: Unknowns::All,
    marks: false,
    null: true,
};
/// Sees nulls and nested unknowns.
const NESTED_NULLS: Sees = Sees {
    unknown: Unknowns::Nested,
    marks: false,
    null: true,
};

pub(super) const SPECS: &[Spec] = &[
    f("alltrue", &["list"], PLAIN, |c| bools(c, true)),
    f("anytrue", &["list"], PLAIN, |c| bools(c, false)),
    f("chunklist", &["list", "size"], PLAIN, chunklist),
    v("coalesce", &[], "vals", ALL, coalesce),
    v("coalescelist", &[], "vals", ALL, coalescelist),
    f("compact", &["list"], PLAIN, |c| {
        let items = c.seq(0)?;
        let kept = items
            .iter()
            .filter(|v| !v.is_null() && v.as_str() != Some(""));
        Ok(Value::List(
            kept.map(|v| to_string(v).map(Value::String).map_err(|m| c.err(0, m)))
                .collect::<Result<_, _>>()?,
        ))
    }),
    v("concat", &[], "seqs", NESTED, concat),
    f("contains", &["list", "value"], NESTED, contains),
    f("distinct", &["list"], PLAIN, |c| {
        let mut out: Vec<Value> = Vec::new();
        for item in c.seq(0)? {
            if !out.iter().any(|o| o.semantic_eq(item)) {
                out.push(item.clone());
            }
        }
        Ok(Value::List(out))
    }),
    f("element", &["list", "index"], NESTED, element),
    f("flatten", &["list"], PLAIN, |c| {
        let mut out = Vec::new();
        flatten_into(c.seq(0)?, &mut out);
        Ok(Value::Tuple(out))
    }),
    f("index", &["list", "value"], PLAIN, |c| {
        let items = c.seq(0)?;
        let pos = items.iter().position(|i| i.semantic_eq(c.arg(1)));
        pos.map(|p| Value::Number(p as f64))
            .ok_or_else(|| fail("item not found."))
    }),
    f("keys", &["inputMap"], NESTED, |c| {
        let keys = entries(c, 0)?.keys().map(Value::string).collect();
        Ok(if matches!(c.arg(0), Value::Map(_)) {
            Value::List(keys)
        } else {
            Value::Tuple(keys)
        })
    }),
    f("length", &["value"], NESTED, |c| {
        let n = match c.arg(0) {
            Value::String(s) => s.graphemes(true).count(),
            Value::List(v) | Value::Set(v) | Value::Tuple(v) => v.len(),
            Value::Map(m) | Value::Object(m) => m.len(),
            _ => {
                return Err(fail(
                    "argument must be a string, a collection type, or a structural type.",
                ))
            }
        };
        Ok(Value::Number(n as f64))
    }),
    v(
        "lookup",
        &["inputMap", "key"],
        "default",
        NESTED_NULLS,
        lookup,
    ),
    f(
        "matchkeys",
        &["values", "keys", "searchset"],
        PLAIN,
        matchkeys,
    ),
    v("merge", &[], "maps", NESTED_NULLS, merge),
    f("one", &["list"], NESTED, |c| match c.seq(0)? {
        [] => Ok(Value::Null),
        [one] => Ok(one.clone()),
        _ => Err(c.err(
            0,
            "must be a list, set, or tuple value with either zero or one elements.",
        )),
    }),
    v("range", &[], "params", PLAIN, range),
    f("reverse", &["list"], NESTED, |c| {
        let mut items = c.seq(0)?.to_vec();
        items.reverse();
        match c.arg(0) {
            Value::List(_) | Value::Set(_) => Ok(Value::List(items)),
            _ => Ok(Value::Tuple(items)),
        }
    }),
    v(
        "setintersection",
        &["first_set"],
        "other_sets",
        PLAIN,
        |c| {
            set_op(c, |acc, other| {
                acc.retain(|a| other.iter().any(|o| o.semantic_eq(a)))
            })
        },
    ),
    v("setproduct", &[], "sets", PLAIN, setproduct),
    f("setsubtract", &["a", "b"], PLAIN, |c| {
        set_op(c, |acc, other| {
            acc.retain(|a| !other.iter().any(|o| o.semantic_eq(a)))
        })
    }),
    v("setunion", &["first_set"], "other_sets", PLAIN, |c| {
        set_op(c, |acc, other| acc.extend(other.iter().cloned()))
    }),
    f(
        "slice",
        &["list", "start_index", "end_index"],
        NESTED,
        slice,
    ),
    f("sort", &["list"], PLAIN, |c| {
        let mut items = c.strings(0)?;
        items.sort();
        Ok(Value::List(items.into_iter().map(Value::String).collect()))
    }),
    f("sum", &["list"], PLAIN, |c| {
        let items = c.seq(0)?;
        if items.is_empty() {
            return Err(c.err(0, "cannot sum an empty list."));
        }
        let mut total = 0.0;
        for item in items {
            if item.is_null() {
                return Err(c.err(0, "argument must be list, set, or tuple of number values."));
            }
            total += to_number(item).map_err(|m| c.err(0, m))?;
        }
        Ok(Value::Number(total))
    }),
    f("transpose", &["values"], PLAIN, transpose),
    f("values", &["mapping"], NESTED, |c| {
        let values = entries(c, 0)?.values().cloned().collect();
        Ok(if matches!(c.arg(0), Value::Map(_)) {
            Value::List(values)
        } else {
            Value::Tuple(values)
        })
    }),
    f("zipmap", &["keys", "values"], NESTED, zipmap),
];

fn entries<'a>(c: &'a Call, i: usize) -> Result<&'a ValueMap, FuncError> {
    c.arg(i)
        .as_map()
        .ok_or_else(|| c.err(i, "must have map or object type."))
}

/// `alltrue` (`all` set) and `anytrue`.
fn bools(c: &Call, all: bool) -> Result<Value, FuncError> {
    let mut result = all;
    for item in c.seq(0)? {
        // Terraform counts null elements as not true.
        let b = !item.is_null() && to_bool(item).map_err(|m| c.err(0, m))?;
        if b != all {
            result = !all;
        }
    }
    Ok(Value::Bool(result))
}

fn chunklist(c: &Call) -> Result<Value, FuncError> {
    let items = c.seq(0)?;
    let size = c.int(1)?;
    if size < 0 {
        return Err(fail("the size argument must be positive."));
    }
    if size == 0 || items.is_empty() {
        return Ok(Value::List(if items.is_empty() {
            vec![]
        } else {
            vec![Value::List(items.to_vec())]
        }));
    }
    Ok(Value::List(
        items
            .chunks(size as usize)
            .map(|ch| Value::List(ch.to_vec()))
            .collect(),
    ))
}

fn coalesce(c: &Call) -> Result<Value, FuncError> {
    let any_string = c.args.iter().any(|a| matches!(a, Value::String(_)));
    for arg in &c.args {
        if arg.is_unknown() {
            return Ok(Value::Unknown);
        }
        if arg.is_null() || arg.as_str() == Some("") {
            continue;
        }
        // Terraform unifies the arguments to one type; mixed with strings that is string.
        return Ok(match arg {
            Value::Number(_) | Value::Bool(_) if any_string => {
                Value::String(to_string(arg).map_err(fail)?)
            }
            other => other.clone(),
        });
    }
    Err(fail("no non-null, non-empty-string arguments."))
}

fn coalescelist(c: &Call) -> Result<Value, FuncError> {
    for (i, arg) in c.args.iter().enumerate() {
        if arg.is_unknown() {
            return Ok(Value::Unknown);
        }
        if arg.is_null() {
            continue;
        }
        let items = arg.as_seq().ok_or_else(|| {
            c.err(
                i,
                format!(
                    "coalescelist arguments must be lists or tuples, got {:?}.",
                    arg.type_name()
                ),
            )
        })?;
        if !items.is_empty() {
            return Ok(arg.clone());
        }
    }
    Err(fail("no non-null arguments."))
}

fn concat(c: &Call) -> Result<Value, FuncError> {
    let mut out = Vec::new();
    for (i, arg) in c.args.iter().enumerate() {
        match arg {
            Value::List(v) | Value::Tuple(v) => out.extend(v.iter().cloned()),
            other => {
                return Err(c.err(
                    i,
                    format!(
                        "all arguments must be lists or tuples; got {}.",
                        other.type_name()
                    ),
                ))
            }
        }
    }
    let all_lists = c.args.iter().all(|a| matches!(a, Value::List(_)));
    Ok(if all_lists && !c.args.is_empty() {
        Value::List(out)
    } else {
        Value::Tuple(out)
    })
}

fn contains(c: &Call) -> Result<Value, FuncError> {
    let items = c.seq(0)?;
    let needle = c.arg(1);
    if needle.contains_unknown() {
        return Ok(Value::Unknown);
    }
    if items.iter().any(|i| i.semantic_eq(needle)) {
        return Ok(Value::Bool(true));
    }
    // An unknown element might turn out to be the one looked for.
    if items.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    Ok(Value::Bool(false))
}

fn element(c: &Call) -> Result<Value, FuncError> {
    let items = c.seq(0)?;
    let index = c
        .num(1)
        .ok()
        .and_then(whole)
        .ok_or_else(|| fail("invalid index: value must be a whole number, between -9223372036854775808 and 9223372036854775807."))?;
    if items.is_empty() {
        return Err(fail("cannot use element function with an empty list."));
    }
    if index < 0 {
        return Err(fail("cannot use element function with a negative index."));
    }
    Ok(items[index as usize % items.len()].clone())
}

fn flatten_into(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item.as_seq() {
            Some(inner) => flatten_into(inner, out),
            None => out.push(item.clone()),
        }
    }
}

fn lookup(c: &Call) -> Result<Value, FuncError> {
    if c.args.len() > 3 {
        return Err(fail(format!(
            "lookup() takes two or three arguments, got {}.",
            c.args.len()
        )));
    }
    for i in 0..2 {
        if c.arg(i).is_null() {
            return Err(c.err(i, "argument must not be null."));
        }
    }
    let map = entries(c, 0)?;
    let key = c.str(1)?;
    match (map.get(&key), c.args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) if matches!(c.arg(0), Value::Object(_)) => {
            Err(c.err(0, format!("the given object has no attribute {key:?}.")))
        }
        (None, None) => Err(fail(format!("lookup failed to find key {key:?}."))),
    }
}

fn matchkeys(c: &Call) -> Result<Value, FuncError> {
    let (values, keys, search) = (c.seq(0)?, c.seq(1)?, c.seq(2)?);
    if values.len() != keys.len() {
        return Err(fail("length of keys and values should be equal."));
    }
    let out = values
        .iter()
        .zip(keys)
        .filter(|(_, k)| search.iter().any(|s| s.semantic_eq(k)))
        .map(|(v, _)| v.clone())
        .collect();
    Ok(Value::List(out))
}

fn merge(c: &Call) -> Result<Value, FuncError> {
    let mut out = ValueMap::new();
    let mut all_maps = true;
    for arg in &c.args {
        match arg {
            Value::Null => continue,
            Value::Map(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Value::Object(m) => {
                all_maps = false;
                out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            other => {
                return Err(fail(format!(
                    "arguments must be maps or objects, got {:?}.",
                    other.type_name()
                )))
            }
        }
    }
    let any = c.args.iter().any(|a| !a.is_null());
    Ok(if all_maps && any {
        Value::Map(out)
    } else {
        Value::Object(out)
    })
}

fn range(c: &Call) -> Result<Value, FuncError> {
    let nums = (0..c.args.len())
        .map(|i| c.num(i))
        .collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match nums[..] {
        [end] => (0.0, end, 1.0),
        [start, end] => (start, end, if end < start { -1.0 } else { 1.0 }),
        [start, end, step] => (start, end, step),
        _ => return Err(fail("must have one, two, or three arguments.")),
    };
    let params = c.args.len().saturating_sub(1);
    if step == 0.0 {
        return Err(c.err(params, "step must not be zero."));
    }
    if step < 0.0 && end > start {
        return Err(c.err(params, "end must be less than start when step is negative."));
    }
    if step > 0.0 && end < start {
        return Err(c.err(
            params,
            "end must be greater than start when step is positive.",
        ));
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        if out.len() >= 1024 {
            return Err(fail("more than 1024 values were generated; either decrease the difference between start and end or use a smaller step."));
        }
        out.push(Value::Number(x));
        x += step;
    }
    Ok(Value::List(out))
}

fn set_op(c: &Call, combine: impl Fn(&mut Vec<Value>, &[Value])) -> Result<Value, FuncError> {
    let mut acc = c.seq(0)?.to_vec();
    for i in 1..c.args.len() {
        combine(&mut acc, c.seq(i)?);
    }
    let mut unique: Vec<Value> = Vec::new();
    for item in acc {
        if !unique.iter().any(|u| u.semantic_eq(&item)) {
            unique.push(item);
        }
    }
    Ok(Value::set(unique))
}

fn setproduct(c: &Call) -> Result<Value, FuncError> {
    if c.args.len() < 2 {
        return Err(fail("at least two arguments are required."));
    }
    let mut rows: Vec<Vec<Value>> = vec![vec![]];
    for i in 0..c.args.len() {
        let items = c.seq(i)?;
        rows = rows
            .iter()
            .flat_map(|row| {
                items.iter().map(move |item| {
                    let mut r = row.clone();
                    r.push(item.clone());
                    r
                })
            })
            .collect();
    }
    let tuples: Vec<Value> = rows.into_iter().map(Value::Tuple).collect();
    let all_sets = c.args.iter().all(|a| matches!(a, Value::Set(_)));
    Ok(if all_sets {
        Value::set(tuples)
    } else {
        Value::List(tuples)
    })
}

fn slice(c: &Call) -> Result<Value, FuncError> {
    let items = c.seq(0)?;
    let (start, end) = (c.int(1)?, c.int(2)?);
    if start < 0 {
        return Err(c.err(1, "start index must not be less than zero."));
    }
    if end > items.len() as i64 {
        return Err(c.err(
            2,
            "end index must not be greater than the length of the list.",
        ));
    }
    if start > end {
        return Err(c.err(1, "start index must not be greater than end index."));
    }
    let part = items[start as usize..end as usize].to_vec();
    Ok(if is_list_like(c.arg(0)) {
        Value::List(part)
    } else {
        Value::Tuple(part)
    })
}

fn transpose(c: &Call) -> Result<Value, FuncError> {
    let mut out: std::collections::BTreeMap<String, Vec<Value>> = Default::default();
    for (key, list) in c.map(0)? {
        let items = list
            .as_seq()
            .ok_or_else(|| c.err(0, "map of list of string required."))?;
        for item in items {
            let s = to_string(item).map_err(|m| c.err(0, m))?;
            out.entry(s).or_default().push(Value::string(key));
        }
    }
    Ok(Value::Map(
        out.into_iter().map(|(k, v)| (k, Value::List(v))).collect(),
    ))
}

fn zipmap(c: &Call) -> Result<Value, FuncError> {
    let keys = c.seq(0)?;
    let values = c.seq(1)?;
    if keys.len() != values.len() {
        return Err(fail(format!(
            "number of keys ({}) does not match number of values ({}).",
            keys.len(),
            values.len()
        )));
    }
    if keys.iter().any(Value::contains_unknown) {
        return Ok(Value::Unknown);
    }
    let mut out = ValueMap::new();
    for (k, v) in keys.iter().zip(values) {
        let k = to_string(k).map_err(|m| c.err(0, m))?;
        out.insert(k, v.clone());
    }
    Ok(if is_list_like(c.arg(1)) {
        Value::Map(out)
    } else {
        Value::Object(out)
    })
}
