//! Terraform's HCL: `.tf` files parsed by `hcl-rs` (on `hcl-edit`, which keeps spans, so every
//! resource has its line), evaluated with `hcl-rs`'s evaluator under trailwatch's bounds:
//! variables (defaults, `.tfvars`, `-var`), locals, references between resources (with the
//! attributes AWS computes: ARNs, ids), the data sources every configuration uses for its
//! account and region, `count` and `for_each`, and the functions alarm configurations use
//! (`jsonencode`, `format`, `join`, ...). Each local or resource is evaluated once; a chain
//! of references is followed at most [`MAX_REFERENCE_DEPTH`] deep, every value is measured
//! and the whole evaluation has a budget, so hostile input is refused quickly.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::expr::{Expression, ObjectKey, TemplateExpr, TraversalOperator};
use hcl::template::{Directive, Element};
use hcl::{Block, BlockLabel, Body, Structure, Value};

use super::super::origin::{line_of, Origin};
use super::super::Deployment;
use super::Resource;

/// How deeply brackets, braces, parentheses and interpolations may nest in a `.tf` file:
/// checked on the text before parsing, so that neither the parser nor the evaluator recurses
/// deeper than this.
const MAX_NESTING: usize = 64;

/// How long a chain of references (a local naming a local naming a resource ...) may be.
const MAX_REFERENCE_DEPTH: usize = 64;

/// The largest value one expression may produce, and may be estimated to produce before it
/// is evaluated (nodes plus bytes of text).
const MAX_VALUE: u64 = 1 << 20;

/// The total size of every value evaluated in one load.
const MAX_EVALUATION: u64 = 16 << 20;

/// The most instances one `count` or `for_each` may create.
const MAX_INSTANCES: usize = 1_000;

/// One parsed `.tf` (or `.tfvars`) file.
pub(super) struct File {
    pub path: PathBuf,
    pub text: String,
}

/// The deepest nesting of `( [ {` and `${`/`%{` in the text (strings included: a pattern's
/// own brackets count, which only makes the check stricter).
fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for byte in text.bytes() {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses a file's text into blocks with the line each starts on.
fn parse(file: &File) -> Result<Vec<(Block, u32)>, String> {
    let shown = file.path.display();
    if nesting(&file.text) > MAX_NESTING {
        return Err(format!("{shown}: brackets nest more than {MAX_NESTING} deep"));
    }
    let body = hcl::edit::parser::parse_body(&file.text).map_err(|e| format!("{shown}: not valid HCL: {e}"))?;
    let mut blocks = Vec::new();
    for structure in body.into_iter() {
        if let hcl::edit::structure::Structure::Block(block) = structure {
            use hcl::edit::Span;
            let line = block.span().map_or(1, |span| line_of(&file.text, span.start));
            blocks.push((Block::from(block), line));
        }
    }
    Ok(blocks)
}

/// Whether text parses as HCL with at least one block (a `.tf` file without the suffix).
pub(super) fn looks_like_hcl(text: &str) -> bool {
    nesting(text) <= MAX_NESTING
        && hcl::edit::parser::parse_body(text).is_ok_and(|body| {
            body.iter()
                .any(|s| matches!(s, hcl::edit::structure::Structure::Block(b) if b.ident.as_str() == "resource"))
        })
}

fn label(label: &BlockLabel) -> &str {
    match label {
        BlockLabel::Identifier(identifier) => identifier.as_str(),
        BlockLabel::String(text) => text,
    }
}

fn attribute<'a>(body: &'a Body, key: &str) -> Option<&'a Expression> {
    body.0.iter().find_map(|s| match s {
        Structure::Attribute(a) if a.key.as_str() == key => Some(&a.expr),
        _ => None,
    })
}

/// A declared resource, local or variable, with where it was declared.
struct Declared<T> {
    item: T,
    origin: Origin,
}

/// Every declaration of the files read together (a Terraform module's folder).
#[derive(Default)]
struct Module {
    variables: BTreeMap<String, Declared<Option<Expression>>>,
    locals: BTreeMap<String, Declared<Expression>>,
    /// Resources by `TYPE.NAME`, in file order.
    resources: Vec<(String, String, Declared<Body>)>,
    /// Data sources by type and name.
    data: Vec<(String, String)>,
    notes: Vec<String>,
}

/// What a reference evaluates to, once known.
type Known = HashMap<String, Result<Value, String>>;

/// Evaluates a Terraform module's resources into their attribute values.
pub(super) fn resources(
    files: &[File],
    variable_files: &[File],
    variables: &[(String, String)],
    deployment: &Deployment,
    notes: &mut Vec<String>,
    refused: &mut Vec<String>,
) -> Result<Vec<Resource>, String> {
    let mut module = Module::default();
    for file in files {
        for (block, line) in parse(file)? {
            let origin = |what: String| Origin::new(file.path.clone(), what, Some(line));
            let labels: Vec<&str> = block.labels.iter().map(label).collect();
            match (block.identifier.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let default = attribute(&block.body, "default").cloned();
                    let declared = Declared { item: default, origin: origin(format!("var.{name}")) };
                    module.variables.insert(name.to_string(), declared);
                }
                ("locals", []) => {
                    for s in &block.body.0 {
                        if let Structure::Attribute(a) = s {
                            let name = a.key.as_str();
                            let declared = Declared { item: a.expr.clone(), origin: origin(format!("local.{name}")) };
                            module.locals.insert(name.to_string(), declared);
                        }
                    }
                }
                ("resource", [kind, name]) => {
                    let declared = Declared { item: block.body.clone(), origin: origin(format!("{kind}.{name}")) };
                    module.resources.push((kind.to_string(), name.to_string(), declared));
                }
                ("data", [kind, name]) => module.data.push((kind.to_string(), name.to_string())),
                ("module", [name]) => module.notes.push(format!(
                    "{}: module {name} is not followed: give its folder too, or replay `terraform show -json` output",
                    origin(String::new()).to_string().trim_end_matches(": ")
                )),
                _ => {}
            }
        }
    }
    let values = variable_values(&module, variable_files, variables)?;
    let evaluator = Evaluator::new(&module, values, deployment);
    let mut out = Vec::new();
    for (kind, name, declared) in &module.resources {
        if !super::READ_TYPES.contains(&kind.as_str()) {
            continue;
        }
        // A resource that cannot be read is refused on its own; the others are still read.
        match evaluator.instances(kind, name, declared) {
            Ok(instances) => {
                for (address, values) in instances {
                    let origin = Origin { resource: address, ..declared.origin.clone() };
                    out.push(Resource { kind: kind.clone(), values, origin });
                }
            }
            Err(e) => refused.push(e),
        }
    }
    notes.extend(module.notes.iter().cloned());
    notes.extend(
        evaluator.unresolved.into_inner().into_iter().map(|(why, places)| {
            format!("{why}; left unresolved in {}: the replay does not need it", places.join(", "))
        }),
    );
    Ok(out)
}

/// Each variable's value: `-var` over variable files over the default.
fn variable_values(
    module: &Module,
    variable_files: &[File],
    given: &[(String, String)],
) -> Result<BTreeMap<String, Result<Value, String>>, String> {
    let empty = Context::new();
    let mut values = BTreeMap::new();
    for (name, declared) in &module.variables {
        let value = match &declared.item {
            Some(default) => default.evaluate(&empty).map_err(|e| format!("{}: default: {e}", declared.origin)),
            None => Err(format!(
                "variable {name} has no default and no value: give --var {name}=VALUE or --var-file FILE.tfvars"
            )),
        };
        values.insert(name.clone(), value);
    }
    for file in variable_files {
        if nesting(&file.text) > MAX_NESTING {
            return Err(format!("{}: brackets nest more than {MAX_NESTING} deep", file.path.display()));
        }
        let body = hcl::parse(&file.text).map_err(|e| format!("{}: not valid HCL: {e}", file.path.display()))?;
        for structure in body.0 {
            if let Structure::Attribute(a) = structure {
                let value = a.expr.evaluate(&empty).map_err(|e| format!("{}: {}: {e}", file.path.display(), a.key))?;
                values.insert(a.key.to_string(), Ok(value));
            }
        }
    }
    for (name, text) in given {
        // As Terraform reads -var: a list, map or number in HCL syntax, else the text itself.
        let parsed = if text.trim_start().starts_with(['[', '{']) && nesting(text) <= MAX_NESTING {
            hcl::parse(&format!("v = {text}"))
                .ok()
                .and_then(|body| attribute(&body, "v").and_then(|e| e.evaluate(&empty).ok()))
        } else {
            None
        };
        values.insert(name.clone(), Ok(parsed.unwrap_or_else(|| Value::String(text.clone()))));
    }
    Ok(values)
}

/// Evaluates locals and resources on demand, each once.
struct Evaluator<'a> {
    module: &'a Module,
    variables: BTreeMap<String, Result<Value, String>>,
    deployment: &'a Deployment,
    /// Each local's value and each resource's reference value (its attributes and the
    /// computed ones), by `local.NAME` / `TYPE.NAME`.
    known: RefCell<Known>,
    /// What is being evaluated, outermost first: a name met again is a cycle.
    resolving: RefCell<Vec<String>>,
    spent: RefCell<u64>,
    /// Unneeded values that did not resolve: why, and where.
    unresolved: RefCell<BTreeMap<String, Vec<String>>>,
}

impl<'a> Evaluator<'a> {
    fn new(module: &'a Module, variables: BTreeMap<String, Result<Value, String>>, deployment: &'a Deployment) -> Self {
        Evaluator {
            module,
            variables,
            deployment,
            known: RefCell::new(HashMap::new()),
            resolving: RefCell::new(Vec::new()),
            spent: RefCell::new(0),
            unresolved: RefCell::new(BTreeMap::new()),
        }
    }

    fn charge(&self, units: u64) -> Result<(), String> {
        let mut spent = self.spent.borrow_mut();
        *spent = spent.saturating_add(units);
        if *spent > MAX_EVALUATION {
            return Err(format!("evaluating the configuration takes more than {MAX_EVALUATION} units (values built plus bytes of text); do references multiply a large value?"));
        }
        Ok(())
    }

    /// Evaluates one expression, with `extra` (`count`, `each`) in scope.
    fn evaluate(&self, expression: &Expression, extra: &[(&str, Value)], depth: usize) -> Result<Value, String> {
        let mut references = Vec::new();
        scan(expression, &mut references)?;
        let mut context = Context::new();
        declare_functions(&mut context);
        let mut estimate = size(expression_size(expression));
        let mut scopes: BTreeMap<String, hcl::Map<String, Value>> = BTreeMap::new();
        for (root, name) in &references {
            let value = match root.as_str() {
                "var" => match self.variables.get(name.as_str()) {
                    Some(Ok(value)) => value.clone(),
                    Some(Err(e)) => return Err(e.clone()),
                    None => return Err(format!("var.{name} is not declared (no variable \"{name}\" block)")),
                },
                "local" => self.local(name, depth)?,
                "data" => self.data(name)?,
                "count" | "each" => continue,
                "path" | "terraform" | "module" | "self" => {
                    return Err(format!("{root}.{name} is not supported in the values trailwatch reads"))
                }
                kind => self.resource(kind, name, depth)?,
            };
            estimate = estimate.saturating_add(value_size(&value));
            scopes.entry(root.clone()).or_default().insert(name.clone(), value);
        }
        if estimate > MAX_VALUE {
            return Err(format!("the expression would build a value of more than {MAX_VALUE} units"));
        }
        for (root, members) in scopes {
            context.declare_var(root, Value::Object(members));
        }
        for (name, value) in extra {
            context.declare_var(name.to_string(), value.clone());
        }
        let value = expression.evaluate(&context).map_err(|e| e.to_string())?;
        let size = value_size(&value);
        if size > MAX_VALUE {
            return Err(format!("the expression builds a value of more than {MAX_VALUE} units"));
        }
        self.charge(size)?;
        Ok(value)
    }

    /// Runs `work` for `key` once, remembering its result and refusing cycles and chains
    /// deeper than [`MAX_REFERENCE_DEPTH`].
    fn once(
        &self,
        key: String,
        depth: usize,
        work: impl FnOnce(usize) -> Result<Value, String>,
    ) -> Result<Value, String> {
        if let Some(known) = self.known.borrow().get(&key) {
            self.charge(known.as_ref().map_or(1, value_size))?;
            return known.clone();
        }
        if let Some(at) = self.resolving.borrow().iter().position(|r| *r == key) {
            let mut cycle = self.resolving.borrow()[at..].to_vec();
            cycle.push(key);
            return Err(format!("circular reference: {}", cycle.join(" -> ")));
        }
        if depth >= MAX_REFERENCE_DEPTH {
            return Err(format!("references chained more than {MAX_REFERENCE_DEPTH} deep at {key}"));
        }
        self.resolving.borrow_mut().push(key.clone());
        let result = work(depth + 1);
        self.resolving.borrow_mut().pop();
        self.known.borrow_mut().insert(key, result.clone());
        result
    }

    fn local(&self, name: &str, depth: usize) -> Result<Value, String> {
        let declared =
            self.module.locals.get(name).ok_or_else(|| format!("local.{name} is not declared in a locals block"))?;
        self.once(format!("local.{name}"), depth, |depth| {
            self.evaluate(&declared.item, &[], depth).map_err(|e| {
                if e.starts_with("local.") {
                    e
                } else {
                    format!("local.{name}: {e}")
                }
            })
        })
    }

    /// The data sources every AWS configuration uses for where it runs.
    fn data(&self, kind: &str) -> Result<Value, String> {
        let d = self.deployment;
        let fields: Vec<(&str, String)> = match kind {
            "aws_caller_identity" => vec![("account_id", d.account_id.clone()), ("id", d.account_id.clone())],
            "aws_region" => vec![("name", d.region.clone()), ("region", d.region.clone()), ("id", d.region.clone())],
            "aws_partition" => vec![("partition", "aws".into()), ("dns_suffix", "amazonaws.com".into())],
            other => return Err(format!("data.{other} is not known offline")),
        };
        let instance: hcl::Map<String, Value> =
            fields.into_iter().map(|(k, v)| (k.to_string(), Value::from(v))).collect();
        let names: hcl::Map<String, Value> = self
            .module
            .data
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, name)| (name.clone(), Value::Object(instance.clone())))
            .collect();
        Ok(Value::Object(names))
    }

    /// A resource's reference value: `TYPE.NAME` -> its attributes (a list for `count`, a map
    /// for `for_each`).
    fn resource(&self, kind: &str, name: &str, depth: usize) -> Result<Value, String> {
        let Some((_, _, declared)) = self.module.resources.iter().find(|(k, n, _)| k == kind && n == name) else {
            return Err(format!("{kind}.{name} is not a resource of this configuration"));
        };
        self.once(format!("{kind}.{name}"), depth, |depth| {
            let instances = self.instance_keys(declared, depth)?;
            let mut values = Vec::new();
            for (key, extra) in &instances {
                let mut attributes = self.attributes(&declared.item, extra, depth, None)?;
                super::computed(kind, name, &mut attributes, self.deployment);
                values.push((key.clone(), Value::Object(attributes)));
            }
            Ok(match instances.first().map(|(key, _)| key) {
                None | Some(InstanceKey::Single) => values.pop().map_or(Value::Null, |(_, v)| v),
                Some(InstanceKey::Index(_)) => Value::Array(values.into_iter().map(|(_, v)| v).collect()),
                Some(InstanceKey::Key(_)) => Value::Object(
                    values
                        .into_iter()
                        .map(|(key, v)| (if let InstanceKey::Key(k) = key { k } else { String::new() }, v))
                        .collect(),
                ),
            })
        })
    }

    /// The instances `count` or `for_each` makes (one when neither is given).
    fn instance_keys(&self, declared: &Declared<Body>, depth: usize) -> Result<Vec<(InstanceKey, Scope)>, String> {
        let body = &declared.item;
        if let Some(count) = attribute(body, "count") {
            let value = self.evaluate(count, &[], depth).map_err(|e| format!("{}: count: {e}", declared.origin))?;
            let n = match &value {
                Value::Number(n) => n.as_f64().filter(|n| n.fract() == 0.0 && *n >= 0.0),
                Value::String(s) => s.parse::<f64>().ok().filter(|n| n.fract() == 0.0 && *n >= 0.0),
                _ => None,
            }
            .ok_or_else(|| format!("{}: count must be a whole number, not {value}", declared.origin))?;
            if n > MAX_INSTANCES as f64 {
                return Err(format!(
                    "{}: count {n} is more than the {MAX_INSTANCES} instances trailwatch reads",
                    declared.origin
                ));
            }
            return Ok((0..n as usize)
                .map(|i| {
                    let index: hcl::Map<String, Value> =
                        [("index".to_string(), Value::from(i as u64))].into_iter().collect();
                    (InstanceKey::Index(i), vec![("count", Value::Object(index))])
                })
                .collect());
        }
        if let Some(for_each) = attribute(body, "for_each") {
            let value =
                self.evaluate(for_each, &[], depth).map_err(|e| format!("{}: for_each: {e}", declared.origin))?;
            let pairs: Vec<(String, Value)> = match value {
                Value::Object(map) => map.into_iter().collect(),
                Value::Array(items) => items
                    .into_iter()
                    .map(|item| match &item {
                        Value::String(s) => Ok((s.clone(), item.clone())),
                        other => Err(format!("{}: for_each over a set takes strings, not {other}", declared.origin)),
                    })
                    .collect::<Result<_, _>>()?,
                other => {
                    return Err(format!("{}: for_each takes a map or a set of strings, not {other}", declared.origin))
                }
            };
            if pairs.len() > MAX_INSTANCES {
                return Err(format!(
                    "{}: for_each makes more than the {MAX_INSTANCES} instances trailwatch reads",
                    declared.origin
                ));
            }
            return Ok(pairs
                .into_iter()
                .map(|(key, value)| {
                    let each: hcl::Map<String, Value> =
                        [("key".to_string(), Value::from(key.clone())), ("value".to_string(), value)]
                            .into_iter()
                            .collect();
                    (InstanceKey::Key(key), vec![("each", Value::Object(each))])
                })
                .collect());
        }
        Ok(vec![(InstanceKey::Single, Vec::new())])
    }

    /// A body's attributes and nested blocks (each kind of block a list, as Terraform's JSON
    /// shows them). With `needed`, an attribute the replay does not need that fails is left
    /// out and noted; otherwise (a resource referenced by another) it is left out silently and
    /// fails where it is used.
    fn attributes(
        &self,
        body: &Body,
        extra: &[(&str, Value)],
        depth: usize,
        needed: Option<(&str, &str)>,
    ) -> Result<hcl::Map<String, Value>, String> {
        let mut out = hcl::Map::new();
        for structure in &body.0 {
            match structure {
                Structure::Attribute(a) => {
                    let key = a.key.as_str();
                    if matches!(key, "count" | "for_each" | "depends_on" | "provider") {
                        continue;
                    }
                    match self.evaluate(&a.expr, extra, depth) {
                        Ok(value) => {
                            out.insert(key.to_string(), value);
                        }
                        Err(e) => match needed {
                            Some((kind, at)) if super::needed(kind, key) => return Err(format!("{at}: {key}: {e}")),
                            Some((_, at)) => {
                                if e.contains("circular reference") || e.contains("units") {
                                    return Err(format!("{at}: {key}: {e}"));
                                }
                                self.unresolved.borrow_mut().entry(e).or_default().push(format!("{at}.{key}"));
                            }
                            None if e.contains("circular reference") || e.contains("units") => return Err(e),
                            None => {}
                        },
                    }
                }
                Structure::Block(block) => {
                    let key = block.identifier.as_str();
                    if matches!(key, "lifecycle" | "provisioner" | "connection" | "dynamic" | "timeouts") {
                        continue;
                    }
                    // Inside a block the replay needs, every attribute is needed.
                    let inner = needed
                        .map(|(kind, at)| (if super::needed(kind, key) { "*" } else { kind }, format!("{at}.{key}")));
                    let inner = inner.as_ref().map(|(kind, at)| (*kind, at.as_str()));
                    let object = self.attributes(&block.body, extra, depth, inner)?;
                    match out.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new())) {
                        Value::Array(items) => items.push(Value::Object(object)),
                        _ => return Err(format!("{key} is both an attribute and a block")),
                    }
                }
            }
        }
        Ok(out)
    }

    /// The instances of a resource trailwatch reads, each with its address and attributes.
    fn instances(
        &self,
        kind: &str,
        name: &str,
        declared: &Declared<Body>,
    ) -> Result<Vec<(String, serde_json::Value)>, String> {
        let mut out = Vec::new();
        for (key, extra) in self.instance_keys(declared, 0)? {
            let address = match &key {
                InstanceKey::Single => format!("{kind}.{name}"),
                InstanceKey::Index(i) => format!("{kind}.{name}[{i}]"),
                InstanceKey::Key(k) => format!("{kind}.{name}[{k:?}]"),
            };
            let shown = Origin { resource: address.clone(), ..declared.origin.clone() }.to_string();
            let mut attributes = self.attributes(&declared.item, &extra, 0, Some((kind, &shown)))?;
            super::computed(kind, name, &mut attributes, self.deployment);
            let json = serde_json::to_value(Value::Object(attributes)).map_err(|e| format!("{shown}: {e}"))?;
            out.push((address, json));
        }
        Ok(out)
    }
}

/// The names one instance adds to its expressions' scope (`count` or `each`).
type Scope = Vec<(&'static str, Value)>;

#[derive(Clone, Debug)]
enum InstanceKey {
    Single,
    Index(usize),
    Key(String),
}

/// The references an expression makes, as (root, first attribute): `var.x` -> ("var", "x"),
/// `aws_sns_topic.alerts.arn` -> ("aws_sns_topic", "alerts"), `data.aws_region.current.name`
/// -> ("data", "aws_region"). `for` expressions and template `for` directives are refused:
/// their work grows with the product of collection sizes.
fn scan(expression: &Expression, out: &mut Vec<(String, String)>) -> Result<(), String> {
    match expression {
        Expression::Array(items) => items.iter().try_for_each(|e| scan(e, out)),
        Expression::Object(map) => map.iter().try_for_each(|(k, v)| {
            if let ObjectKey::Expression(k) = k {
                scan(k, out)?;
            }
            scan(v, out)
        }),
        Expression::TemplateExpr(template) => {
            let parsed = hcl::Template::from_expr(template).map_err(|e| e.to_string())?;
            scan_template(parsed.elements(), out)
        }
        Expression::Variable(variable) => {
            out.push((variable.as_str().to_string(), String::new()));
            Ok(())
        }
        Expression::Traversal(traversal) => {
            match (&traversal.expr, traversal.operators.first()) {
                (Expression::Variable(root), Some(TraversalOperator::GetAttr(first))) => {
                    out.push((root.as_str().to_string(), first.as_str().to_string()))
                }
                _ => scan(&traversal.expr, out)?,
            }
            traversal.operators.iter().try_for_each(|op| match op {
                TraversalOperator::Index(index) => scan(index, out),
                _ => Ok(()),
            })
        }
        Expression::FuncCall(call) => call.args.iter().try_for_each(|e| scan(e, out)),
        Expression::Parenthesis(inner) => scan(inner, out),
        Expression::Conditional(c) => {
            scan(&c.cond_expr, out)?;
            scan(&c.true_expr, out)?;
            scan(&c.false_expr, out)
        }
        Expression::Operation(operation) => match operation.as_ref() {
            hcl::expr::Operation::Unary(u) => scan(&u.expr, out),
            hcl::expr::Operation::Binary(b) => {
                if arithmetic(b.operator) {
                    literal_arithmetic(expression)?;
                }
                scan(&b.lhs_expr, out)?;
                scan(&b.rhs_expr, out)
            }
        },
        Expression::ForExpr(_) => Err("`for` expressions are not supported (use terraform show -json output)".into()),
        _ => Ok(()),
    }
    .map(|()| out.retain(|(root, name)| !name.is_empty() || matches!(root.as_str(), "count" | "each")))
}

fn arithmetic(operator: hcl::expr::BinaryOperator) -> bool {
    use hcl::expr::BinaryOperator as Op;
    matches!(operator, Op::Plus | Op::Minus | Op::Mul | Op::Div | Op::Mod)
}

/// The largest magnitude arithmetic may take or give: every integer below it is exact in
/// a double, and no product of two such numbers is computed by the evaluator.
const MAX_ARITHMETIC: f64 = 9_007_199_254_740_992.0;

/// The value of arithmetic on literal numbers (`60 * 5`), checked before `hcl-rs` computes
/// it: its integer arithmetic has no overflow or division-by-zero checks. Arithmetic on
/// references is refused (**choice**: alarm configurations write their numbers).
fn literal_arithmetic(expression: &Expression) -> Result<f64, String> {
    use hcl::expr::BinaryOperator as Op;
    let refused = || {
        "arithmetic is evaluated only on literal numbers (write the number, or use terraform show -json output)"
            .to_string()
    };
    let value = match expression {
        Expression::Number(n) => n.as_f64().ok_or_else(refused)?,
        Expression::Parenthesis(inner) => literal_arithmetic(inner)?,
        Expression::Operation(operation) => match operation.as_ref() {
            hcl::expr::Operation::Unary(u) if u.operator == hcl::expr::UnaryOperator::Neg => {
                -literal_arithmetic(&u.expr)?
            }
            hcl::expr::Operation::Binary(b) if arithmetic(b.operator) => {
                let (l, r) = (literal_arithmetic(&b.lhs_expr)?, literal_arithmetic(&b.rhs_expr)?);
                match b.operator {
                    Op::Plus => l + r,
                    Op::Minus => l - r,
                    Op::Mul => l * r,
                    Op::Div | Op::Mod if r == 0.0 => return Err("division by zero".into()),
                    Op::Div => l / r,
                    _ => l % r,
                }
            }
            _ => return Err(refused()),
        },
        _ => return Err(refused()),
    };
    if !value.is_finite() || value.abs() >= MAX_ARITHMETIC {
        return Err(format!("arithmetic beyond {MAX_ARITHMETIC} is refused"));
    }
    Ok(value)
}

fn scan_template(elements: &[Element], out: &mut Vec<(String, String)>) -> Result<(), String> {
    for element in elements {
        match element {
            Element::Literal(_) => {}
            Element::Interpolation(i) => scan(&i.expr, out)?,
            Element::Directive(directive) => match directive.as_ref() {
                Directive::If(d) => {
                    scan(&d.cond_expr, out)?;
                    scan_template(d.true_template.elements(), out)?;
                    if let Some(f) = &d.false_template {
                        scan_template(f.elements(), out)?;
                    }
                }
                Directive::For(_) => {
                    return Err("template `for` directives are not supported (use terraform show -json output)".into())
                }
            },
        }
    }
    Ok(())
}

/// An expression's own size: its text as Terraform would print it.
fn expression_size(expression: &Expression) -> usize {
    match expression {
        Expression::String(s) => s.len(),
        Expression::TemplateExpr(t) => match t.as_ref() {
            TemplateExpr::QuotedString(s) => s.len(),
            TemplateExpr::Heredoc(h) => h.template.len(),
        },
        Expression::Array(items) => items.iter().map(expression_size).sum::<usize>() + 1,
        Expression::Object(map) => map.values().map(expression_size).sum::<usize>() + map.len() * 8 + 1,
        _ => 16,
    }
}

fn size(n: usize) -> u64 {
    n as u64
}

/// Nodes plus bytes of text (iterative: values may nest as deep as their expressions).
fn value_size(value: &Value) -> u64 {
    let mut total = 0u64;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        total = total.saturating_add(1);
        match v {
            Value::String(s) => total = total.saturating_add(s.len() as u64),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (k, v) in map {
                    total = total.saturating_add(k.len() as u64);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    total
}

/// The functions alarm and rule configurations use; others are refused by name.
fn declare_functions(context: &mut Context) {
    context.declare_func("jsonencode", FuncDef::builder().param(ParamType::Any).build(jsonencode));
    context.declare_func("jsondecode", FuncDef::builder().param(ParamType::String).build(jsondecode));
    context
        .declare_func("join", FuncDef::builder().param(ParamType::String).variadic_param(ParamType::Any).build(join));
    context.declare_func(
        "format",
        FuncDef::builder().param(ParamType::String).variadic_param(ParamType::Any).build(format),
    );
    context.declare_func("lower", FuncDef::builder().param(ParamType::String).build(lower));
    context.declare_func("upper", FuncDef::builder().param(ParamType::String).build(upper));
    context.declare_func("trimspace", FuncDef::builder().param(ParamType::String).build(trimspace));
    context.declare_func("tostring", FuncDef::builder().param(ParamType::Any).build(tostring));
    context.declare_func("tonumber", FuncDef::builder().param(ParamType::Any).build(tonumber));
    context.declare_func("coalesce", FuncDef::builder().variadic_param(ParamType::Any).build(coalesce));
    context.declare_func(
        "lookup",
        FuncDef::builder().param(ParamType::Any).param(ParamType::String).variadic_param(ParamType::Any).build(lookup),
    );
}

fn text(value: &Value) -> Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("{other} is not a string")),
    }
}

fn jsonencode(args: FuncArgs) -> Result<Value, String> {
    serde_json::to_string(&args[0]).map(Value::String).map_err(|e| e.to_string())
}

fn jsondecode(args: FuncArgs) -> Result<Value, String> {
    let text = text(&args[0])?;
    if nesting(&text) > MAX_NESTING {
        return Err(format!("jsondecode: JSON nested more than {MAX_NESTING} deep"));
    }
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| format!("jsondecode: {e}"))
        .and_then(|v| hcl::to_value(v).map_err(|e| e.to_string()))
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let separator = text(&args[0])?;
    let mut parts = Vec::new();
    for list in &args[1..] {
        match list {
            Value::Array(items) => parts.extend(items.iter().map(text).collect::<Result<Vec<_>, _>>()?),
            other => return Err(format!("join takes lists, not {other}")),
        }
    }
    Ok(Value::String(parts.join(&separator)))
}

/// `format` with the verbs configurations use: `%s`, `%d`, `%v` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = text(&args[0])?;
    let mut values = args[1..].iter();
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => out.push_str(&text(values.next().ok_or("format: too few arguments")?)?),
            other => return Err(format!("format: the verb %{} is not supported", other.unwrap_or(' '))),
        }
    }
    Ok(Value::String(out))
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?.to_lowercase()))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?.to_uppercase()))
}

fn trimspace(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?.trim().to_string()))
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::String(text(&args[0])?))
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Number(_) => Ok(args[0].clone()),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(hcl::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("tonumber: {s:?} is not a number")),
        other => Err(format!("tonumber: {other} is not a number")),
    }
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !matches!(v, Value::Null) && !matches!(v, Value::String(s) if s.is_empty()))
        .cloned()
        .ok_or_else(|| "coalesce: every argument is null or empty".to_string())
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = text(&args[1])?;
    match &args[0] {
        Value::Object(map) => {
            map.get(&key).or(args.get(2)).cloned().ok_or_else(|| format!("lookup: no key {key:?} and no default"))
        }
        other => Err(format!("lookup takes a map, not {other}")),
    }
}

/// The `.tf` files of a folder and the variable files Terraform loads by itself there
/// (`terraform.tfvars`, then `*.auto.tfvars` in name order).
pub(super) fn folder_files(entries: &[PathBuf]) -> (Vec<&Path>, Vec<&Path>) {
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
    let tf: Vec<&Path> = entries.iter().map(PathBuf::as_path).filter(|p| name(p).ends_with(".tf")).collect();
    let mut vars: Vec<&Path> = entries.iter().map(PathBuf::as_path).filter(|p| name(p) == "terraform.tfvars").collect();
    vars.extend(entries.iter().map(PathBuf::as_path).filter(|p| name(p).ends_with(".auto.tfvars")));
    (tf, vars)
}
