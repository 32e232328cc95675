//! Extracted values (`$name`, `$1`, ...) in the order AWS prints them.
//!
//! TestMetricFilter's `extractedValues` is a Java `HashMap` on the service side, so its
//! keys come out in hash-bucket order, not pattern order. Every one of the 374 recorded
//! maps fits this model: the values are put in field order into a default-sized map (16
//! buckets, doubling past a 0.75 load), which is then copied into a map sized for its
//! contents (`HashMap(Map)`), whose iteration order is what is printed. Reproducing it
//! makes trailwatch's JSON byte-for-byte comparable with the service's.

use serde::ser::{Serialize, SerializeMap, Serializer};

/// Extracted values, kept in AWS's printing order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExtractedValues {
    entries: Vec<(String, String)>,
}

impl ExtractedValues {
    /// Orders `entries` (given in field order) as the service prints them.
    pub fn from_field_order(entries: Vec<(String, String)>) -> ExtractedValues {
        let mut entries = entries;
        let first_capacity = growing_capacity(entries.len());
        entries.sort_by_key(|(key, _)| bucket(key, first_capacity));
        let copy_capacity = table_size_for(((entries.len() as f32 / 0.75f32) + 1.0f32) as usize);
        entries.sort_by_key(|(key, _)| bucket(key, copy_capacity));
        ExtractedValues { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Serialize for ExtractedValues {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

/// Java's `String.hashCode` over UTF-16 code units.
fn java_hash(key: &str) -> u32 {
    key.encode_utf16().fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(u32::from(unit)))
}

/// `HashMap`'s bucket: the hash with its high half folded in, masked to the table size.
fn bucket(key: &str, capacity: usize) -> usize {
    let h = java_hash(key);
    ((h ^ (h >> 16)) as usize) & (capacity - 1)
}

/// The table size of a default `HashMap` after `entries` puts.
fn growing_capacity(entries: usize) -> usize {
    let mut capacity = 16;
    while entries * 4 > capacity * 3 {
        capacity *= 2;
    }
    capacity
}

/// `HashMap.tableSizeFor`: the smallest power of two at least `n` (at least 1).
fn table_size_for(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[&str]) -> Vec<String> {
        let entries = keys.iter().map(|k| (k.to_string(), String::new())).collect();
        ExtractedValues::from_field_order(entries).iter().map(|(k, _)| k.to_string()).collect()
    }

    #[test]
    fn java_hash_matches_java() {
        assert_eq!(java_hash("$a"), 1213);
        assert_eq!(java_hash("$rest"), 36743672);
    }

    #[test]
    fn orders_like_the_recordings() {
        assert_eq!(order(&["$a", "$rest"]), ["$rest", "$a"]);
        assert_eq!(order(&["$1", "$2", "$3", "$4"]), ["$4", "$1", "$2", "$3"]);
        assert_eq!(order(&["$first", "$last", "$2", "$3"]), ["$first", "$2", "$last", "$3"]);
        assert_eq!(order(&["$level", "$rest"]), ["$level", "$rest"]);
        assert_eq!(order(&["$1", "$2", "$last"]), ["$1", "$2", "$last"]);
    }
}
