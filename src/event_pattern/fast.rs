//! The fast matcher: every pattern of a set shares one validating pass over the event
//! text, in the manner of Event Ruler and Quamina.
//!
//! * The fields of all patterns form one trie of path steps; the pass descends only into
//!   members on it and skips (while checking) the rest, with the JSON reader of the
//!   filter-pattern engine ([`crate::matcher::lazy`]).
//! * Each distinct condition of a field is tested once per leaf; exact strings, the bulk
//!   of real rules, by one hash lookup per leaf whatever their number.
//! * A branch is looked at only when its trigger (a field it cannot match without) was
//!   hit, so rules about other services cost nothing.
//! * Text the pass cannot judge as cheaply (control characters, `\u` escapes) makes it give
//!   up where it meets them, and goes to the reference evaluator, which defines the
//!   semantics and against which this is tested.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::ast::{Condition, EventPattern, Leaf, Literal};
use super::reference::{self, Doc, Trail};
use crate::matcher::lazy::{needs_reference, Found, Scanner, MAX_DEPTH};

/// A word-at-a-time hash for the exact values and keys of a set: they are short, and
/// SipHash's resistance is not needed for a set the user wrote. Each 8 bytes cost one
/// folded multiply (the high half of the product folded into the low), where FNV-1a costs
/// a dependent multiply per byte.
#[derive(Default)]
struct WordHash(u64);

impl WordHash {
    const SEED: u64 = 0x243f_6a88_85a3_08d3;
    const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

    fn mix(hash: u64, word: u64) -> u64 {
        let product = u128::from(hash ^ word) * u128::from(Self::MULTIPLIER);
        (product as u64) ^ ((product >> 64) as u64)
    }
}

impl Hasher for WordHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let mut hash = Self::mix(self.0 ^ Self::SEED, n as u64);
        // The last (or only) word overlaps the one before it rather than being padded.
        if n >= 8 {
            let mut at = 0;
            while at + 8 < n {
                hash = Self::mix(hash, le_word(bytes, at, 8));
                at += 8;
            }
            hash = Self::mix(hash, le_word(bytes, n - 8, 8));
        } else if n >= 4 {
            hash = Self::mix(hash, (le_word(bytes, 0, 4) << 32) | le_word(bytes, n - 4, 4));
        } else if n > 0 {
            hash =
                Self::mix(hash, le_word(bytes, 0, 1) << 16 | le_word(bytes, n / 2, 1) << 8 | le_word(bytes, n - 1, 1));
        }
        self.0 = hash;
    }
    /// `str` ends its bytes with a 0xff: one mix rather than a whole `write`.
    fn write_u8(&mut self, byte: u8) {
        self.0 = Self::mix(self.0, u64::from(byte));
    }
}

/// The `len` (1, 4 or 8) bytes at `at`, little-endian (0 past the end, which callers never
/// reach).
#[inline]
fn le_word(bytes: &[u8], at: usize, len: usize) -> u64 {
    match (len, bytes.get(at..at + len)) {
        (8, Some(word)) => word.try_into().map_or(0, u64::from_le_bytes),
        (4, Some(word)) => word.try_into().map_or(0, |w| u64::from(u32::from_le_bytes(w))),
        (_, Some(word)) => word.first().map_or(0, |&b| u64::from(b)),
        (_, None) => 0,
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHash>>;

/// A key's length and its first and last 8 bytes (overlapping, or picked, in shorter
/// keys), which tell keys of up to 16 bytes apart without a byte comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KeySignature {
    len: usize,
    head: u64,
    tail: u64,
}

impl KeySignature {
    fn of(key: &[u8]) -> KeySignature {
        let n = key.len();
        let (head, tail) = if n >= 8 {
            (le_word(key, 0, 8), le_word(key, n - 8, 8))
        } else if n >= 4 {
            (le_word(key, 0, 4), le_word(key, n - 4, 4))
        } else if n > 0 {
            (le_word(key, 0, 1) | le_word(key, n / 2, 1) << 8, le_word(key, n - 1, 1))
        } else {
            (0, 0)
        };
        KeySignature { len: n, head, tail }
    }

    /// Whether keys with this signature are all one key.
    fn is_exact(&self) -> bool {
        self.len <= 16
    }
}

#[derive(Clone, Debug)]
struct Step {
    signature: KeySignature,
    text: Box<str>,
    child: u32,
}

/// The steps below a trie node. Most nodes have a handful, and most event keys match
/// none of them: a key's signature rejects those, and finds the one it names, without
/// hashing or comparing the key's bytes; a hash index is built only for nodes with many
/// steps.
#[derive(Clone, Debug, Default)]
struct Children {
    steps: Vec<Step>,
    index: Option<FastMap<Box<str>, u32>>,
}

impl Children {
    const INDEXED_FROM: usize = 12;

    fn get(&self, key: &str) -> Option<u32> {
        if let Some(index) = &self.index {
            return index.get(key).copied();
        }
        if self.steps.is_empty() {
            return None;
        }
        let signature = KeySignature::of(key.as_bytes());
        self.steps
            .iter()
            .find(|step| step.signature == signature && (signature.is_exact() || *step.text == *key))
            .map(|step| step.child)
    }

    fn insert(&mut self, text: &str, child: u32) {
        self.steps.push(Step { signature: KeySignature::of(text.as_bytes()), text: text.into(), child });
        if let Some(index) = &mut self.index {
            index.insert(text.into(), child);
        } else if self.steps.len() >= Self::INDEXED_FROM {
            self.index = Some(self.steps.iter().map(|step| (step.text.clone(), step.child)).collect());
        }
    }

    fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// For a key `STEP.REST` whose `STEP` is here: that step's node and `REST`.
    fn dotted<'k>(&self, key: &'k str) -> Option<(u32, &'k str)> {
        match &self.index {
            Some(index) => {
                let (step, rest) = key.split_once('.')?;
                Some((*index.get(step)?, rest))
            }
            // The dot is tested first: it rules out nearly every step without a comparison.
            None => self.steps.iter().find_map(|step| {
                let len = step.text.len();
                (key.as_bytes().get(len) == Some(&b'.') && key.starts_with(&*step.text))
                    .then(|| (step.child, &key[len + 1..]))
            }),
        }
    }
}

/// A node of the path trie.
#[derive(Clone, Debug, Default)]
struct Node {
    children: Children,
    /// The field name ending here.
    name: Option<u32>,
}

/// The conditions of one field name.
#[derive(Clone, Debug, Default)]
struct NameConditions {
    /// Exact (non-IP) strings -> condition ids.
    exact: FastMap<Box<str>, Vec<u32>>,
    /// Every other condition, tested on each leaf.
    others: Vec<u32>,
}

#[derive(Clone, Debug)]
struct FieldPlan {
    name: u32,
    /// Steps in the name: deeper fields are usually the more selective.
    depth: usize,
    conditions: Vec<u32>,
    absence_ok: bool,
}

#[derive(Clone, Debug)]
struct BranchPlan {
    pattern: u32,
    fields: Vec<FieldPlan>,
}

/// A compiled set of patterns.
#[derive(Clone, Debug)]
pub struct Compiled {
    patterns: Vec<EventPattern>,
    trie: Vec<Node>,
    names: Vec<NameConditions>,
    conditions: Vec<Condition>,
    /// Branches to look at when a condition is first hit.
    triggers: Vec<Vec<u32>>,
    /// Branches looked at on every event (all their fields accept absence).
    always: Vec<u32>,
    branches: Vec<BranchPlan>,
}

impl Compiled {
    pub fn new(patterns: &[EventPattern]) -> Compiled {
        let mut compiled = Compiled {
            patterns: patterns.to_vec(),
            trie: vec![Node::default()],
            names: Vec::new(),
            conditions: Vec::new(),
            triggers: Vec::new(),
            always: Vec::new(),
            branches: Vec::new(),
        };
        let mut condition_ids: Vec<Vec<(Condition, u32)>> = Vec::new();
        for (p, pattern) in patterns.iter().enumerate() {
            for branch in &pattern.branches {
                let mut fields = Vec::new();
                for field in &branch.fields {
                    let name = compiled.name_id(&field.name, &mut condition_ids);
                    let mut ids = Vec::new();
                    for condition in &field.conditions {
                        if *condition == Condition::Exists(false) {
                            continue;
                        }
                        ids.push(compiled.condition_id(name, condition, &mut condition_ids));
                    }
                    fields.push(FieldPlan {
                        name,
                        depth: field.name.split('.').count(),
                        conditions: ids,
                        absence_ok: field.matches_absence(),
                    });
                }
                let branch_id = compiled.branches.len() as u32;
                match trigger(&fields, &compiled.conditions) {
                    Some(i) => {
                        for &c in &fields[i].conditions {
                            compiled.triggers[c as usize].push(branch_id);
                        }
                    }
                    None => compiled.always.push(branch_id),
                }
                compiled.branches.push(BranchPlan { pattern: p as u32, fields });
            }
        }
        compiled
    }

    fn name_id(&mut self, name: &str, condition_ids: &mut Vec<Vec<(Condition, u32)>>) -> u32 {
        let mut node = 0usize;
        for step in name.split('.') {
            node = match self.trie[node].children.get(step) {
                Some(child) => child as usize,
                None => {
                    let child = self.trie.len();
                    self.trie.push(Node::default());
                    self.trie[node].children.insert(step, child as u32);
                    child
                }
            };
        }
        if let Some(id) = self.trie[node].name {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(NameConditions::default());
        condition_ids.push(Vec::new());
        self.trie[node].name = Some(id);
        id
    }

    fn condition_id(&mut self, name: u32, condition: &Condition, ids: &mut [Vec<(Condition, u32)>]) -> u32 {
        let known = &mut ids[name as usize];
        if let Some((_, id)) = known.iter().find(|(c, _)| c == condition) {
            return *id;
        }
        let id = self.conditions.len() as u32;
        self.conditions.push(condition.clone());
        self.triggers.push(Vec::new());
        known.push((condition.clone(), id));
        let entry = &mut self.names[name as usize];
        match condition {
            Condition::Exact(Literal::String { text, ip: None }) => {
                entry.exact.entry(text.as_str().into()).or_default().push(id)
            }
            _ => entry.others.push(id),
        }
        id
    }

    pub fn patterns(&self) -> &[EventPattern] {
        &self.patterns
    }

    /// Replaces `out` with the indices (ascending) of the patterns `event` matches.
    pub fn matching(&self, event: &str, out: &mut Vec<usize>) {
        out.clear();
        if self.patterns.is_empty() {
            return;
        }
        let judged = SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let state = &mut *scratch;
            state.start(self);
            let mut pass = Pass { set: self, scan: Scanner::new(event), state };
            pass.document()?;
            let state = pass.state;
            for i in 0..state.candidates.len() {
                let branch = &self.branches[state.candidates[i] as usize];
                if state.branch_matches(branch) {
                    out.push(branch.pattern as usize);
                }
            }
            Some(())
        });
        // The pass gives up on every control byte and `\u` escape (it reads each byte of
        // the text, and none of them is JSON where it stops), so only a text it gave up on
        // can be one to leave to the reference evaluator; the rest is not JSON.
        if judged.is_none() {
            if needs_reference(event.as_bytes()) {
                self.matching_by_reference(event, out);
            }
            return;
        }
        out.sort_unstable();
        out.dedup();
    }

    fn matching_by_reference(&self, event: &str, out: &mut Vec<usize>) {
        if let Some(doc @ Doc::Object(_)) = Doc::parse(event) {
            out.extend(self.patterns.iter().enumerate().filter(|(_, p)| reference::matches(p, &doc)).map(|(i, _)| i));
        }
    }
}

/// Which field's conditions trigger a branch: one it cannot match without, preferring
/// exact values on the deepest path (the most selective in real rules).
fn trigger(fields: &[FieldPlan], conditions: &[Condition]) -> Option<usize> {
    fields
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.absence_ok && !f.conditions.is_empty())
        .max_by_key(|(i, f)| {
            let exact_only = f.conditions.iter().all(|&c| matches!(conditions[c as usize], Condition::Exact(_)));
            (exact_only, f.depth, usize::MAX - i)
        })
        .map(|(i, _)| i)
}

/// Per-thread working memory, reused across events: marks are stamped with the event's
/// epoch, so nothing is cleared between events.
#[derive(Default)]
struct Scratch {
    epoch: u32,
    name_seen: Vec<u32>,
    hit: Vec<u32>,
    /// A hit by a leaf outside every array (consistent with anything).
    hit_plain: Vec<u32>,
    /// Hits by leaves inside arrays: condition, trail.
    array_hits: Vec<(u32, u32)>,
    trails: Vec<Trail>,
    /// The array elements the pass is inside: (array, index).
    trail: Trail,
    arrays: u32,
    branch_seen: Vec<u32>,
    candidates: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Scratch {
    fn start(&mut self, set: &Compiled) {
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            // Stamps wrapped: forget them all once every 4 billion events.
            self.name_seen.clear();
            self.hit.clear();
            self.hit_plain.clear();
            self.branch_seen.clear();
            self.epoch = 1;
        }
        grow(&mut self.name_seen, set.names.len());
        grow(&mut self.hit, set.conditions.len());
        grow(&mut self.hit_plain, set.conditions.len());
        grow(&mut self.branch_seen, set.branches.len());
        self.array_hits.clear();
        self.trails.clear();
        self.trail.clear();
        self.arrays = 0;
        self.candidates.clear();
        for &b in &set.always {
            self.candidate(b);
        }
    }

    fn candidate(&mut self, branch: u32) {
        if self.branch_seen[branch as usize] != self.epoch {
            self.branch_seen[branch as usize] = self.epoch;
            self.candidates.push(branch);
        }
    }

    fn record(&mut self, set: &Compiled, condition: u32, trail: &mut Option<u32>) {
        let c = condition as usize;
        if self.hit[c] != self.epoch {
            self.hit[c] = self.epoch;
            for &b in &set.triggers[c] {
                self.candidate(b);
            }
        }
        if self.trail.is_empty() {
            self.hit_plain[c] = self.epoch;
        } else if self.hit_plain[c] != self.epoch {
            let id = *trail.get_or_insert_with(|| {
                self.trails.push(self.trail.clone());
                self.trails.len() as u32 - 1
            });
            self.array_hits.push((condition, id));
        }
    }

    fn branch_matches(&self, branch: &BranchPlan) -> bool {
        let mut constrained: Vec<Vec<&Trail>> = Vec::new();
        for field in &branch.fields {
            if field.absence_ok && self.name_seen[field.name as usize] != self.epoch {
                continue;
            }
            if field.conditions.iter().any(|&c| self.hit_plain[c as usize] == self.epoch) {
                continue;
            }
            if !field.conditions.iter().any(|&c| self.hit[c as usize] == self.epoch) {
                return false;
            }
            constrained.push(
                self.array_hits
                    .iter()
                    .filter(|(c, _)| field.conditions.contains(c))
                    .map(|&(_, t)| &self.trails[t as usize])
                    .collect(),
            );
        }
        constrained.len() < 2 || reference::choose(&constrained, &mut Vec::new())
    }
}

fn grow(marks: &mut Vec<u32>, len: usize) {
    if marks.len() < len {
        marks.resize(len, 0);
    }
}

/// One pass over one event.
struct Pass<'s, 'e> {
    set: &'s Compiled,
    scan: Scanner<'e>,
    state: &'s mut Scratch,
}

impl<'e> Pass<'_, 'e> {
    /// The whole text: one JSON object and nothing after it.
    fn document(&mut self) -> Option<()> {
        if self.scan.token()? != b'{' {
            return None;
        }
        self.object(0, 1)?;
        self.scan.skip_ws();
        (self.scan.peek().is_none()).then_some(())
    }

    /// The node reached from `node` by an event key (keys holding dots take several steps,
    /// as the pattern's dot-joined names do).
    fn child(&self, node: usize, key: &str) -> Option<usize> {
        let (mut node, mut key) = (node, key);
        loop {
            let children = &self.set.trie[node].children;
            if let Some(child) = children.get(key) {
                return Some(child as usize);
            }
            // Pattern steps hold no dots, so only a key going on from a step with a dot can
            // still lead somewhere.
            let (child, rest) = children.dotted(key)?;
            (node, key) = (child as usize, rest);
        }
    }

    /// An object at `pos` on trie node `node`, `depth` containers deep (itself included).
    fn object(&mut self, node: usize, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.scan.pos += 1;
        if self.scan.token()? == b'}' {
            self.scan.pos += 1;
            return Some(());
        }
        loop {
            if self.scan.token()? != b'"' {
                return None;
            }
            let key = self.scan.string()?;
            self.scan.expect(b':')?;
            match self.child(node, &key) {
                Some(child) => self.value(child, depth)?,
                None => self.scan.skip_value(depth)?,
            }
            match self.scan.token()? {
                b',' => self.scan.pos += 1,
                b'}' => {
                    self.scan.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A value on trie node `node`, inside `depth` containers.
    fn value(&mut self, node: usize, depth: usize) -> Option<()> {
        let here = &self.set.trie[node];
        match self.scan.token()? {
            b'{' if !here.children.is_empty() => self.object(node, depth + 1),
            b'[' if here.name.is_some() || !here.children.is_empty() => self.array(node, depth + 1),
            b'{' | b'[' => self.scan.skip_value(depth),
            b'"' => {
                let text = self.scan.string()?;
                self.leaf(node, Leaf::String(text));
                Some(())
            }
            _ => {
                let leaf = match self.scan.scalar()? {
                    Found::Number(n) => Leaf::Number(n),
                    Found::Bool(b) => Leaf::Bool(b),
                    Found::Null => Leaf::Null,
                    _ => return None,
                };
                self.leaf(node, leaf);
                Some(())
            }
        }
    }

    fn array(&mut self, node: usize, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.scan.pos += 1;
        if self.scan.token()? == b']' {
            self.scan.pos += 1;
            return Some(());
        }
        let id = self.state.arrays;
        self.state.arrays += 1;
        let mut index = 0u32;
        loop {
            self.state.trail.push((id, index));
            self.value(node, depth)?;
            self.state.trail.pop();
            index += 1;
            match self.scan.token()? {
                b',' => self.scan.pos += 1,
                b']' => {
                    self.scan.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn leaf(&mut self, node: usize, leaf: Leaf<'e>) {
        let Some(name) = self.set.trie[node].name else {
            return;
        };
        let set = self.set;
        let state = &mut *self.state;
        state.name_seen[name as usize] = state.epoch;
        let conditions = &set.names[name as usize];
        let mut trail = None;
        if let Leaf::String(text) = &leaf {
            if let Some(ids) = conditions.exact.get(text.as_ref() as &str) {
                for &c in ids {
                    state.record(set, c, &mut trail);
                }
            }
        }
        for &c in &conditions.others {
            if set.conditions[c as usize].matches(&leaf) {
                state.record(set, c, &mut trail);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_signatures_tell_short_keys_apart_exactly() {
        let keys: Vec<String> =
            ["", "a", "b", "ab", "ba", "aba", "abb", "abcd", "abce", "dbca", "abcdefgh", "abcdefgi"]
                .into_iter()
                .map(String::from)
                .chain((0..=17).map(|n| "x".repeat(n)))
                .chain((1..=17).map(|n| format!("{}y", "x".repeat(n - 1))))
                .chain((1..=17).map(|n| format!("y{}", "x".repeat(n - 1))))
                .chain((2..=17).map(|n| format!("x{}x", "y".repeat(n - 2))))
                .collect();
        for a in &keys {
            for b in &keys {
                let (sa, sb) = (KeySignature::of(a.as_bytes()), KeySignature::of(b.as_bytes()));
                if sa.is_exact() {
                    assert_eq!(sa == sb, a == b, "{a:?} {b:?}");
                } else if a == b {
                    assert_eq!(sa, sb);
                }
            }
        }
    }

    #[test]
    fn children_find_steps_by_signature_and_by_index() {
        for count in [3, 40] {
            let mut children = Children::default();
            let names: Vec<String> = (0..count).map(|i| format!("key{i}-{}", "z".repeat(i % 20))).collect();
            for (i, name) in names.iter().enumerate() {
                children.insert(name, i as u32);
            }
            for (i, name) in names.iter().enumerate() {
                assert_eq!(children.get(name), Some(i as u32));
                assert_eq!(children.get(&format!("{name}!")), None);
                assert_eq!(children.dotted(&format!("{name}.rest")), Some((i as u32, "rest")));
            }
            assert_eq!(children.get("key0-x"), None);
        }
    }

    #[test]
    fn word_hash_separates_similar_values() {
        use std::hash::BuildHasher;
        let build = BuildHasherDefault::<WordHash>::default();
        let values: Vec<String> = (0..2000)
            .map(|i| format!("{}{i}", ["", "Create", "arn:aws:iam::123456789012:user/"][i % 3]))
            .chain(["a", "b", "ab", "ba", "abcd", "abcdefgh", "abcdefghi"].map(String::from))
            .collect();
        let mut hashes: Vec<u64> = values.iter().map(|v| build.hash_one(v.as_str())).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), values.len());
    }
}
