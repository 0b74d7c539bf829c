//! Addresses: `module.net["a"].aws_subnet.private["b"]`, parsed and printed.

use std::fmt;
use std::str::FromStr;

use crate::value::quote_string;

/// The key of one instance of a resource or module with `count` or `for_each`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InstanceKey {
    /// No `count` or `for_each`.
    None,
    /// `count.index`.
    Int(i64),
    /// `each.key`.
    Str(String),
}

impl InstanceKey {
    /// The key as a value (`count.index` or `each.key`), `Null` for none.
    pub fn to_value(&self) -> crate::value::Value {
        use crate::value::Value;
        match self {
            InstanceKey::None => Value::Null,
            InstanceKey::Int(i) => Value::Number(*i as f64),
            InstanceKey::Str(s) => Value::String(s.clone()),
        }
    }

    /// The key as stored in state (`index_key`).
    pub fn to_json(&self) -> Option<serde_json::Value> {
        match self {
            InstanceKey::None => None,
            InstanceKey::Int(i) => Some((*i).into()),
            InstanceKey::Str(s) => Some(s.clone().into()),
        }
    }

    /// Reads a state `index_key`.
    pub fn from_json(j: Option<&serde_json::Value>) -> InstanceKey {
        match j {
            Some(serde_json::Value::Number(n)) => InstanceKey::Int(n.as_i64().unwrap_or(0)),
            Some(serde_json::Value::String(s)) => InstanceKey::Str(s.clone()),
            _ => InstanceKey::None,
        }
    }
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::None => Ok(()),
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => write!(f, "[{}]", quote_string(s)),
        }
    }
}

/// One step of a module path: `module.NAME[KEY]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ModuleStep {
    /// The module call's name.
    pub name: String,
    /// Its instance key.
    pub key: InstanceKey,
}

/// The path of a module instance from the root; empty for the root module.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ModulePath(pub Vec<ModuleStep>);

impl ModulePath {
    /// The root module.
    pub fn root() -> ModulePath {
        ModulePath(Vec::new())
    }

    /// True for the root module.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The path of a child module instance.
    pub fn child(&self, name: &str, key: InstanceKey) -> ModulePath {
        let mut steps = self.0.clone();
        steps.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        ModulePath(steps)
    }

    /// The same path with every instance key dropped: the static module it is an instance of.
    pub fn without_keys(&self) -> ModulePath {
        ModulePath(
            self.0
                .iter()
                .map(|s| ModuleStep {
                    name: s.name.clone(),
                    key: InstanceKey::None,
                })
                .collect(),
        )
    }
}

impl fmt::Display for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "module.{}{}", s.name, s.key)?;
        }
        Ok(())
    }
}

/// Managed resource or data source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    /// `resource` blocks.
    Managed,
    /// `data` blocks.
    Data,
}

impl Mode {
    /// `"managed"` or `"data"`, as stored in state.
    pub fn as_str(&self) -> &'static str {
        match self {
            Mode::Managed => "managed",
            Mode::Data => "data",
        }
    }
}

/// A resource inside one module: `aws_vpc.main` or `data.aws_ami.ubuntu`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    /// Managed or data.
    pub mode: Mode,
    /// Resource type, e.g. `aws_vpc`.
    pub type_name: String,
    /// Local name, e.g. `main`.
    pub name: String,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mode == Mode::Data {
            f.write_str("data.")?;
        }
        write!(f, "{}.{}", self.type_name, self.name)
    }
}

/// A resource in a module instance, without an instance key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbsResource {
    /// The module instance.
    pub module: ModulePath,
    /// The resource.
    pub resource: Resource,
}

impl AbsResource {
    /// One instance of this resource.
    pub fn instance(&self, key: InstanceKey) -> ResourceInstance {
        ResourceInstance {
            module: self.module.clone(),
            resource: self.resource.clone(),
            key,
        }
    }
}

impl fmt::Display for AbsResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.module.is_root() {
            write!(f, "{}.", self.module)?;
        }
        write!(f, "{}", self.resource)
    }
}

/// One instance of a resource: what state holds and plans act on.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceInstance {
    /// The module instance.
    pub module: ModulePath,
    /// The resource.
    pub resource: Resource,
    /// The instance key.
    pub key: InstanceKey,
}

impl ResourceInstance {
    /// The resource this is an instance of.
    pub fn abs_resource(&self) -> AbsResource {
        AbsResource {
            module: self.module.clone(),
            resource: self.resource.clone(),
        }
    }
}

impl fmt::Display for ResourceInstance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.abs_resource(), self.key)
    }
}

/// What an address on the command line may name (`-target`, `state mv`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A whole module instance and everything in it.
    Module(ModulePath),
    /// All instances of a resource.
    Resource(AbsResource),
    /// One instance.
    Instance(ResourceInstance),
}

impl Target {
    /// True if `inst` is named by this target.
    pub fn contains(&self, inst: &ResourceInstance) -> bool {
        match self {
            Target::Module(m) => module_pattern_matches(m, &inst.module, true),
            Target::Resource(r) => {
                r.resource == inst.resource
                    && module_pattern_matches(&r.module, &inst.module, false)
            }
            Target::Instance(i) => i == inst,
        }
    }
}

/// `module.a` (no key) also names every instance `module.a[...]`. With `prefix`, the
/// pattern may name an ancestor of `path`; without it, exactly `path`'s module.
fn module_pattern_matches(pattern: &ModulePath, path: &ModulePath, prefix: bool) -> bool {
    let len_ok = if prefix {
        pattern.0.len() <= path.0.len()
    } else {
        pattern.0.len() == path.0.len()
    };
    len_ok
        && pattern
            .0
            .iter()
            .zip(&path.0)
            .all(|(p, s)| p.name == s.name && (p.key == InstanceKey::None || p.key == s.key))
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Module(m) => write!(f, "{m}"),
            Target::Resource(r) => write!(f, "{r}"),
            Target::Instance(i) => write!(f, "{i}"),
        }
    }
}

/// An address that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {input:?}: {reason}")]
pub struct AddrError {
    /// What was given.
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl FromStr for Target {
    type Err = AddrError;

    fn from_str(s: &str) -> Result<Target, AddrError> {
        let err = |reason: &str| AddrError {
            input: s.to_string(),
            reason: reason.to_string(),
        };
        let mut p = Parser { s, pos: 0 };
        let mut module = Vec::new();
        loop {
            let save = p.pos;
            let word = p.ident().ok_or_else(|| err("expected a name"))?;
            if word == "module" {
                p.expect('.')
                    .map_err(|_| err("expected '.' after 'module'"))?;
                let name = p.ident().ok_or_else(|| err("expected a module name"))?;
                let key = p.key().map_err(|r| err(&r))?;
                module.push(ModuleStep { name, key });
                if p.done() {
                    return Ok(Target::Module(ModulePath(module)));
                }
                p.expect('.').map_err(|_| err("expected '.'"))?;
                continue;
            }
            p.pos = save;
            break;
        }
        let mut mode = Mode::Managed;
        let mut type_name = p.ident().ok_or_else(|| err("expected a resource type"))?;
        if type_name == "data" {
            mode = Mode::Data;
            p.expect('.')
                .map_err(|_| err("expected '.' after 'data'"))?;
            type_name = p
                .ident()
                .ok_or_else(|| err("expected a data source type"))?;
        }
        p.expect('.')
            .map_err(|_| err("expected '.' and a resource name"))?;
        let name = p.ident().ok_or_else(|| err("expected a resource name"))?;
        let key = p.key().map_err(|r| err(&r))?;
        if !p.done() {
            return Err(err("unexpected text after the address"));
        }
        let abs = AbsResource {
            module: ModulePath(module),
            resource: Resource {
                mode,
                type_name,
                name,
            },
        };
        Ok(match key {
            InstanceKey::None => Target::Resource(abs),
            key => Target::Instance(abs.instance(key)),
        })
    }
}

impl FromStr for ResourceInstance {
    type Err = AddrError;
    fn from_str(s: &str) -> Result<ResourceInstance, AddrError> {
        match s.parse::<Target>()? {
            Target::Instance(i) => Ok(i),
            Target::Resource(r) => Ok(r.instance(InstanceKey::None)),
            Target::Module(_) => Err(AddrError {
                input: s.to_string(),
                reason: "expected a resource, not a module".to_string(),
            }),
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn ident(&mut self) -> Option<String> {
        let rest = &self.s[self.pos..];
        let first = rest.chars().next()?;
        if !(first.is_alphabetic() || first == '_') {
            return None;
        }
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        self.pos += len;
        Some(rest[..len].to_string())
    }
    fn expect(&mut self, c: char) -> Result<(), ()> {
        if self.rest().starts_with(c) {
            self.pos += c.len_utf8();
            Ok(())
        } else {
            Err(())
        }
    }
    fn key(&mut self) -> Result<InstanceKey, String> {
        if !self.rest().starts_with('[') {
            return Ok(InstanceKey::None);
        }
        self.pos += 1;
        let rest = &self.s[self.pos..];
        let key = if let Some(body) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, c)) => out.push(c),
                        None => return Err("unterminated string key".into()),
                    },
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    c => out.push(c),
                }
            }
            let end = end.ok_or("unterminated string key")?;
            self.pos += end + 2;
            InstanceKey::Str(out)
        } else {
            let len = rest.find(']').ok_or("missing ']'")?;
            let n: i64 = rest[..len]
                .trim()
                .parse()
                .map_err(|_| format!("invalid index {:?}", &rest[..len]))?;
            self.pos += len;
            InstanceKey::Int(n)
        };
        self.expect(']').map_err(|_| "missing ']'".to_string())?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip() {
        for s in [
            "aws_vpc.main",
            "aws_subnet.private[\"eu-west-1a\"]",
            "aws_instance.web[2]",
            "data.aws_ami.ubuntu",
            "module.net.aws_subnet.private[\"a\"]",
            "module.net[\"x\"].module.inner[0].aws_vpc.v",
            "module.net",
        ] {
            let t: Target = s.parse().unwrap();
            assert_eq!(t.to_string(), s);
        }
    }

    #[test]
    fn bad_addresses_say_why() {
        let e = "aws_vpc".parse::<Target>().unwrap_err();
        assert!(e.to_string().contains("resource name"), "{e}");
        assert!("aws_vpc.x[".parse::<Target>().is_err());
        assert!("aws_vpc.x[\"a]".parse::<Target>().is_err());
    }

    #[test]
    fn resource_target_contains_its_instances() {
        let t: Target = "aws_instance.web".parse().unwrap();
        let i: ResourceInstance = "aws_instance.web[3]".parse().unwrap();
        assert!(t.contains(&i));
        let m: Target = "module.net".parse().unwrap();
        let j: ResourceInstance = "module.net[\"a\"].aws_vpc.v".parse().unwrap();
        assert!(m.contains(&j));
        assert!(!m.contains(&i));
        let in_module: ResourceInstance = "module.net.aws_instance.web[3]".parse().unwrap();
        assert!(
            !t.contains(&in_module),
            "a root target does not name module resources"
        );
    }
}
