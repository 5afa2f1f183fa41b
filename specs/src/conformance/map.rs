//! Map suites: point operations, ordered navigation, conditional updates.

use proptest::{collection::vec, prelude::*};

use super::{Config, ConformanceError, engine};
use crate::{
    model::{MapModel, MapOp, MapRet},
    rng::SplitMix64,
};

/// The model the map suites compare with.
type Map = MapModel<u64, u64>;
/// Map operations on `u64` keys and values.
type Op = MapOp<u64, u64>;
/// Map results on `u64` keys and values.
type Ret = MapRet<u64, u64>;

/// Values are drawn from `0..VALUES`: few enough that conditional updates hit often.
const VALUES: u64 = 8;

/// Adapter for a map from `u64` to `u64` under test: the point operations every map has.
pub trait MapUnderTest {
    /// Inserts or replaces; returns the previous value.
    fn insert(&self, key: u64, value: u64) -> Option<u64>;

    /// The value of `key`.
    fn get(&self, key: u64) -> Option<u64>;

    /// Removes `key`; returns its value.
    fn remove(&self, key: u64) -> Option<u64>;

    /// Whether `key` is present (default: through `get`).
    fn contains_key(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    /// The number of entries (checked by the sequential suites only).
    fn len(&self) -> usize;

    /// Whether the map is empty (default: through `len`).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Adapter extension for ordered maps: extremes and navigation. The concurrent suite checks
/// these as a whole object, so a map should join it only if it claims these operations are
/// linearizable.
pub trait OrderedMapUnderTest: MapUnderTest {
    /// The smallest entry.
    fn first(&self) -> Option<(u64, u64)>;
    /// The largest entry.
    fn last(&self) -> Option<(u64, u64)>;
    /// Removes and returns the smallest entry.
    fn pop_first(&self) -> Option<(u64, u64)>;
    /// Removes and returns the largest entry.
    fn pop_last(&self) -> Option<(u64, u64)>;
    /// The greatest entry with a key `<= key`.
    fn floor(&self, key: u64) -> Option<(u64, u64)>;
    /// The least entry with a key `>= key`.
    fn ceiling(&self, key: u64) -> Option<(u64, u64)>;
    /// The greatest entry with a key `< key`.
    fn lower(&self, key: u64) -> Option<(u64, u64)>;
    /// The least entry with a key `> key`.
    fn higher(&self, key: u64) -> Option<(u64, u64)>;
}

/// Adapter extension for maps with atomic conditional updates.
pub trait ConditionalMapUnderTest: MapUnderTest {
    /// Inserts only if absent; returns the value already present (`None`: inserted).
    fn try_insert(&self, key: u64, value: u64) -> Option<u64>;
    /// Returns the present value, inserting `value` first if absent.
    fn get_or_insert(&self, key: u64, value: u64) -> u64;
    /// Replaces the value with `new` if it equals `expected`; returns whether it did.
    fn compare_and_replace(&self, key: u64, expected: u64, new: u64) -> bool;
}

/// The extreme-removing operations the concurrent ordered suite generates.
///
/// A map may document one of them as weaker than linearizable: a lock-free skip list's
/// `pop_first` typically removes an entry that was the least at *some* moment of the call, so
/// a smaller key inserted meanwhile, and seen by another thread before the removal takes
/// effect, makes the history non-linearizable. Such a map runs
/// [`check_ordered_map_linearizable_with`] without that operation, and tests its weaker
/// guarantee on its own. Sequential suites always generate every operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderedOps {
    /// Generate `pop_first`.
    pub pop_first: bool,
    /// Generate `pop_last`.
    pub pop_last: bool,
}

impl OrderedOps {
    /// Every ordered operation (what [`check_ordered_map_linearizable`] runs).
    pub const ALL: Self = Self {
        pop_first: true,
        pop_last: true,
    };

    /// Every ordered operation except `pop_first`.
    pub const WITHOUT_POP_FIRST: Self = Self {
        pop_first: false,
        pop_last: true,
    };

    /// Every ordered operation except `pop_last`.
    pub const WITHOUT_POP_LAST: Self = Self {
        pop_first: true,
        pop_last: false,
    };

    /// Whether `op` may be generated.
    fn allows(self, op: &Op) -> bool {
        match op {
            MapOp::PopFirst => self.pop_first,
            MapOp::PopLast => self.pop_last,
            _ => true,
        }
    }
}

impl Default for OrderedOps {
    fn default() -> Self {
        Self::ALL
    }
}

/// Runs a point operation; `None` for the other operations.
fn exec_point<T: MapUnderTest + ?Sized>(m: &T, op: &Op) -> Option<Ret> {
    Some(match *op {
        MapOp::Insert(k, v) => MapRet::Value(m.insert(k, v)),
        MapOp::Get(k) => MapRet::Value(m.get(k)),
        MapOp::Remove(k) => MapRet::Value(m.remove(k)),
        MapOp::ContainsKey(k) => MapRet::Bool(m.contains_key(k)),
        MapOp::Len => MapRet::Len(m.len()),
        _ => return None,
    })
}

fn exec_ordered<T: OrderedMapUnderTest + ?Sized>(m: &T, op: &Op) -> Option<Ret> {
    Some(MapRet::Entry(match *op {
        MapOp::First => m.first(),
        MapOp::Last => m.last(),
        MapOp::PopFirst => m.pop_first(),
        MapOp::PopLast => m.pop_last(),
        MapOp::Floor(k) => m.floor(k),
        MapOp::Ceiling(k) => m.ceiling(k),
        MapOp::Lower(k) => m.lower(k),
        MapOp::Higher(k) => m.higher(k),
        _ => return None,
    }))
}

fn exec_conditional<T: ConditionalMapUnderTest + ?Sized>(m: &T, op: &Op) -> Option<Ret> {
    Some(match *op {
        MapOp::TryInsert(k, v) => MapRet::Value(m.try_insert(k, v)),
        MapOp::GetOrInsert(k, v) => MapRet::Value(Some(m.get_or_insert(k, v))),
        MapOp::CompareAndReplace { key, expected, new } => {
            MapRet::Bool(m.compare_and_replace(key, expected, new))
        }
        _ => return None,
    })
}

/// Every suite generates only operations its adapter supports, so `None` cannot occur.
fn supported(ret: Option<Ret>, op: &Op) -> Ret {
    ret.unwrap_or_else(|| {
        unreachable!("the suite generated {op:?}, which its adapter does not support")
    })
}

/// Which operations a suite generates.
#[derive(Clone, Copy)]
enum Flavor {
    Point,
    Ordered,
    Conditional,
}

/// A proptest strategy for one operation of `flavor` (`len` included).
fn op_strategy(flavor: Flavor, keys: u64) -> BoxedStrategy<Op> {
    let key = 0..keys.max(1);
    let kv = (key.clone(), 0..VALUES);
    let point = prop_oneof![
        3 => kv.clone().prop_map(|(k, v)| MapOp::Insert(k, v)),
        2 => key.clone().prop_map(MapOp::Get),
        2 => key.clone().prop_map(MapOp::Remove),
        1 => key.clone().prop_map(MapOp::ContainsKey),
        1 => Just(MapOp::Len),
    ];
    match flavor {
        Flavor::Point => point.boxed(),
        Flavor::Ordered => prop_oneof![
            6 => point,
            1 => Just(MapOp::First),
            1 => Just(MapOp::Last),
            1 => Just(MapOp::PopFirst),
            1 => Just(MapOp::PopLast),
            1 => key.clone().prop_map(MapOp::Floor),
            1 => key.clone().prop_map(MapOp::Ceiling),
            1 => key.clone().prop_map(MapOp::Lower),
            1 => key.prop_map(MapOp::Higher),
        ]
        .boxed(),
        Flavor::Conditional => prop_oneof![
            4 => point,
            1 => kv.clone().prop_map(|(k, v)| MapOp::TryInsert(k, v)),
            1 => kv.prop_map(|(k, v)| MapOp::GetOrInsert(k, v)),
            1 => (key, 0..VALUES, 0..VALUES)
                .prop_map(|(key, expected, new)| MapOp::CompareAndReplace { key, expected, new }),
        ]
        .boxed(),
    }
}

fn cases(config: &Config, flavor: Flavor) -> impl Strategy<Value = (usize, Vec<Op>)> {
    (
        Just(0usize),
        vec(op_strategy(flavor, config.keys), 0..=config.max_ops),
    )
}

/// Draws one operation of `flavor` (never `len`, nor an operation `ops` excludes) from the
/// workload generator.
fn generator(
    flavor: Flavor,
    keys: u64,
    ops: OrderedOps,
) -> impl Fn(usize, &mut SplitMix64) -> Op + Sync {
    move |_, rng| loop {
        let op = draw(flavor, keys, rng);
        // An excluded operation is drawn again, so the others keep their relative weights.
        if ops.allows(&op) {
            return op;
        }
    }
}

/// One operation of `flavor`: inserts weigh three, gets and removes two, every other operation
/// one.
fn draw(flavor: Flavor, keys: u64, rng: &mut SplitMix64) -> Op {
    let k = rng.below(keys.max(1));
    let v = rng.below(VALUES);
    let extra = match flavor {
        Flavor::Point => 0,
        Flavor::Ordered => 8,
        Flavor::Conditional => 3,
    };
    match (flavor, rng.below(8 + extra)) {
        (_, 0..=2) => MapOp::Insert(k, v),
        (_, 3..=4) => MapOp::Get(k),
        (_, 5..=6) => MapOp::Remove(k),
        (_, 7) => MapOp::ContainsKey(k),
        (Flavor::Ordered, 8) => MapOp::First,
        (Flavor::Ordered, 9) => MapOp::Last,
        (Flavor::Ordered, 10) => MapOp::PopFirst,
        (Flavor::Ordered, 11) => MapOp::PopLast,
        (Flavor::Ordered, 12) => MapOp::Floor(k),
        (Flavor::Ordered, 13) => MapOp::Ceiling(k),
        (Flavor::Ordered, 14) => MapOp::Lower(k),
        (Flavor::Ordered, _) => MapOp::Higher(k),
        (Flavor::Conditional, 8) => MapOp::TryInsert(k, v),
        (Flavor::Conditional, 9) => MapOp::GetOrInsert(k, v),
        (_, _) => MapOp::CompareAndReplace {
            key: k,
            expected: rng.below(VALUES),
            new: v,
        },
    }
}

fn empty<T>(_: &T) -> Map {
    MapModel::new()
}

/// Sequential conformance of the point operations (and `len`) against [`MapModel`], keys in
/// `0..config.keys`. `make` receives an unused hint (0).
///
/// # Errors
///
/// The minimal operation sequence whose results differ from the model.
pub fn check_map_conformance<T: MapUnderTest>(
    config: &Config,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    let exec = |m: &T, op: &Op| supported(exec_point(m, op), op);
    engine::sequential(
        "map conformance",
        config,
        cases(config, Flavor::Point),
        make,
        empty,
        exec,
    )
}

/// Concurrent point operations (no `len`), checked per key.
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_map_linearizable<T: MapUnderTest + Sync>(
    config: &Config,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    let exec = |m: &T, op: &Op| supported(exec_point(m, op), op);
    let generate = generator(Flavor::Point, config.keys, OrderedOps::ALL);
    engine::concurrent(
        "map linearizability",
        config,
        make,
        empty,
        generate,
        exec,
        |c, h, m| c.check_per_key(h, m),
    )
}

/// Sequential conformance of point, `len`, extreme and navigation operations.
///
/// # Errors
///
/// The minimal operation sequence whose results differ from the model.
pub fn check_ordered_map_conformance<T: OrderedMapUnderTest>(
    config: &Config,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    let exec = |m: &T, op: &Op| supported(exec_point(m, op).or_else(|| exec_ordered(m, op)), op);
    engine::sequential(
        "ordered map conformance",
        config,
        cases(config, Flavor::Ordered),
        make,
        empty,
        exec,
    )
}

/// Concurrent point, extreme and navigation operations (no `len`), checked as a whole object:
/// keep `config.keys` (≤ 8) and the thread count (≤ 4) small.
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_ordered_map_linearizable<T: OrderedMapUnderTest + Sync>(
    config: &Config,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    check_ordered_map_linearizable_with(config, OrderedOps::ALL, make)
}

/// [`check_ordered_map_linearizable`] generating only the ordered operations `ops` allows
/// (for a map that documents one of them as weaker than linearizable; see [`OrderedOps`]).
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_ordered_map_linearizable_with<T: OrderedMapUnderTest + Sync>(
    config: &Config,
    ops: OrderedOps,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    let exec = |m: &T, op: &Op| supported(exec_point(m, op).or_else(|| exec_ordered(m, op)), op);
    let generate = generator(Flavor::Ordered, config.keys, ops);
    engine::concurrent(
        "ordered map linearizability",
        config,
        make,
        empty,
        generate,
        exec,
        |c, h, m| c.check(h, m),
    )
}

/// Sequential conformance of point, `len` and conditional operations.
///
/// # Errors
///
/// The minimal operation sequence whose results differ from the model.
pub fn check_conditional_map_conformance<T: ConditionalMapUnderTest>(
    config: &Config,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    let exec =
        |m: &T, op: &Op| supported(exec_point(m, op).or_else(|| exec_conditional(m, op)), op);
    engine::sequential(
        "conditional map conformance",
        config,
        cases(config, Flavor::Conditional),
        make,
        empty,
        exec,
    )
}

/// Concurrent point and conditional operations (no `len`), checked per key.
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_conditional_map_linearizable<T: ConditionalMapUnderTest + Sync>(
    config: &Config,
    make: impl Fn(usize) -> T,
) -> Result<(), ConformanceError> {
    let exec =
        |m: &T, op: &Op| supported(exec_point(m, op).or_else(|| exec_conditional(m, op)), op);
    let generate = generator(Flavor::Conditional, config.keys, OrderedOps::ALL);
    engine::concurrent(
        "conditional map linearizability",
        config,
        make,
        empty,
        generate,
        exec,
        |c, h, m| c.check_per_key(h, m),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the `PopFirst` and `PopLast` among 4000 ordered draws filtered by `ops`.
    fn pops(ops: OrderedOps) -> (usize, usize) {
        let generate = generator(Flavor::Ordered, 6, ops);
        let mut rng = SplitMix64::new(7);
        let drawn: Vec<Op> = (0..4000).map(|_| generate(0, &mut rng)).collect();
        let count = |wanted: &Op| drawn.iter().filter(|op| *op == wanted).count();
        (count(&MapOp::PopFirst), count(&MapOp::PopLast))
    }

    #[test]
    fn ordered_ops_leave_out_exactly_what_they_exclude() {
        let (first, last) = pops(OrderedOps::ALL);
        assert!(first > 100 && last > 100, "{first} / {last}");
        let (first, last) = pops(OrderedOps::WITHOUT_POP_FIRST);
        assert!(first == 0 && last > 100, "{first} / {last}");
        let (first, last) = pops(OrderedOps::WITHOUT_POP_LAST);
        assert!(first > 100 && last == 0, "{first} / {last}");
    }

    #[test]
    fn all_ordered_ops_draw_the_unfiltered_sequence() {
        // Seeds of existing callers keep reproducing the same workloads.
        let generate = generator(Flavor::Ordered, 6, OrderedOps::ALL);
        let (mut a, mut b) = (SplitMix64::new(3), SplitMix64::new(3));
        for _ in 0..1000 {
            assert_eq!(generate(0, &mut a), draw(Flavor::Ordered, 6, &mut b));
        }
    }
}
